"""Body shapes: exactly the fields the caller set, under Titan's keys, per task and model."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from titan import TitanClient
from titan.models import MODELS, Task
from titan.tasks import validate_body

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
    body = client.outpaint(photo, text="a beach", mask_image=square_mask, mode="PRECISE", width=512, height=512).body
    assert body["taskType"] == "OUTPAINTING"
    assert set(body["outPaintingParams"]) == {"image", "text", "maskImage", "outPaintingMode"}
    assert body["outPaintingParams"]["outPaintingMode"] == "PRECISE"
    assert body["imageGenerationConfig"] == {"width": 512, "height": 512}


def test_nova_edit_tasks_never_send_size(nova: TitanClient) -> None:
    image = Image.new("RGB", (640, 640), "white")
    mask = Image.new("L", (640, 640), 255)
    mask.paste(0, (0, 0, 320, 320))
    body = nova.inpaint(image, mask_image=mask, width=640, height=640, seed=3).body
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
    assert sent.size == (200, 300) and sent.mode == "RGB" and sent.format == "PNG"


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


def sample_calls(photo: Image.Image, mask: Image.Image) -> dict[Task, tuple]:
    return {
        Task.TEXT_IMAGE: ("text_image", ("a cat",), {"seed": 1}),
        Task.INPAINTING: ("inpaint", (photo,), {"mask_image": mask, "text": "an apple"}),
        Task.OUTPAINTING: ("outpaint", (photo,), {"mask_image": mask, "text": "a beach", "mode": "DEFAULT"}),
        Task.IMAGE_VARIATION: ("variation", ([photo],), {"number_of_images": 2}),
        Task.COLOR_GUIDED_GENERATION: ("color_guided", ("a vase", ["#112233"]), {}),
        Task.BACKGROUND_REMOVAL: ("remove_background", (photo,), {}),
    }


@pytest.mark.parametrize("model_id", list(MODELS))
def test_every_supported_task_builds_a_body_its_model_accepts(mock_engine, model_id: str) -> None:
    """Per model and task: the body has the task's params key and passes validate_body (the emulator's check)."""
    photo = Image.new("RGB", (512, 512), "teal")
    mask = Image.new("L", (512, 512), 255)
    mask.paste(0, (128, 128, 384, 384))
    client = TitanClient(engine=mock_engine, model_id=model_id)
    for task, (method, args, kwargs) in sample_calls(photo, mask).items():
        if not client.spec.supports(task):
            continue
        body = getattr(client, method)(*args, **kwargs).body
        assert body["taskType"] == task.value and task.params_key in body
        assert validate_body(client.spec, body) is task


def test_partial_results_are_reported(photo) -> None:
    from titan import FunctionEngine
    from titan.images import encode_png_b64

    one = encode_png_b64(Image.new("RGB", (64, 64)))
    engine = FunctionEngine(lambda model, body: {"images": [one], "error": "1 image blocked by content filters"})
    result = TitanClient(engine=engine).text_image("a cat", number_of_images=2)
    assert result.partial and len(result.images) == 1
    assert "1 of 2 images were withheld" in result.error
