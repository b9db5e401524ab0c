"""Every limit is checked before anything is sent, with a message naming field, value and range."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from titan import TitanClient, TitanValidationError
from titan.models import NOVA_CANVAS, STABLE_IMAGE_CORE, TITAN_V2
from titan.tasks.outpaint import OutpaintRequest


def refused(call, *args, **kwargs) -> TitanValidationError:
    with pytest.raises(TitanValidationError) as info:
        call(*args, **kwargs)
    return info.value


# --- prompts ---------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 512])
def test_prompt_length_edges_accepted(client: TitanClient, length: int) -> None:
    client.text_image("a" * length)


def test_prompt_over_limit_names_field_and_range(client: TitanClient, mock_engine) -> None:
    error = refused(client.text_image, "a" * 513)
    assert error.field == "text"
    assert "1 to 512 characters" in str(error) and "513" not in error.allowed
    assert "too long by 1" in str(error)
    assert mock_engine.calls == []  # nothing sent, nothing billed


def test_600_char_prompt_message_is_plain(client: TitanClient) -> None:
    message = str(refused(client.text_image, "x" * 600))
    assert message.startswith("text: too long by 88") and "Shorten the prompt" in message


@pytest.mark.parametrize("prompt", ["", "   ", "\n"])
def test_empty_prompt_refused(client: TitanClient, prompt: str) -> None:
    error = refused(client.text_image, prompt)
    assert error.field == "text"
    assert "empty" in str(error)


def test_empty_negative_prompt_means_not_set(client: TitanClient) -> None:
    result = client.text_image("a cat", negative_text="")
    assert "negativeText" not in result.body["textToImageParams"]


def test_negative_prompt_limit(client: TitanClient) -> None:
    assert refused(client.text_image, "cat", negative_text="n" * 513).field == "negative_text"


def test_nova_allows_1024_char_prompts(nova: TitanClient) -> None:
    nova.text_image("a" * 1024)
    assert refused(nova.text_image, "a" * 1025).field == "text"


# --- numeric ranges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("number_of_images", [1, 5], [0, 6, 2.5]),
        ("cfg_scale", [1.1, 10.0, 8], [1.0, 10.1, -1]),
        ("seed", [0, 2_147_483_646], [-1, 2_147_483_647, 1.5]),
    ],
)
def test_config_ranges(client: TitanClient, name: str, good: list, bad: list) -> None:
    for value in good:
        client.text_image("cat", **{name: value})
    for value in bad:
        error = refused(client.text_image, "cat", **{name: value})
        assert error.field == name and str(value) in str(error)


def test_booleans_are_not_numbers(client: TitanClient) -> None:
    assert refused(client.text_image, "cat", number_of_images=True).field == "number_of_images"


def test_quality_choices(client: TitanClient) -> None:
    client.text_image("cat", quality="premium")
    error = refused(client.text_image, "cat", quality="ultra")
    assert "standard or premium" in str(error)


def test_nova_seed_limit_is_its_own(nova: TitanClient) -> None:
    nova.text_image("cat", seed=858_993_459)
    assert refused(nova.text_image, "cat", seed=858_993_460).field == "seed"


# --- sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1024, 1024), (1173, 640), (320, 704)])
def test_titan_supported_sizes(client: TitanClient, size: tuple[int, int]) -> None:
    client.text_image("cat", width=size[0], height=size[1])


@pytest.mark.parametrize("size", [(1000, 1000), (640, 1173), (2048, 2048)])
def test_titan_unsupported_sizes(client: TitanClient, size: tuple[int, int]) -> None:
    error = refused(client.text_image, "cat", width=size[0], height=size[1])
    assert "1024×1024" in error.allowed and f"{size[0]}×{size[1]}" in str(error)


def test_width_without_height(client: TitanClient) -> None:
    assert "both or neither" in str(refused(client.text_image, "cat", width=1024))


@pytest.mark.parametrize(
    ("size", "ok"),
    [((2048, 2048), False), ((2032, 2032), True), ((320, 1280), True), ((320, 1296), False), ((1000, 1008), False)],
)
def test_nova_size_rule(nova: TitanClient, size: tuple[int, int], ok: bool) -> None:
    if ok:
        nova.text_image("cat", width=size[0], height=size[1])
    else:
        refused(nova.text_image, "cat", width=size[0], height=size[1])


def test_unknown_setting_named(client: TitanClient) -> None:
    error = refused(client.text_image, "cat", sed=4)
    assert error.field == "sed" and "cfg_scale" in error.allowed


# --- images ----------------------------------------------------------------------------


def test_image_side_limit(client: TitanClient) -> None:
    big = Image.new("RGB", (1409, 600))
    error = refused(client.remove_background, big)
    assert "1409×600" in str(error) and "1408" in error.allowed


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_unreadable_image_bytes(client: TitanClient, data: bytes) -> None:
    assert refused(client.remove_background, data).field == "image"


def test_truncated_png(client: TitanClient, photo: Image.Image, tmp_path) -> None:
    path = tmp_path / "photo.png"
    photo.save(path)
    cut = path.read_bytes()[:-200]
    assert "damaged" in str(refused(client.remove_background, cut))


def test_wrong_file_type(client: TitanClient, tmp_path) -> None:
    path = tmp_path / "picture.gif"
    Image.new("RGB", (64, 64)).save(path)
    assert "PNG, JPEG or WebP" in str(refused(client.remove_background, path))


def test_missing_file(client: TitanClient, tmp_path) -> None:
    assert "file not found" in str(refused(client.remove_background, tmp_path / "nope.png"))


# --- masks -----------------------------------------------------------------------------


def test_exactly_one_mask_source(client: TitanClient, photo, square_mask) -> None:
    assert "both" in str(refused(client.inpaint, photo, mask_image=square_mask, mask_prompt="square"))
    assert "neither" in str(refused(client.inpaint, photo))


def test_mask_size_must_match(client: TitanClient, photo) -> None:
    error = refused(client.inpaint, photo, mask_image=Image.new("L", (256, 256), 0))
    assert error.field == "mask_image" and "512×512" in error.allowed


def test_mask_black_and_white_only(client: TitanClient, photo, square_mask) -> None:
    grey = square_mask.copy()
    grey.putpixel((0, 0), 128)
    error = refused(client.inpaint, photo, mask_image=grey)
    assert "grey" in str(error) and "binarize_mask" in str(error)
    coloured = Image.new("RGB", (512, 512), (255, 0, 0))
    assert "coloured" in str(refused(client.inpaint, photo, mask_image=coloured))


def test_edit_tasks_take_no_size_their_output_is_the_input_size(client: TitanClient, photo, square_mask) -> None:
    """Changed with the typed requests: inpaint/outpaint refuse width/height instead of checking them."""
    for call in (client.inpaint, client.outpaint):
        error = refused(call, photo, mask_image=square_mask, text="sea", width=512, height=512)
        assert error.field == "height, width" and "not a setting" in str(error)
    result = client.inpaint(photo, mask_image=square_mask, seed=1)
    assert result.body["imageGenerationConfig"] == {"seed": 1} and result.price.per_image == 0.008  # 512² tier


def test_outpaint_paddings(client: TitanClient, photo, square_mask) -> None:
    assert "not both" in str(refused(client.outpaint, photo, text="sea", left=64, mask_image=square_mask))
    assert refused(client.outpaint, photo, text="sea", left=-1).field == "left"
    error = refused(client.outpaint, photo, text="sea", left=1000)  # 1512 px wide: over Titan's 1408
    assert error.field == "image" and "1512×512" in str(error)


def test_outpaint_needs_text_and_mode(client: TitanClient, photo, square_mask) -> None:
    assert refused(client.outpaint, photo, text="", mask_image=square_mask).field == "text"
    assert "DEFAULT or PRECISE" in str(
        refused(client.outpaint, photo, text="sea", mask_image=square_mask, mode="EXACT")
    )


# --- task-specific ---------------------------------------------------------------------


def test_control_fields_need_condition_image(client: TitanClient) -> None:
    assert "condition_image" in refused(client.text_image, "cat", control_mode="CANNY_EDGE").allowed


def test_control_values(client: TitanClient, photo) -> None:
    client.text_image("cat", condition_image=photo, control_mode="SEGMENTATION", control_strength=0.0)
    assert refused(client.text_image, "cat", condition_image=photo, control_strength=1.5).field == "control_strength"
    assert refused(client.text_image, "cat", condition_image=photo, control_mode="DEPTH").field == "control_mode"


def test_titan_v1_has_no_conditioning(mock_engine, photo) -> None:
    v1 = TitanClient(engine=mock_engine, model_id="amazon.titan-image-generator-v1")
    assert refused(v1.text_image, "cat", condition_image=photo).field == "condition_image"
    assert refused(v1.variation, photo, similarity_strength=0.5).field == "similarity_strength"


@pytest.mark.parametrize("task", ["color_guided", "remove_background"])
def test_unsupported_task_refused_before_call(mock_engine, photo, task: str) -> None:
    v1 = TitanClient(engine=mock_engine, model_id="amazon.titan-image-generator-v1")
    call = (
        (lambda: v1.color_guided("cat", ["#FF0000"])) if task == "color_guided" else lambda: v1.remove_background(photo)
    )
    error = refused(call)
    assert error.field == "task" and "Titan Image Generator v1" in error.allowed
    assert mock_engine.calls == []


def test_style_only_on_nova(client: TitanClient, nova: TitanClient) -> None:
    nova.text_image("cat", style="PHOTOREALISM")
    assert refused(nova.text_image, "cat", style="WATERCOLOR").field == "style"
    assert refused(client.text_image, "cat", style="PHOTOREALISM").field == "style"


@pytest.mark.parametrize("count", [0, 6])
def test_variation_image_count(client: TitanClient, photo, count: int) -> None:
    assert refused(client.variation, [photo] * count).field == "images"


def test_variation_similarity_range(client: TitanClient, photo) -> None:
    client.variation([photo] * 5, similarity_strength=0.2)
    assert "0.2 to 1" in refused(client.variation, photo, similarity_strength=0.1).allowed


@pytest.mark.parametrize("colors", [[], ["#000000"] * 11])
def test_color_count(client: TitanClient, colors: list[str]) -> None:
    assert refused(client.color_guided, "cat", colors).field == "colors"


@pytest.mark.parametrize("color", ["red", "#GG0000", "#12345", 12])
def test_bad_hex_colors(client: TitanClient, color) -> None:
    assert refused(client.color_guided, "cat", ["#FF0000", color]).field == "colors[1]"


def test_hex_colors_normalized(client: TitanClient) -> None:
    body = client.color_guided("cat", ["ff8800", "#0af", "#ABCDEF"]).body
    assert body["colorGuidedGenerationParams"]["colors"] == ["#FF8800", "#00AAFF", "#ABCDEF"]


def test_unknown_model_id() -> None:
    error = refused(TitanClient, engine="offline", model_id="amazon.titan-image-generator-v9")
    assert error.field == "model_id" and "amazon.nova-canvas-v1:0" in error.allowed


def test_unknown_engine_name() -> None:
    assert refused(TitanClient, engine="magic").field == "engine"


def test_decompression_bomb_is_refused_before_decoding(client: TitanClient) -> None:
    """A tiny file that claims 100k × 100k pixels is refused from its header alone."""
    import io
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    assert len(io.BytesIO(bomb).getvalue()) < 100
    error = refused(client.remove_background, bomb)
    assert "too large to open safely" in str(error)


def test_large_but_sane_image_is_refused_by_pixels(client: TitanClient) -> None:
    import io

    buffer = io.BytesIO()
    Image.new("L", (9000, 8000)).save(buffer, format="PNG")
    assert "9000×8000" in str(refused(client.remove_background, buffer.getvalue()))


def test_nova_refuses_translucent_inputs_sent_as_bodies() -> None:
    """The client flattens alpha itself; a hand-made body (e.g. to the emulator) is still checked."""
    from titan.families import family_named
    from titan.images import encode_png_b64
    from titan.models import NOVA_CANVAS, TITAN_V2

    def check(spec, body) -> None:
        family_named("titan").decode(spec.model_id, body).validate(spec)

    translucent = encode_png_b64(Image.new("RGBA", (512, 512), (255, 0, 0, 128)))
    body = {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": translucent}}
    with pytest.raises(TitanValidationError, match="opaque image"):
        check(NOVA_CANVAS, body)
    check(TITAN_V2, body)
    palette = Image.new("P", (512, 512))
    palette.info["transparency"] = 0
    body["backgroundRemovalParams"]["image"] = encode_png_b64(palette)
    with pytest.raises(TitanValidationError, match="opaque image"):
        check(NOVA_CANVAS, body)


@given(
    size=st.tuples(st.integers(64, 2400), st.integers(64, 2400)),
    pads=st.tuples(*[st.integers(0, 1600)] * 4),
    model=st.sampled_from([TITAN_V2, NOVA_CANVAS, STABLE_IMAGE_CORE]),
)
@settings(max_examples=60, deadline=None)
def test_a_scaled_outpaint_canvas_always_fits_the_model(size, pads, model) -> None:
    """Picture and paddings shrink together and round down: the canvas never ends one pixel over."""
    left, right, top, bottom = pads
    request = OutpaintRequest(image=Image.new("RGB", size), text="more", left=left, right=right, top=top, bottom=bottom)
    try:
        fitted, _ = request.fitted(model)
    except TitanValidationError as refused:  # a shape no scale can fit is refused in words, never sent
        assert "too unequal" in str(refused)
        return
    width, height = fitted.image.size
    canvas = (width + (fitted.left or 0) + (fitted.right or 0), height + (fitted.top or 0) + (fitted.bottom or 0))
    assert max(canvas) <= model.max_input_side
    assert not model.max_pixels or canvas[0] * canvas[1] <= model.max_pixels
