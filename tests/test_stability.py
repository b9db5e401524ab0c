"""Stability AI behind the Titan task methods: native body contracts, mask convention,
outpaint directions, one call per image, filtered images, ignored controls, regions,
prices, and the offline engine answering Stability-shaped requests."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from PIL import Image

from titan import (
    FunctionEngine,
    TitanClient,
    TitanContentFilteredError,
    TitanModelUnavailableError,
    TitanValidationError,
    pad_for_outpaint,
)
from titan.engines.bedrock import BedrockEngine
from titan.errors import TitanEngineUnavailableError
from titan.families.stability import check_native_body, native_to_titan, notes_for, titan_response_to_native
from titan.images import encode_png_b64
from titan.models import MODELS, SD35_LARGE, STABLE_IMAGE_CORE, STABLE_IMAGE_ULTRA, Task
from titan.requests import estimate_cost

CORE = STABLE_IMAGE_CORE.model_id
SERVICES = "us.stability.stable-image-{}-v1:0"


def decode(data: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    image.load()
    return image


def stability_answer(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """What Stability on Bedrock answers: one image, its seed, a null finish reason."""
    image = decode(body["image"]) if "image" in body else Image.new("RGB", (64, 64), "grey")
    return {"images": [encode_png_b64(image)], "seeds": [body.get("seed", 1234)], "finish_reasons": [None]}


@pytest.fixture
def engine() -> FunctionEngine:
    return FunctionEngine(stability_answer)


@pytest.fixture
def core(engine: FunctionEngine) -> TitanClient:
    return TitanClient(engine=engine, model_id=CORE)


# --- native bodies, task by task ---------------------------------------------------------


def test_text_to_image_sends_an_aspect_ratio_and_says_so(core: TitanClient, engine: FunctionEngine) -> None:
    result = core.text_image("a red bucket", negative_text="blur", width=1152, height=768, seed=7, cfg_scale=9.0)
    [(model_id, body)] = engine.calls
    assert model_id == CORE
    assert body == {
        "prompt": "a red bucket",
        "negative_prompt": "blur",
        "aspect_ratio": "3:2",
        "seed": 7,
        "output_format": "png",
    }
    assert result.calls[0].body is body and result.body["taskType"] == "TEXT_IMAGE"  # Titan body kept for history
    notes = " ".join(result.response["notes"])
    assert "1152×768 is sent as aspect ratio 3:2" in notes and "Prompt strength (cfgScale)" in notes


@pytest.mark.parametrize(("mode", "service"), [("CANNY_EDGE", "control-sketch"), ("SEGMENTATION", "control-structure")])
def test_condition_image_runs_a_control_service(core: TitanClient, engine, photo, mode: str, service: str) -> None:
    core.text_image("a cat", condition_image=photo, control_mode=mode, control_strength=0.4, seed=1)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format(service)
    assert set(body) == {"prompt", "image", "control_strength", "seed", "output_format"}
    assert body["control_strength"] == 0.4


def test_inpaint_with_text_inverts_the_mask(core: TitanClient, engine, photo, square_mask) -> None:
    core.inpaint(photo, mask_image=square_mask, text="a green apple", seed=3)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("inpaint")
    assert set(body) == {"prompt", "image", "mask", "seed", "output_format"}
    sent = np.asarray(decode(body["mask"]).convert("L"))
    assert (sent == 255 - np.asarray(square_mask)).all()  # Stability: white = change; Titan: black = change


def test_inpaint_without_text_is_erase_object(core: TitanClient, engine, photo, square_mask) -> None:
    result = core.inpaint(photo, mask_image=square_mask, negative_text="blur")
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("erase-object")
    assert set(body) == {"image", "mask", "output_format"}
    assert decode(body["mask"]).getpixel((256, 256)) == 255 and decode(body["mask"]).getpixel((0, 0)) == 0
    assert any("negative text is not sent" in note for note in result.response["notes"])


def test_mask_prompt_with_text_is_search_and_replace(core: TitanClient, engine, photo) -> None:
    core.inpaint(photo, mask_prompt="the red square", text="a blue circle")
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("search-replace")
    assert body["search_prompt"] == "the red square" and body["prompt"] == "a blue circle"
    assert set(body) == {"prompt", "image", "search_prompt", "output_format"}


def test_removal_by_mask_prompt_is_refused_before_any_call(core: TitanClient, engine, photo) -> None:
    with pytest.raises(TitanValidationError, match="not possible on Stability") as info:
        core.inpaint(photo, mask_prompt="the red square")
    assert "Erase Object" in str(info.value) and engine.calls == []


def test_outpaint_directions_come_from_the_padded_canvas(core: TitanClient, engine, photo) -> None:
    canvas, mask = pad_for_outpaint(photo, left=100, right=40, top=0, bottom=24)
    result = core.outpaint(canvas, mask_image=mask, text="a beach", mode="PRECISE", seed=5)
    [(model_id, body)] = engine.calls
    assert model_id == "us.stability.stable-outpaint-v1:0"
    assert {side: body[side] for side in ("left", "right", "up", "down")} == {
        "left": 100,
        "right": 40,
        "up": 0,
        "down": 24,
    }
    assert set(body) == {"prompt", "image", "left", "right", "up", "down", "seed", "output_format"}
    assert np.array_equal(np.asarray(decode(body["image"])), np.asarray(photo))  # the original, cropped back out
    assert any("Outpainting mode" in note for note in result.response["notes"])


def test_outpaint_refuses_what_edges_cannot_express(core: TitanClient, engine, photo) -> None:
    ring = Image.new("L", (512, 512), 255)
    ring.paste(0, (100, 100, 400, 400))
    ring.paste(255, (200, 200, 300, 300))  # a hole in the kept area: not one rectangle
    with pytest.raises(TitanValidationError, match="not a rectangle"):
        core.outpaint(photo, mask_image=ring, text="a beach")
    with pytest.raises(TitanValidationError, match="mask_prompt"):
        core.outpaint(photo, mask_prompt="the square", text="a beach")
    assert engine.calls == []


def test_variation_uses_the_first_image_and_strength_from_similarity(core: TitanClient, engine, photo) -> None:
    other = Image.new("RGB", (256, 256), "yellow")
    result = core.variation([photo, other], text="autumn", similarity_strength=0.9, seed=2)
    [(model_id, body)] = engine.calls
    assert model_id == SD35_LARGE.model_id
    assert body == {
        "prompt": "autumn",
        "mode": "image-to-image",
        "image": body["image"],
        "strength": 0.1,
        "seed": 2,
        "output_format": "png",
    }
    assert decode(body["image"]).size == (512, 512)  # the first reference, not the second
    assert any("first of the 2 reference images" in note for note in result.response["notes"])


def test_background_removal_body(core: TitanClient, engine, photo) -> None:
    core.remove_background(photo)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("remove-background") and set(body) == {"image", "output_format"}


# --- one call per image, seeds, filtered images ------------------------------------------


def test_n_images_are_n_calls_with_successive_seeds(core: TitanClient, engine) -> None:
    result = core.text_image("a fox", number_of_images=3, seed=40)
    assert sorted(body["seed"] for _, body in engine.calls) == [40, 41, 42]
    assert [call.body["seed"] for call in result.calls] == [40, 41, 42]
    assert result.image_seeds == [40, 41, 42] and len(result.images) == 3 and not result.partial


def test_without_a_seed_each_image_reports_the_one_it_drew(engine) -> None:
    drawn = iter([11, 22])
    answer = lambda model_id, body: {**stability_answer(model_id, body), "seeds": [next(drawn)]}  # noqa: E731
    result = TitanClient(engine=FunctionEngine(answer), model_id=CORE).text_image("a fox", number_of_images=2)
    assert all("seed" not in call.body for call in result.calls)
    assert sorted(result.image_seeds) == [11, 22]


def test_a_filtered_image_is_dropped_and_explained() -> None:
    def answer(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if body["seed"] == 2:
            return {"seeds": [2], "finish_reasons": ["Filter reason: output image"]}
        return stability_answer(model_id, body)

    result = TitanClient(engine=FunctionEngine(answer), model_id=CORE).text_image("a fox", number_of_images=3, seed=1)
    assert result.partial and result.image_seeds == [1, 3]
    assert result.error == "1 of 3 images were withheld by the content filter (Filter reason: output image)."


def test_all_filtered_is_a_content_filter_error_with_its_stage() -> None:
    def blocked(reason: str) -> FunctionEngine:
        return FunctionEngine(lambda model_id, body: {"seeds": [0], "finish_reasons": [reason]})

    with pytest.raises(TitanContentFilteredError) as output:
        TitanClient(engine=blocked("Filter reason: output image"), model_id=CORE).text_image("a fox")
    with pytest.raises(TitanContentFilteredError) as prompt:
        TitanClient(engine=blocked("Filter reason: prompt"), model_id=CORE).text_image("a fox")
    assert output.value.stage == "output" and prompt.value.stage == "input"


# --- ignored controls, unsupported tasks, limits ------------------------------------------


def test_ignored_controls_are_declared_and_reported_before_sending(core: TitanClient) -> None:
    assert {"cfg_scale", "quality"} <= STABLE_IMAGE_CORE.ignored_controls and STABLE_IMAGE_CORE.ignored_reason
    body = core.build_body(Task.TEXT_IMAGE, "a fox", quality="premium", cfg_scale=7.5, width=1024, height=1024)
    [note] = notes_for(STABLE_IMAGE_CORE, Task.TEXT_IMAGE, body)
    assert note.startswith("Not sent to Stable Image Core: Prompt strength (cfgScale), Quality.")
    assert MODELS["amazon.nova-canvas-v1:0"].ignored_controls == frozenset()


def test_colour_guided_is_refused_before_any_call_with_the_reason(core: TitanClient, engine) -> None:
    assert not STABLE_IMAGE_CORE.supports(Task.COLOR_GUIDED_GENERATION)
    reason = STABLE_IMAGE_CORE.unsupported_reason(Task.COLOR_GUIDED_GENERATION)
    assert "no colour-palette generation" in reason
    with pytest.raises(TitanValidationError) as info:
        core.color_guided("a vase", ["#112233"])
    assert reason in str(info.value) and engine.calls == []


def test_stability_limits(core: TitanClient) -> None:
    core.build_body(Task.TEXT_IMAGE, "x" * 10_000, seed=4_294_967_294, width=777, height=333)
    with pytest.raises(TitanValidationError, match="1 to 10000 characters"):
        core.build_body(Task.TEXT_IMAGE, "x" * 10_001)
    with pytest.raises(TitanValidationError, match="seed"):
        core.build_body(Task.TEXT_IMAGE, "a fox", seed=4_294_967_295)
    with pytest.raises(TitanValidationError, match="each side 64–4096 px"):
        core.build_body(Task.BACKGROUND_REMOVAL, Image.new("RGB", (40, 40)))
    with pytest.raises(TitanValidationError, match="4,194,304 pixels"):  # Remove Background's own limit
        core.build_body(Task.BACKGROUND_REMOVAL, Image.new("RGB", (2100, 2100)))


# --- regions and inference profiles -------------------------------------------------------


def bedrock(monkeypatch: pytest.MonkeyPatch, region: str) -> BedrockEngine:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return BedrockEngine(region=region, max_attempts=1)


def invoke_response(image: Image.Image) -> dict[str, Any]:
    raw = json.dumps({"images": [encode_png_b64(image)], "seeds": [9], "finish_reasons": [None]}).encode()
    return {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}


def test_image_services_go_through_the_us_profile(monkeypatch, photo, square_mask) -> None:
    engine = bedrock(monkeypatch, "us-east-1")
    with Stubber(engine.client()) as stub:
        stub.add_response(
            "invoke_model",
            invoke_response(photo),
            {
                "modelId": "us.stability.stable-image-inpaint-v1:0",
                "body": ANY,
                "contentType": "application/json",
                "accept": "application/json",
            },
        )
        result = TitanClient(engine=engine, model_id=CORE).inpaint(photo, mask_image=square_mask, text="an apple")
    assert result.image_seeds == [9] and result.calls[0].model_id == "us.stability.stable-image-inpaint-v1:0"


def test_text_to_image_outside_us_west_2_is_refused_with_the_region_that_works(monkeypatch) -> None:
    engine = bedrock(monkeypatch, "us-east-1")
    with Stubber(engine.client()), pytest.raises(TitanModelUnavailableError, match="runs in us-west-2"):
        TitanClient(engine=engine, model_id=CORE).text_image("a fox")  # no call: the Stubber has no response


# --- prices ------------------------------------------------------------------------------


def test_prices_per_model_and_per_task_service() -> None:
    assert [spec.price_for(Task.TEXT_IMAGE) for spec in (STABLE_IMAGE_CORE, SD35_LARGE, STABLE_IMAGE_ULTRA)] == [
        0.04,
        0.08,
        0.14,
    ]
    assert STABLE_IMAGE_ULTRA.price_for(Task.INPAINTING) == 0.07
    assert STABLE_IMAGE_CORE.price_for(Task.OUTPAINTING) == 0.06
    assert STABLE_IMAGE_CORE.price_for(Task.IMAGE_VARIATION) == 0.08  # SD3.5 image-to-image
    assert STABLE_IMAGE_CORE.price_for(Task.TEXT_IMAGE, route="condition_canny") == 0.07
    assert estimate_cost(STABLE_IMAGE_CORE, Task.INPAINTING, number_of_images=3) == 0.21
    assert estimate_cost(STABLE_IMAGE_CORE, Task.TEXT_IMAGE, quality="premium", width=512, height=512) == 0.04
    assert MODELS["amazon.titan-image-generator-v2:0"].price_for(Task.TEXT_IMAGE, "premium", 512, 512) == 0.010


# --- Stability-shaped bodies: checks and the offline engine --------------------------------


def test_every_body_the_adapter_builds_passes_the_native_check(core: TitanClient, engine, photo, square_mask) -> None:
    canvas, mask = pad_for_outpaint(photo, left=64)
    core.text_image("a fox", width=1024, height=1024, seed=1)
    core.text_image("a fox", condition_image=photo, control_strength=0.5)
    core.inpaint(photo, mask_image=square_mask, text="an apple", negative_text="blur")
    core.inpaint(photo, mask_image=square_mask)
    core.inpaint(photo, mask_prompt="the square", text="an apple")
    core.outpaint(canvas, mask_image=mask, text="a beach")
    core.variation(photo, similarity_strength=0.3)
    core.remove_background(photo)
    for model_id, body in engine.calls:
        check_native_body(model_id, body)


@pytest.mark.parametrize(
    ("model_id", "body", "field"),
    [
        (CORE, {"aspect_ratio": "1:1"}, "prompt"),
        (CORE, {"prompt": "a fox", "cfg_scale": 7}, "cfg_scale"),
        (CORE, {"prompt": "a fox", "seed": 4_294_967_295}, "seed"),
        (CORE, {"prompt": "a fox", "aspect_ratio": "4:3"}, "aspect_ratio"),
        ("us.stability.stable-outpaint-v1:0", {"image": "IMG", "left": 0}, "left / right / up / down"),
        ("us.stability.stable-image-erase-object-v1:0", {"image": "IMG", "mask": "SMALL"}, "mask"),
    ],
)
def test_native_check_names_the_field(model_id: str, body: dict[str, Any], field: str, photo) -> None:
    images = {"IMG": encode_png_b64(photo), "SMALL": encode_png_b64(Image.new("L", (64, 64)))}
    body = {key: images.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    with pytest.raises(TitanValidationError) as info:
        check_native_body(model_id, body)
    assert info.value.field == field


def test_native_bodies_translate_to_titan_and_back(photo) -> None:
    mask = encode_png_b64(Image.new("L", (512, 512), 0))  # Stability: black = keep everything
    task, titan = native_to_titan(
        "us.stability.stable-image-inpaint-v1:0", {"prompt": "x", "image": encode_png_b64(photo), "mask": mask}
    )
    assert task is Task.INPAINTING and decode(titan["inPaintingParams"]["maskImage"]).getpixel((0, 0)) == 255
    task, titan = native_to_titan(
        "us.stability.stable-outpaint-v1:0", {"image": encode_png_b64(photo), "left": 32, "down": 16}
    )
    assert task is Task.OUTPAINTING and decode(titan["outPaintingParams"]["image"]).size == (544, 528)
    answer = titan_response_to_native("x", {"images": ["A", "B"], "seeds": [5, 6], "error": None})
    assert answer == {"images": ["A", "B"], "seeds": [5, 6], "finish_reasons": [None, None]}


@pytest.fixture(scope="module")
def offline_core() -> TitanClient:
    return TitanClient(engine="offline", model_id=CORE)


def test_offline_engine_serves_every_stability_task(offline_core: TitanClient) -> None:
    photo = Image.new("RGB", (256, 256), (40, 60, 160))
    photo.paste((200, 30, 30), (80, 80, 176, 176))
    mask = Image.new("L", (256, 256), 255)
    mask.paste(0, (80, 80, 176, 176))
    canvas, keep = pad_for_outpaint(photo, left=64, bottom=32)

    assert offline_core.text_image("a red fox", width=768, height=1344, seed=3).images[0].size == (768, 1344)
    assert offline_core.text_image("a fox", condition_image=photo, control_mode="SEGMENTATION").images[0].size == (
        256,
        256,
    )
    assert offline_core.inpaint(photo, mask_image=mask, text="an apple", seed=4).image_seeds == [4]
    assert offline_core.inpaint(photo, mask_image=mask).images[0].size == (256, 256)
    assert offline_core.outpaint(canvas, mask_image=keep, text="a beach").images[0].size == canvas.size
    variation = offline_core.variation(photo, text="autumn", number_of_images=2, seed=8)
    assert variation.image_seeds == [8, 9] and variation.calls[0].model_id == SD35_LARGE.model_id
    assert offline_core.remove_background(photo).images[0].mode == "RGBA"
    with pytest.raises(TitanEngineUnavailableError, match="Mask prompts need Amazon Bedrock"):
        offline_core.inpaint(photo, mask_prompt="the square", text="an apple")
