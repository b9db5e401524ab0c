"""Stability AI behind the task methods: native bodies (each read back by the emulator's own decode),
the mask convention, outpaint directions, the image services (search and recolor, style guide, style
transfer, three upscalers, colour guided approximated on Style Guide), one call per image, filtered
images, what is not sent, limits refused before sending, regions and inference profiles, prices, and
the offline engine answering Stability-shaped requests."""

from __future__ import annotations

import base64
import functools
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import numpy as np
import pytest
from PIL import Image

from titan import (
    FunctionEngine,
    Price,
    TitanClient,
    TitanContentFilteredError,
    TitanModelUnavailableError,
    TitanValidationError,
    pad_for_outpaint,
    request_types,
)
from titan.emulator import Emulator, PlaceholderEngine, start_emulator
from titan.engines.bedrock import BedrockEngine
from titan.errors import TitanEngineUnavailableError
from titan.families import Outcome, family_for, family_named
from titan.images import encode_png_b64
from titan.models import MODELS, NOVA_CANVAS, SD35_LARGE, STABLE_IMAGE_CORE, STABLE_IMAGE_ULTRA, service_model
from titan.tasks.color_guided import PALETTE_FIDELITY
from titan.tasks.text_image import TextImageRequest
from titan.tasks.variation import NEUTRAL_PROMPT

from .plans import assert_calls_read_back, price, received

CORE = STABLE_IMAGE_CORE.model_id
SERVICES = "us.stability.stable-image-{}-v1:0"
STABILITY = family_named("stability")
PHOTO = Image.new("RGB", (512, 512), (40, 60, 160))
SMALL_STYLE = Image.new("RGB", (256, 256), (200, 160, 40))


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


def sent_by_seed(engine: FunctionEngine) -> list[tuple[str, dict[str, Any]]]:
    """The calls the engine got, in seed order (several calls run side by side, in any order)."""
    return sorted(engine.calls, key=lambda call: call[1].get("seed", 0))


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
    assert result.calls[0].body is body and result.request.task == "TEXT_IMAGE"  # the request is kept for History
    notes = " ".join(result.notes)
    assert "1152×768 is sent as aspect ratio 3:2" in notes and "Not sent to Stable Image Core: Prompt strength" in notes


@pytest.mark.parametrize(("mode", "service"), [("CANNY_EDGE", "control-sketch"), ("SEGMENTATION", "control-structure")])
def test_condition_image_runs_a_control_service(core: TitanClient, engine, photo, mode: str, service: str) -> None:
    result = core.text_image("a cat", condition_image=photo, control_mode=mode, control_strength=0.4, seed=1)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format(service)
    assert set(body) == {"prompt", "image", "control_strength", "seed", "output_format"}
    assert body["control_strength"] == 0.4
    assert_calls_read_back(result.request, result.calls)  # the service stands for the mode: read back as sent


def test_inpaint_with_text_inverts_the_mask(core: TitanClient, engine, photo, square_mask) -> None:
    result = core.inpaint(photo, mask_image=square_mask, text="a green apple", seed=3)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("inpaint")
    assert set(body) == {"prompt", "image", "mask", "seed", "output_format"}
    sent = np.asarray(decode(body["mask"]).convert("L"))
    assert (sent == 255 - np.asarray(square_mask)).all()  # Stability: white = change; Titan: black = change
    back = np.asarray(received(result.calls[0]).mask_image.open().convert("L"))
    assert (back == np.asarray(square_mask)).all()  # the receiver turns it back into Titan's convention


def test_inpaint_without_text_is_erase_object(core: TitanClient, engine, photo, square_mask) -> None:
    result = core.inpaint(photo, mask_image=square_mask, negative_text="blur")
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("erase-object")
    assert set(body) == {"image", "mask", "output_format"}
    assert decode(body["mask"]).getpixel((256, 256)) == 255 and decode(body["mask"]).getpixel((0, 0)) == 0
    assert any(note.startswith("Not sent to Stable Image Erase Object: Negative prompt") for note in result.notes)


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
    sides = {side: body[side] for side in ("left", "right", "up", "down")}
    assert sides == {"left": 100, "right": 40, "up": 0, "down": 24}
    assert set(body) == {"prompt", "image", "left", "right", "up", "down", "seed", "output_format"}
    assert np.array_equal(np.asarray(decode(body["image"])), np.asarray(photo))  # the original, cropped back out
    assert any(note.startswith("Not sent to Stable Image Outpaint: Seam") for note in result.notes)


def test_outpaint_paddings_are_sent_as_directions(core: TitanClient, engine, photo) -> None:
    result = core.outpaint(photo, text="a beach", left=64, bottom=32, creativity=0.4, seed=2)
    [(_, body)] = engine.calls
    assert (body["left"], body["down"], body["creativity"]) == (64, 32, 0.4) and "up" not in body
    assert_calls_read_back(result.request, result.calls)


def test_outpaint_refuses_what_edges_cannot_express(core: TitanClient, engine, photo) -> None:
    ring = Image.new("L", (512, 512), 255)
    ring.paste(0, (100, 100, 400, 400))
    ring.paste(255, (200, 200, 300, 300))  # a hole in the kept area: not one rectangle
    with pytest.raises(TitanValidationError, match="not a rectangle"):
        core.outpaint(photo, mask_image=ring, text="a beach")
    with pytest.raises(TitanValidationError, match="mask_prompt"):
        core.outpaint(photo, mask_prompt="the square", text="a beach")
    with pytest.raises(TitanValidationError, match="0 to 2,000"):
        core.outpaint(photo, text="a beach", left=2001)
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
    assert any("first of the 2 reference images" in note for note in result.notes)


def test_variation_without_a_prompt_sends_a_neutral_one_and_says_so(core: TitanClient, engine, photo) -> None:
    result = core.variation(photo)
    [(_, body)] = engine.calls
    assert body["prompt"] == NEUTRAL_PROMPT and body["strength"] == 0.3  # the default similarity 0.7
    assert any(NEUTRAL_PROMPT in note for note in result.notes)


def test_background_removal_body(core: TitanClient, engine, photo) -> None:
    core.remove_background(photo)
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("remove-background") and set(body) == {"image", "output_format"}


# --- the image services: search and recolor, style guide, style transfer, upscalers -------


def test_search_recolor_body(core: TitanClient, engine) -> None:
    settings = {"select_prompt": "the jacket", "text": "emerald green", "negative_text": "blur", "grow_mask": 3}
    result = core.search_recolor(PHOTO, **settings, style="anime", number_of_images=2, seed=5)
    assert {model_id for model_id, _ in engine.calls} == {SERVICES.format("search-recolor")}
    [(_, first), (_, second)] = sent_by_seed(engine)
    assert set(first) == {"image", "select_prompt", "prompt", "negative_prompt", "grow_mask", "style_preset", "seed",
                          "output_format"}  # fmt: skip
    assert (first["select_prompt"], first["prompt"], first["style_preset"]) == ("the jacket", "emerald green", "anime")
    assert (first["seed"], second["seed"]) == (5, 6) and first["image"] == second["image"]
    assert_calls_read_back(result.request, result.calls)
    assert result.price == Price(
        0.07, 2, "Stable Image Search and Recolor", "stability.stable-image-search-recolor-v1:0"
    )


def test_style_guide_body(core: TitanClient, engine) -> None:
    result = core.style_guide(
        "a fox", PHOTO, negative_text="blur", fidelity=0.3, style="anime", width=1344, height=768, seed=2
    )
    [(model_id, body)] = engine.calls
    assert model_id == SERVICES.format("style-guide")
    assert decode(body["image"]).tobytes() == PHOTO.tobytes()  # the reference's pixels, however encoded
    assert {key: value for key, value in body.items() if key != "image"} == {
        "prompt": "a fox",
        "negative_prompt": "blur",
        "aspect_ratio": "16:9",
        "fidelity": 0.3,
        "style_preset": "anime",
        "seed": 2,
        "output_format": "png",
    }
    assert_calls_read_back(result.request, result.calls)
    assert (result.price.per_image, result.price.service) == (0.07, "Stable Image Style Guide")


def test_style_transfer_body(core: TitanClient, engine) -> None:
    result = core.style_transfer(
        PHOTO, SMALL_STYLE, text="oil paint", negative_text="blur", style_strength=0.4, composition_fidelity=0.8,
        change_strength=0.5, seed=9,
    )  # fmt: skip
    [(model_id, body)] = engine.calls
    assert model_id == "us.stability.stable-style-transfer-v1:0"
    assert set(body) == {"init_image", "style_image", "prompt", "negative_prompt", "style_strength",
                         "composition_fidelity", "change_strength", "seed", "output_format"}  # fmt: skip
    assert decode(body["init_image"]).size == (512, 512) and decode(body["style_image"]).size == (256, 256)
    assert (body["style_strength"], body["composition_fidelity"], body["change_strength"]) == (0.4, 0.8, 0.5)
    assert_calls_read_back(result.request, result.calls)
    assert (result.price.per_image, result.price.confirmed) == (0.08, False)  # from third-party copies of the list


UPSCALE_SETTINGS = {"text": "crisp detail", "negative_text": "blur", "creativity": 0.3, "style": "anime", "seed": 11}
PROMPTED = {"image", "prompt", "negative_prompt", "creativity", "seed"}


@pytest.mark.parametrize(
    ("upscaler", "keys", "per_image", "left_out"),
    [
        ("fast", {"image"}, 0.03, ("text", "negative_text", "creativity", "style", "seed")),
        ("conservative", PROMPTED, 0.40, ("style",)),
        ("creative", PROMPTED | {"style_preset"}, 0.60, ()),
    ],
)
def test_each_upscaler_is_its_own_service(core, engine, upscaler, keys, per_image, left_out) -> None:
    service = f"stability.stable-{upscaler}-upscale-v1:0"
    result = core.upscale(PHOTO, upscaler=upscaler, **UPSCALE_SETTINGS)
    [(model_id, body)] = engine.calls
    assert model_id == f"us.{service}" and set(body) == keys | {"output_format"}
    assert_calls_read_back(result.request, result.calls, left_out=left_out)  # the service stands for the upscaler
    assert (result.price.per_image, result.price.service_id) == (per_image, service)
    options = result.request.options()
    said = [note for note in result.notes if note.startswith("Not sent")]
    assert said == ([f"Not sent to {result.price.service}: {', '.join(options[name].label for name in left_out)} "
                     "(Stability's service has no such setting)."] if left_out else [])  # fmt: skip


def test_colour_guided_is_approximated_on_style_guide(core: TitanClient, engine) -> None:
    """Stability has no palette generation: the colours go to Style Guide as a reference image, and the
    notes say it is an approximation (a behaviour change: it used to be refused)."""
    assert STABLE_IMAGE_CORE.supports("COLOR_GUIDED_GENERATION")
    result = core.color_guided("a vase", ["#FF0000", "#0000FF"], width=1024, height=1024, number_of_images=2, seed=4)
    assert {model_id for model_id, _ in engine.calls} == {SERVICES.format("style-guide")}
    [(_, first), (_, second)] = sent_by_seed(engine)
    assert set(first) == {"prompt", "image", "aspect_ratio", "fidelity", "seed", "output_format"}
    assert (first["fidelity"], first["aspect_ratio"], first["seed"], second["seed"]) == (PALETTE_FIDELITY, "1:1", 4, 5)
    swatch = decode(first["image"]).convert("RGB")
    left, right = swatch.getpixel((20, 512)), swatch.getpixel((1003, 512))
    assert left[0] > 200 > left[2] and right[2] > 200 > right[0]  # the palette's colours, left to right
    for call in result.calls:
        back = received(call)  # the receiver reads what it really is: a Style Guide request
        assert back.task == "STYLE_GUIDE" and back.text == "a vase" and back.fidelity == PALETTE_FIDELITY
    assert any(note.startswith("An approximation") for note in result.notes)
    assert (result.price.service, result.price.images) == ("Stable Image Style Guide", 2)


@pytest.mark.parametrize("task", ["search_recolor", "style_guide", "style_transfer", "upscale"])
def test_titan_models_refuse_the_stability_only_tasks_before_any_call(mock_engine: FunctionEngine, task) -> None:
    titan = TitanClient(engine=mock_engine, model_id="amazon.titan-image-generator-v2:0")
    with pytest.raises(TitanValidationError) as info:
        titan.run(titan.request(task, image=PHOTO))
    assert info.value.field == "task" and "Titan Image Generator v2" in info.value.allowed
    assert mock_engine.calls == []


BIG_FOR_FAST = Image.new("RGB", (1600, 1000))  # over Fast Upscale's 1,536 px a side
BIG_FOR_CREATIVE = Image.new("RGB", (1100, 1000))  # over Creative Upscale's 1 megapixel


@pytest.mark.parametrize(
    ("task", "settings", "field", "words"),
    [
        ("style_guide", {"text": "a fox", "image": PHOTO, "fidelity": 1.5}, "fidelity", "0 to 1"),
        ("style_guide", {"text": "a fox", "image": PHOTO, "style": "WATERCOLOR"}, "style", "anime"),
        ("style_guide", {"text": "x" * 10_001, "image": PHOTO}, "text", "10000 characters"),
        ("style_guide", {"text": "a fox"}, "image", "required"),
        ("style_transfer", {"image": PHOTO, "style_image": PHOTO, "style_strength": -0.1}, "style_strength", "0 to 1"),
        ("style_transfer", {"image": PHOTO, "style_image": PHOTO, "composition_fidelity": 2}, "composition_fidelity",
         "0 to 1"),
        ("style_transfer", {"image": PHOTO, "style_image": PHOTO, "change_strength": 0.05}, "change_strength",
         "0.1 to 1"),
        ("style_transfer", {"image": PHOTO}, "style_image", "required"),
        ("search_recolor", {"image": PHOTO, "select_prompt": "x", "text": "y", "grow_mask": 21}, "grow_mask",
         "0 to 20"),
        ("search_recolor", {"image": PHOTO, "text": "green"}, "select_prompt", "empty"),
        ("search_recolor", {"image": PHOTO, "select_prompt": "the jacket"}, "text", "empty"),
        ("search_recolor", {"image": PHOTO, "select_prompt": "x", "text": "y", "seed": 4_294_967_295}, "seed",
         "4,294,967,294"),
        ("upscale", {"image": PHOTO, "upscaler": "creative", "text": "x", "creativity": 0.6}, "creativity",
         "0.1 to 0.5"),
        ("upscale", {"image": PHOTO, "upscaler": "conservative", "text": "x", "creativity": 0.1}, "creativity",
         "0.2 to 0.5 for the conservative upscaler"),
        ("upscale", {"image": PHOTO, "upscaler": "conservative"}, "text", "empty"),
        ("upscale", {"image": PHOTO, "upscaler": "huge"}, "upscaler", "fast or conservative or creative"),
        ("upscale", {"image": BIG_FOR_FAST}, "image", "for the fast upscaler"),
        ("upscale", {"image": BIG_FOR_CREATIVE, "upscaler": "creative", "text": "x"}, "image",
         "at most 1,048,576 pixels for the creative upscaler"),
    ],
)  # fmt: skip
def test_the_services_refuse_out_of_range_settings_before_sending(core, engine, task, settings, field, words) -> None:
    with pytest.raises(TitanValidationError) as info:
        core.run(core.request(task, **settings))
    assert info.value.field == field and words in str(info.value)
    assert engine.calls == []


# --- one call per image, seeds, filtered images ------------------------------------------

SEEDED = {
    "text_image": ("a fox",),
    "search_recolor": (PHOTO, "the jacket", "emerald green"),
    "style_guide": ("a fox", PHOTO),
    "style_transfer": (PHOTO, SMALL_STYLE),
    "upscale": (PHOTO, "creative", "crisp"),
    "color_guided": ("a vase", ["#112233"]),
    "variation": ([PHOTO],),
}


def test_n_images_are_n_calls_with_successive_seeds(core: TitanClient, engine) -> None:
    result = core.text_image("a fox", number_of_images=3, seed=40)
    assert sorted(body["seed"] for _, body in engine.calls) == [40, 41, 42]
    assert [call.body["seed"] for call in result.calls] == [40, 41, 42]
    assert result.image_seeds == [40, 41, 42] and len(result.images) == 3 and not result.partial


@pytest.mark.parametrize("task", list(SEEDED))
def test_every_seeded_service_makes_one_call_per_image_with_successive_seeds(core, engine, task: str) -> None:
    result = core.run(core.request(task, *SEEDED[task], number_of_images=3, seed=100))
    assert len(engine.calls) == 3 and len({model_id for model_id, _ in engine.calls}) == 1
    assert [body["seed"] for _, body in sent_by_seed(engine)] == [100, 101, 102]
    assert sorted(result.image_seeds) == [100, 101, 102] and len(result.images) == 3
    assert result.price.images == 3


def test_services_without_a_seed_are_sent_none(core: TitanClient, engine) -> None:
    result = core.upscale(PHOTO, seed=4)  # Fast Upscale takes no seed
    assert len(engine.calls) == 1 and all("seed" not in body for _, body in engine.calls)
    assert any(note.startswith("Not sent to Stable Fast Upscale: Seed") for note in result.notes)
    with pytest.raises(TitanValidationError, match="same image every time"):
        core.upscale(PHOTO, number_of_images=2)  # each identical copy would be billed
    engine.calls.clear()
    core.remove_background(PHOTO)
    assert [set(body) for _, body in engine.calls] == [{"image", "output_format"}]
    with pytest.raises(TitanValidationError, match="not a setting"):
        core.remove_background(PHOTO, seed=3)  # no seed at all in the request


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


# --- what is not sent, limits ---------------------------------------------------------------


def test_settings_a_service_lacks_are_named_before_sending(core: TitanClient, engine) -> None:
    plan = core.plan(TextImageRequest("a fox", quality="premium", cfg_scale=7.5, width=1024, height=1024))
    assert plan.notes == ["Not sent to Stable Image Core: Quality, Prompt strength (Stability's service has no such "
                          "setting)."]  # fmt: skip
    assert "quality" not in plan.calls[0].body and "cfg_scale" not in plan.calls[0].body and engine.calls == []
    assert not STABILITY.takes(STABLE_IMAGE_CORE, TextImageRequest, "cfg_scale")
    assert family_for(NOVA_CANVAS).takes(NOVA_CANVAS, TextImageRequest, "cfg_scale")
    assert core.plan(TextImageRequest("a fox", seed=0)).notes[0].startswith("Seed 0 means a random seed")


def test_stability_limits(core: TitanClient, engine) -> None:
    core.calls(TextImageRequest("x" * 10_000, seed=4_294_967_294, width=777, height=333))
    with pytest.raises(TitanValidationError, match="1 to 10000 characters"):
        core.calls(TextImageRequest("x" * 10_001))
    with pytest.raises(TitanValidationError, match="seed"):
        core.calls(TextImageRequest("a fox", seed=4_294_967_295))
    with pytest.raises(TitanValidationError, match="each side 64–4096 px"):
        core.remove_background(Image.new("RGB", (40, 40)))
    with pytest.raises(TitanValidationError, match="4,194,304 pixels"):  # Remove Background's own limit
        core.remove_background(Image.new("RGB", (2100, 2100)))
    assert engine.calls == []


# --- regions and inference profiles -------------------------------------------------------

#: One request per Stability route (together they reach every service the family calls).
ROUTES = {
    "model": ("text_image", ("a fox",), {}),
    "sketch": ("text_image", ("a fox",), {"condition_image": PHOTO}),
    "structure": ("text_image", ("a fox",), {"condition_image": PHOTO, "control_mode": "SEGMENTATION"}),
    "inpaint": ("inpaint", (PHOTO,), {"mask_image": Image.new("L", (512, 512), 0), "text": "an apple"}),
    "erase": ("inpaint", (PHOTO,), {"mask_image": Image.new("L", (512, 512), 0)}),
    "search_replace": ("inpaint", (PHOTO,), {"mask_prompt": "the square", "text": "an apple"}),
    "outpaint": ("outpaint", (PHOTO,), {"left": 64}),
    "variation": ("variation", ([PHOTO],), {}),
    "color_guided": ("color_guided", ("a vase", ["#112233"]), {}),
    "remove_background": ("remove_background", (PHOTO,), {}),
    "search_recolor": ("search_recolor", (PHOTO, "the jacket", "green"), {}),
    "style_guide": ("style_guide", ("a fox", PHOTO), {}),
    "style_transfer": ("style_transfer", (PHOTO, SMALL_STYLE), {}),
    "fast": ("upscale", (PHOTO,), {}),
    "conservative": ("upscale", (PHOTO, "conservative", "crisp"), {}),
    "creative": ("upscale", (PHOTO, "creative", "crisp"), {}),
}


def every_route_request(client: TitanClient) -> Iterator[Any]:
    for task, args, settings in ROUTES.values():
        yield client.request(task, *args, **settings)


def service_ids(spec) -> set[str]:
    """Every model id a Stability spec's tasks call, from the task declarations themselves."""
    return {
        native.service_for(spec).model_id
        for request_type in request_types()
        if "stability" in request_type.mappings
        for native in request_type.mappings["stability"].routes.values()
    }


def bedrock(region: str, **options: Any) -> BedrockEngine:
    return BedrockEngine(region=region, max_attempts=1, **options)


@pytest.mark.parametrize("model_id", [spec.model_id for spec in MODELS.values() if spec.family == "stability"])
@pytest.mark.parametrize("home", ["us-east-1", "us-east-2", "us-west-2"])
def test_every_call_follows_the_region_rules(model_id: str, home: str) -> None:
    """Text-to-image models on demand, by their own id, in us-west-2 only; the image services through
    the "us." profile from the engine's own region (us-east-1, us-east-2 or us-west-2)."""
    client = TitanClient(engine=bedrock(home), model_id=model_id)
    called = set()
    for request in every_route_request(client):
        for call in client.calls(request):  # planned: nothing is sent
            service = service_model(call.model_id)
            called.add(service.model_id)
            if service.on_demand_regions:
                assert (call.model_id, call.region) == (service.model_id, "us-west-2"), request.task
            else:
                assert (call.model_id, call.region) == (f"us.{service.model_id}", home), request.task
    assert called == service_ids(client.spec)  # every route was asked for


@pytest.mark.parametrize("home", ["eu-west-1", "us-gov-west-1"])
def test_an_engine_outside_the_us_regions_is_refused_naming_us_west_2(home: str, stability_emulator) -> None:
    client = TitanClient(engine=bedrock(home, endpoint_url=stability_emulator.url), model_id=CORE)
    for request in every_route_request(client):
        with pytest.raises(TitanModelUnavailableError, match=f"not offered in {home}") as info:
            client.run(request)
        assert "--region us-west-2" in str(info.value) and "runs in" in str(info.value)
    assert stability_emulator.requests == []


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[Emulator]:
    """The emulator with placeholder answers: every Stability service, fast."""
    server = start_emulator(engine=PlaceholderEngine(), quiet=True)
    yield server
    server.stop()


@pytest.fixture
def stability_emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    emulator_server.clear_faults()
    emulator_server.clear_requests()
    return emulator_server


class WireRecorder(BedrockEngine):
    """The Bedrock engine, noting (client region, modelId) of every InvokeModel botocore sends."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent: list[tuple[str, str]] = []

    def client(self, region: str | None = None, timeout: float | None = None) -> Any:
        client = super().client(region, timeout)
        note = functools.partial(self._note, client.meta.region_name)
        client.meta.events.register(
            "provide-client-params.bedrock-runtime.InvokeModel", note, unique_id=f"wire-{id(client)}"
        )
        return client

    def _note(self, region: str, params: dict[str, Any], **_: Any) -> None:
        self.sent.append((region, params["modelId"]))


@pytest.mark.parametrize("home", ["us-east-1", "us-west-2"])
def test_calls_reach_bedrock_with_the_id_and_region_they_were_planned_with(stability_emulator, home: str) -> None:
    """Through boto3 to the emulator: text-to-image from us-east-1 goes to us-west-2, services stay home."""
    engine = WireRecorder(region=home, endpoint_url=stability_emulator.url, max_attempts=1)
    client = TitanClient(engine=engine, model_id=CORE)
    client.text_image("a fox", seed=1)
    client.style_transfer(PHOTO, SMALL_STYLE, seed=2)
    client.upscale(PHOTO)
    assert engine.sent == [
        ("us-west-2", CORE),
        (home, "us.stability.stable-style-transfer-v1:0"),
        (home, "us.stability.stable-fast-upscale-v1:0"),
    ]
    titan = client.with_model("amazon.titan-image-generator-v2:0")
    titan.text_image("a fox", width=512, height=512)
    assert engine.sent[-1] == (home, "amazon.titan-image-generator-v2:0")  # Titan: the engine's own region


# --- prices ------------------------------------------------------------------------------


def test_prices_per_model_and_per_task_service() -> None:
    core, ultra, sd35 = CORE, STABLE_IMAGE_ULTRA.model_id, SD35_LARGE.model_id
    assert [price(model_id, "text_image", "a fox").per_image for model_id in (core, sd35, ultra)] == [0.04, 0.08, 0.14]
    assert price(ultra, "inpaint", PHOTO, mask_image=Image.new("L", (512, 512), 0), text="x").per_image == 0.07
    assert price(core, "outpaint", PHOTO, left=64).per_image == 0.06
    variation = price(core, "variation", [PHOTO])
    assert (variation.per_image, variation.service_id) == (0.08, SD35_LARGE.model_id)  # SD3.5 image-to-image
    assert price(core, "text_image", "a fox", condition_image=PHOTO).per_image == 0.07
    assert price(core, "text_image", "a fox", quality="premium", width=512, height=512).total == 0.04
    assert price("amazon.titan-image-generator-v2:0", "text_image", "a", quality="premium", width=512, height=512) == (
        Price(0.010, 1, "Titan Image Generator v2", "amazon.titan-image-generator-v2:0")
    )
    services = {name: price(core, task, *args, **settings) for name, (task, args, settings) in ROUTES.items()}
    assert {name: services[name].per_image for name in ("search_recolor", "style_guide", "style_transfer")} == {
        "search_recolor": 0.07, "style_guide": 0.07, "style_transfer": 0.08,
    }  # fmt: skip
    assert [services[name].per_image for name in ("fast", "conservative", "creative")] == [0.03, 0.40, 0.60]
    assert services["remove_background"].total == 0.07


# --- what the emulator reads from Stability-shaped bodies ----------------------------------


@pytest.fixture
def boto(stability_emulator: Emulator) -> Any:
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("bedrock-runtime", region_name="us-west-2", endpoint_url=stability_emulator.url, config=config)


IMG, SMALL_MASK = encode_png_b64(PHOTO), encode_png_b64(Image.new("L", (64, 64)))


@pytest.mark.parametrize(
    ("model_id", "body", "field"),
    [
        (CORE, {"aspect_ratio": "1:1"}, "prompt"),
        (CORE, {"prompt": "a fox", "cfg_scale": 7}, "cfg_scale"),
        (CORE, {"prompt": "a fox", "seed": 4_294_967_295}, "seed"),
        (CORE, {"prompt": "a fox", "aspect_ratio": "4:3"}, "aspect_ratio"),
        ("us.stability.stable-outpaint-v1:0", {"image": IMG, "left": 0}, "left / right / up / down"),
        ("us.stability.stable-image-erase-object-v1:0", {"image": IMG, "mask": SMALL_MASK}, "mask"),
        ("us.stability.stable-image-search-recolor-v1:0", {"image": IMG, "prompt": "green"}, "select_prompt"),
        ("us.stability.stable-image-style-guide-v1:0", {"image": IMG, "prompt": "a fox", "fidelity": 2}, "fidelity"),
        ("us.stability.stable-style-transfer-v1:0", {"init_image": IMG, "style_image": IMG, "change_strength": 0},
         "change_strength"),
        ("us.stability.stable-fast-upscale-v1:0", {"image": IMG, "seed": 3}, "seed"),
        ("us.stability.stable-creative-upscale-v1:0", {"image": IMG, "prompt": "x", "creativity": 0.9}, "creativity"),
    ],
)  # fmt: skip
def test_the_emulator_refuses_a_bad_native_body_naming_the_native_key(boto, model_id: str, body, field: str) -> None:
    with pytest.raises(boto.exceptions.ValidationException) as info:
        boto.invoke_model(modelId=model_id, body=json.dumps(body))
    assert info.value.response["Error"]["Message"].startswith(f"Malformed input request: {field}: ")


def test_native_bodies_read_back_as_requests_and_answers_in_stability_s_shape(photo) -> None:
    keep_all = encode_png_b64(Image.new("L", (512, 512), 0))  # Stability: black = keep
    inpaint = STABILITY.decode(SERVICES.format("inpaint"), {"prompt": "x", "image": encode_png_b64(photo),
                                                            "mask": keep_all})  # fmt: skip
    assert inpaint.task == "INPAINTING" and inpaint.mask_image.open().getpixel((0, 0)) == 255  # Titan: white = keep
    outpaint = STABILITY.decode("us.stability.stable-outpaint-v1:0", {"image": encode_png_b64(photo), "left": 32,
                                                                      "down": 16})  # fmt: skip
    assert (outpaint.left, outpaint.bottom, outpaint.output_size()) == (32, 16, (544, 528))
    assert outpaint.seed  # no seed in the body: one is drawn, to be reported back
    answer = STABILITY.respond(CORE, inpaint, Outcome(["A", "B"], [5, 6]))
    assert answer == {"images": ["A", "B"], "seeds": [5, 6], "finish_reasons": [None, None]}


# --- the offline engine -------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline_core() -> TitanClient:
    return TitanClient(engine="offline", model_id=CORE)


def test_offline_engine_serves_the_stability_tasks_it_knows(offline_core: TitanClient) -> None:
    photo = Image.new("RGB", (256, 256), (40, 60, 160))
    photo.paste((200, 30, 30), (80, 80, 176, 176))
    mask = Image.new("L", (256, 256), 255)
    mask.paste(0, (80, 80, 176, 176))
    canvas, keep = pad_for_outpaint(photo, left=64, bottom=32)

    assert offline_core.text_image("a red fox", width=768, height=1344, seed=3).images[0].size == (768, 1344)
    conditioned = offline_core.text_image("a fox", condition_image=photo, control_mode="SEGMENTATION")
    assert conditioned.images[0].size == (256, 256)
    assert offline_core.inpaint(photo, mask_image=mask, text="an apple", seed=4).image_seeds == [4]
    assert offline_core.inpaint(photo, mask_image=mask).images[0].size == (256, 256)
    assert offline_core.outpaint(canvas, mask_image=keep, text="a beach").images[0].size == canvas.size
    assert offline_core.outpaint(photo, left=64, bottom=32).images[0].size == canvas.size
    variation = offline_core.variation(photo, text="autumn", number_of_images=2, seed=8)
    assert variation.image_seeds == [8, 9] and variation.calls[0].model_id == SD35_LARGE.model_id
    assert offline_core.remove_background(photo).images[0].mode == "RGBA"
    with pytest.raises(TitanEngineUnavailableError, match="Mask prompts need Amazon Bedrock"):
        offline_core.inpaint(photo, mask_prompt="the square", text="an apple")
