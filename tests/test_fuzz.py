"""Fuzzing: any parameters and any uploaded bytes end in a result or a TitanError, never a crash.

A few hundred cases here; `python bench/fuzz.py` runs thousands and counts crashes.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from titan import FunctionEngine, TitanClient, TitanError
from titan.history import read_png_metadata
from titan.images import encode_png_b64

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _answer(model_id, body):
    config = body.get("imageGenerationConfig", {})
    count = config.get("numberOfImages", 1)
    return {"images": [encode_png_b64(Image.new("RGB", (8, 8)))] * count, "error": None}


CLIENT = TitanClient(engine=FunctionEngine(_answer))
SMALL = Image.new("RGB", (64, 64), "teal")

numbers = st.one_of(
    st.none(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text()
)
texts = st.one_of(st.none(), st.text(max_size=700), st.integers())


def outcome(call) -> str:
    try:
        call()
    except TitanError:
        return "refused"
    return "ok"


@FUZZ
@given(
    text=texts,
    negative=texts,
    count=numbers,
    quality=st.one_of(st.none(), st.sampled_from(["standard", "premium", "ultra", ""])),
    cfg=numbers,
    seed=numbers,
    width=numbers,
    height=numbers,
)
def test_text_image_parameters(text, negative, count, quality, cfg, seed, width, height) -> None:
    config = dict(number_of_images=count, quality=quality, cfg_scale=cfg, seed=seed, width=width, height=height)
    outcome(lambda: CLIENT.text_image(text, negative_text=negative, **config))


@FUZZ
@given(
    mode=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["CANNY_EDGE", "SEGMENTATION"])),
    strength=numbers,
    similarity=numbers,
    colors=st.lists(st.one_of(st.text(max_size=9), st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True)), max_size=12),
)
def test_other_task_parameters(mode, strength, similarity, colors) -> None:
    outcome(lambda: CLIENT.text_image("a cat", condition_image=SMALL, control_mode=mode, control_strength=strength))
    outcome(lambda: CLIENT.variation([SMALL], similarity_strength=similarity))
    outcome(lambda: CLIENT.color_guided("a cat", colors))


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    SMALL.save(buffer, format="PNG")
    return buffer.getvalue()


VALID = png_bytes()
uploads = st.one_of(
    st.binary(max_size=2048),
    st.integers(0, len(VALID)).map(lambda cut: VALID[:cut]),  # truncated PNGs
    st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)).map(
        lambda flip: VALID[: flip[0]] + bytes([flip[1]]) + VALID[flip[0] + 1 :]
    ),  # one corrupted byte
    st.sampled_from([b"GIF89a" + b"\0" * 40, b"%PDF-1.4", b"<svg></svg>", b"BM" + b"\0" * 60]),
)


@FUZZ
@given(data=uploads)
def test_uploaded_bytes(data: bytes) -> None:
    outcome(lambda: CLIENT.remove_background(data))
    outcome(lambda: CLIENT.inpaint(SMALL, mask_image=data))
    assert read_png_metadata(data) is None or isinstance(read_png_metadata(data), dict)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "CMYK", "I;16", "I", "F", "YCbCr", "HSV"])
def test_every_pil_mode_is_accepted_or_refused_plainly(mode: str) -> None:
    image = Image.new(mode, (64, 64))
    assert outcome(lambda: CLIENT.remove_background(image)) in ("ok", "refused")
