"""Body shapes: exactly the fields the caller set, under Titan's keys, per task and model."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from titan import FunctionEngine, TitanClient, request_types
from titan.models import MODELS

from .plans import assert_calls_read_back

CONFIG = {"number_of_images": 2, "quality": "premium", "width": 1024, "height": 1024, "cfg_scale": 10.0, "seed": 42}
TITAN_CONFIG = {"numberOfImages": 2, "quality": "premium", "width": 1024, "height": 1024, "cfgScale": 10.0, "seed": 42}


def decode(data: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_text_image_body_matches_the_seed_example(client: TitanClient) -> None:
    result = client.text_image(
        "A cute brown puppy and a white cat inside a red bucket", negative_text="bad quality, low res, noise", **CONFIG
    )
    assert result.body == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {
            "text": "A cute brown puppy and a white cat inside a red bucket",
            "negativeText": "bad quality, low res, noise",
        },
        "imageGenerationConfig": TITAN_CONFIG,
    }
    assert len(result.images) == 2


def test_optional_fields_are_omitted(client: TitanClient) -> None:
    assert client.text_image("a cat").body == {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a cat"}}


def test_conditioned_text_image(client: TitanClient, photo) -> None:
    params = client.text_image("a cat", condition_image=photo, control_mode="SEGMENTATION", control_strength=0.4).body[
        "textToImageParams"
    ]
    assert set(params) == {"text", "conditionImage", "controlMode", "controlStrength"}
    assert decode(params["conditionImage"]).format == "PNG"
    assert (params["controlMode"], params["controlStrength"]) == ("SEGMENTATION", 0.4)


def test_inpaint_without_text_is_removal(client: TitanClient, photo, square_mask) -> None:
    body = client.inpaint(photo, mask_image=square_mask).body
    assert body["taskType"] == "INPAINTING"
    assert set(body["inPaintingParams"]) == {"image", "maskImage"}  # no "text" key at all


def test_inpaint_replace_with_mask_prompt(client: TitanClient, photo) -> None:
    body = client.inpaint(photo, text="a green apple", mask_prompt="the square", return_mask=True, seed=1).body
    params = body["inPaintingParams"]
    assert params["text"] == "a green apple" and params["maskPrompt"] == "the square" and params["returnMask"] is True
    assert "maskImage" not in params
    assert body["imageGenerationConfig"] == {"seed": 1}


def test_mask_is_sent_unchanged(client: TitanClient, photo, square_mask) -> None:
    sent = decode(client.inpaint(photo, mask_image=square_mask).body["inPaintingParams"]["maskImage"])
    assert sent.convert("L").tobytes() == square_mask.tobytes()


def test_outpaint_body(client: TitanClient, photo, square_mask) -> None:
    body = client.outpaint(photo, text="a beach", mask_image=square_mask, mode="PRECISE").body
    assert body["taskType"] == "OUTPAINTING"
    assert set(body["outPaintingParams"]) == {"image", "text", "maskImage", "outPaintingMode"}
    assert body["outPaintingParams"]["outPaintingMode"] == "PRECISE"
    assert "imageGenerationConfig" not in body  # no size: the output is the canvas's


def test_outpaint_paddings_are_sent_as_titan_s_canvas_and_mask(client: TitanClient, photo) -> None:
    params = client.outpaint(photo, text="a beach", left=64, bottom=32).body["outPaintingParams"]
    assert set(params) == {"image", "text", "maskImage"}  # Titan has no paddings: the canvas carries them
    canvas, mask = decode(params["image"]), decode(params["maskImage"]).convert("L")
    assert canvas.size == mask.size == (576, 544)
    assert canvas.convert("RGB").getpixel((64 + 256, 256)) == photo.getpixel((256, 256))
    assert mask.getpixel((64, 0)) == 0 and mask.getpixel((0, 0)) == 255 and mask.getpixel((100, 520)) == 255


def test_nova_edit_tasks_never_send_size(nova: TitanClient) -> None:
    """Edit tasks take no width/height (behaviour change: they used to be checked against the input)."""
    image = Image.new("RGB", (640, 640), "white")
    mask = Image.new("L", (640, 640), 255)
    mask.paste(0, (0, 0, 320, 320))
    body = nova.inpaint(image, mask_image=mask, seed=3).body
    assert body["imageGenerationConfig"] == {"seed": 3}


def test_variation_body(client: TitanClient, photo) -> None:
    body = client.variation([photo, photo], text="autumn", similarity_strength=0.9, number_of_images=3).body
    params = body["imageVariationParams"]
    assert len(params["images"]) == 2 and params["similarityStrength"] == 0.9 and params["text"] == "autumn"
    assert body["imageGenerationConfig"] == {"numberOfImages": 3}


def test_variation_accepts_a_single_image(client: TitanClient, photo) -> None:
    assert len(client.variation(photo).body["imageVariationParams"]["images"]) == 1


def test_color_guided_body(client: TitanClient, photo) -> None:
    body = client.color_guided("a vase", ["#FF0000", "#00FF00"], reference_image=photo, negative_text="blur").body
    assert body["taskType"] == "COLOR_GUIDED_GENERATION"
    assert set(body["colorGuidedGenerationParams"]) == {"colors", "text", "referenceImage", "negativeText"}


def test_background_removal_has_no_generation_config(client: TitanClient, photo) -> None:
    body = client.remove_background(photo).body
    assert set(body) == {"taskType", "backgroundRemovalParams"}
    assert set(body["backgroundRemovalParams"]) == {"image"}


def test_inputs_are_rgb_png_with_orientation_applied(client: TitanClient, tmp_path) -> None:
    rotated = Image.new("RGB", (300, 200), "white")
    exif = rotated.getexif()
    exif[0x0112] = 6  # camera held sideways: display rotated by 90°
    path = tmp_path / "phone.jpg"
    rotated.save(path, exif=exif)
    sent = decode(client.remove_background(path).body["backgroundRemovalParams"]["image"])
    assert sent.size == (200, 300) and sent.mode == "RGB" and sent.format in ("PNG", "JPEG")  # a photo stays JPEG


def test_image_input_kinds(client: TitanClient, photo, tmp_path) -> None:
    import numpy as np

    path = tmp_path / "p.png"
    photo.save(path)
    for value in (photo, np.asarray(photo), path.read_bytes(), str(path), path):
        assert decode(client.remove_background(value).body["backgroundRemovalParams"]["image"]).size == (512, 512)


def test_rgba_and_16bit_inputs_become_rgb(client: TitanClient) -> None:
    import numpy as np

    rgba = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    deep = Image.fromarray(np.full((64, 64), 65535, dtype=np.uint16))
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))
    for image in (rgba, deep, cmyk, rgba.convert("P")):
        assert decode(client.remove_background(image).body["backgroundRemovalParams"]["image"]).mode == "RGB"


def sample_requests(photo: Image.Image, mask: Image.Image) -> dict[str, dict]:
    """One request's settings per task (every task of every family), with the fields it round-trips."""
    return {
        "TEXT_IMAGE": {"text": "a cat", "negative_text": "blur", "seed": 1, "number_of_images": 2},
        "INPAINTING": {"image": photo, "mask_image": mask, "text": "an apple", "seed": 4},
        "OUTPAINTING": {"image": photo, "text": "a beach", "left": 64, "top": 32},
        "IMAGE_VARIATION": {"images": [photo], "text": "autumn", "number_of_images": 2, "similarity_strength": 0.5},
        "COLOR_GUIDED_GENERATION": {"text": "a vase", "colors": ["#112233", "#FFAA00"]},
        "BACKGROUND_REMOVAL": {"image": photo},
        "SEARCH_RECOLOR": {"image": photo, "select_prompt": "the square", "text": "emerald green", "seed": 3},
        "STYLE_GUIDE": {"text": "a fox", "image": photo, "fidelity": 0.4, "width": 1344, "height": 768},
        "STYLE_TRANSFER": {"image": photo, "style_image": photo, "style_strength": 0.5},
        "UPSCALE": {"image": photo, "upscaler": "creative", "text": "sharp", "creativity": 0.3},
    }


@pytest.mark.parametrize("model_id", list(MODELS))
def test_every_supported_task_builds_bodies_the_receiver_reads_back_as_sent(model_id: str) -> None:
    """Per model and task: every call's body passes the emulator's check and reads back as the request
    that was sent. Stability makes one image per call, each with its own seed."""
    photo = Image.new("RGB", (512, 512), "teal")
    mask = Image.new("L", (512, 512), 255)
    mask.paste(0, (128, 128, 384, 384))
    client = TitanClient(engine=FunctionEngine(lambda model, body: {}), model_id=model_id)
    stability = client.spec.family == "stability"
    tasks = [kind for kind in request_types() if client.spec.supports(kind.task)]
    assert {"TEXT_IMAGE", "INPAINTING", "OUTPAINTING", "IMAGE_VARIATION"} <= {kind.task for kind in tasks}
    for request_type in tasks:
        settings = sample_requests(photo, mask)[request_type.task]
        if model_id == "amazon.titan-image-generator-v1":
            settings.pop("similarity_strength", None)  # v1 refuses it (tested in test_validation)
        plan = client.plan(request_type(**settings))
        assert len(plan.calls) == (plan.request.image_count() if stability else 1)
        if stability and not request_type.mappings["stability"].native(plan.request).decodes:
            continue  # a route read back as the task it really is (colour guided → Style Guide: test_stability)
        assert_calls_read_back(plan.request, plan.calls)
        if not stability:
            assert plan.calls[0].body["taskType"] == request_type.mappings["titan"].task_type


def test_partial_results_are_reported(photo) -> None:
    from titan import FunctionEngine
    from titan.images import encode_png_b64

    one = encode_png_b64(Image.new("RGB", (64, 64)))
    engine = FunctionEngine(lambda model, body: {"images": [one], "error": "1 image blocked by content filters"})
    result = TitanClient(engine=engine, model_id="amazon.titan-image-generator-v2:0").text_image(
        "a cat", number_of_images=2
    )
    assert result.partial and len(result.images) == 1
    assert "1 of 2 images were withheld" in result.error
