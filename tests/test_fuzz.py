"""Fuzzing: any parameters and any uploaded bytes end in the images asked for or a TitanError with a
message, never another exception, on a Titan model and on a Stability model.

A few hundred cases here; `python bench/fuzz.py` runs thousands and counts crashes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from titan import FunctionEngine, GenerationResult, TitanClient, TitanError
from titan.history import read_png_metadata
from titan.images import encode_png_b64

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ANSWER_IMAGE = encode_png_b64(Image.new("RGB", (8, 8)))


def _answer(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Titan's shape (numberOfImages images) or Stability's (one image per call, its seed)."""
    if "taskType" in body:
        count = body.get("imageGenerationConfig", {}).get("numberOfImages", 1)
        return {"images": [ANSWER_IMAGE] * count, "error": None}
    return {"images": [ANSWER_IMAGE], "seeds": [body.get("seed", 1)], "finish_reasons": [None]}


CLIENTS = {
    family: TitanClient(engine=FunctionEngine(_answer), model_id=model_id)
    for family, model_id in (
        ("titan", "amazon.titan-image-generator-v2:0"),
        ("stability", "stability.stable-image-core-v1:1"),
    )
}
families = st.sampled_from(sorted(CLIENTS))
SMALL = Image.new("RGB", (64, 64), "teal")
MASK = Image.new("L", (64, 64), 255)
MASK.paste(0, (16, 16, 48, 48))

numbers = st.one_of(
    st.none(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text()
)
fractions = st.one_of(numbers, st.floats(0, 1))  # valid often enough that both outcomes are exercised
counts = st.one_of(numbers, st.integers(1, 5))
texts = st.one_of(st.none(), st.text(max_size=700), st.integers())


def outcome(call: Callable[[], GenerationResult], images: Any = 1) -> str:
    """Run `call`: "ok" when it returned exactly `images` images (unset, None or "", counts as 1),
    "refused" for a TitanError that says something. Any other exception fails the test."""
    try:
        result = call()
    except TitanError as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        return "refused"
    expected = 1 if images is None or images == "" else int(images)
    assert len(result.images) == expected and all(image.size == (8, 8) for image in result.images)
    assert len(result.image_seeds) == expected and not result.partial
    return "ok"


#: A text-to-image request that works on both models; the fuzz replaces any subset of its settings.
TEXT_IMAGE = {"text": "a cat", "negative_text": "blur", "number_of_images": 2, "quality": "standard",
              "cfg_scale": 6.5, "seed": 7, "width": 1024, "height": 1024}  # fmt: skip
WILD_TEXT_IMAGE = {
    "text": texts,
    "negative_text": texts,
    "number_of_images": numbers,
    "quality": st.one_of(st.none(), st.sampled_from(["standard", "premium", "ultra", ""])),
    "cfg_scale": numbers,
    "seed": numbers,
    "width": numbers,
    "height": numbers,
}


@FUZZ
@given(family=families, wild=st.fixed_dictionaries({}, optional=WILD_TEXT_IMAGE))
def test_text_image_parameters(family: str, wild: dict[str, Any]) -> None:
    request = {**TEXT_IMAGE, **wild}
    outcome(lambda: CLIENTS[family].text_image(**request), images=request["number_of_images"])


@FUZZ
@given(
    family=families,
    mode=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["CANNY_EDGE", "SEGMENTATION"])),
    strength=fractions,
    similarity=fractions,
    colors=st.lists(st.one_of(st.text(max_size=9), st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True)), max_size=12),
)
def test_other_task_parameters(family, mode, strength, similarity, colors) -> None:
    client = CLIENTS[family]
    outcome(lambda: client.text_image("a cat", condition_image=SMALL, control_mode=mode, control_strength=strength))
    outcome(lambda: client.variation([SMALL], similarity_strength=similarity))
    outcome(lambda: client.color_guided("a cat", colors))


OUTPAINT = {"left": 64, "right": 0, "top": 0, "bottom": 0, "creativity": 0.5}


@FUZZ
@given(family=families, wild=st.fixed_dictionaries({}, optional=dict.fromkeys(OUTPAINT, numbers)))
def test_outpaint_paddings(family: str, wild: dict[str, Any]) -> None:
    outcome(lambda: CLIENTS[family].outpaint(SMALL, text="a beach", **{**OUTPAINT, **wild}))


@FUZZ
@given(
    upscaler=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["fast", "conservative", "creative"])),
    creativity=fractions,
    strengths=st.lists(fractions, min_size=3, max_size=3),
    grow=st.one_of(numbers, st.integers(0, 20)),
    count=counts,
)
def test_stability_service_parameters(upscaler, creativity, strengths, grow, count) -> None:
    core = CLIENTS["stability"]
    style, composition, change = strengths
    outcome(lambda: core.upscale(SMALL, upscaler, "crisp", creativity=creativity, number_of_images=count), count)
    outcome(lambda: core.style_transfer(SMALL, SMALL, style_strength=style, composition_fidelity=composition,
                                        change_strength=change))  # fmt: skip
    outcome(lambda: core.style_guide("a fox", SMALL, fidelity=creativity, number_of_images=count), count)
    outcome(lambda: core.search_recolor(SMALL, "the sky", "pink", grow_mask=grow))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def damaged(valid: bytes) -> st.SearchStrategy[bytes]:
    """Any bytes, `valid` cut short, `valid` with one byte changed, and other formats' headers."""
    return st.one_of(
        st.binary(max_size=2048),
        st.integers(0, len(valid)).map(lambda cut: valid[:cut]),
        st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)).map(
            lambda flip: valid[: flip[0]] + bytes([flip[1]]) + valid[flip[0] + 1 :]
        ),
        st.sampled_from([b"GIF89a" + b"\0" * 40, b"%PDF-1.4", b"<svg></svg>", b"BM" + b"\0" * 60]),
    )


VALID = png_bytes(SMALL)
VALID_MASK = png_bytes(MASK)


@FUZZ
@given(family=families, data=damaged(VALID), mask=damaged(VALID_MASK))
def test_uploaded_bytes(family: str, data: bytes, mask: bytes) -> None:
    client = CLIENTS[family]
    outcome(lambda: client.remove_background(data))
    outcome(lambda: client.inpaint(SMALL, mask_image=mask, text="an apple"))
    outcome(lambda: client.style_transfer(data, SMALL) if family == "stability" else client.variation([data]))
    metadata = read_png_metadata(data)  # never raises: no metadata, or what could be read
    assert metadata is None or isinstance(metadata, dict)


def test_intact_uploads_are_accepted() -> None:
    """The fuzzed uploads start from bytes that work, so a refusal above is about the damage."""
    for client in CLIENTS.values():
        assert outcome(lambda: client.remove_background(VALID)) == "ok"  # noqa: B023 - called at once
        assert outcome(lambda: client.inpaint(SMALL, mask_image=VALID_MASK, text="an apple")) == "ok"  # noqa: B023


@pytest.mark.parametrize("family", sorted(CLIENTS))
@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "CMYK", "I;16", "I", "F", "YCbCr", "HSV"])
def test_every_pil_mode_is_sent_as_an_rgb_png(family: str, mode: str) -> None:
    result = CLIENTS[family].remove_background(Image.new(mode, (64, 64)))
    body = result.body.get("backgroundRemovalParams", result.body)
    sent = Image.open(io.BytesIO(base64.b64decode(body["image"])))
    assert (sent.format, sent.mode, sent.size) == ("PNG", "RGB", (64, 64))
    assert len(result.images) == 1
