"""Stability AI on Bedrock, behind the same Titan task methods.

A Stability `ModelSpec` (Stable Image Core, Ultra, SD3.5 Large) maps each Titan task to
the Stability service that does it (`spec.services`, routes in `titan.models`):

    TEXT_IMAGE            the spec's own model; with conditionImage: Control Sketch
                          (CANNY_EDGE) or Control Structure (SEGMENTATION)
    INPAINTING            Inpaint (with text), Erase Object (no text: removal),
                          Search and Replace (mask prompt; needs text)
    OUTPAINTING           Outpaint, with left/right/up/down read from the Titan mask
    IMAGE_VARIATION       SD3.5 Large image-to-image, first image, strength = 1 − similarity
    BACKGROUND_REMOVAL    Remove Background

The caller always speaks Titan: masks stay black = change (Stability wants white =
change; the adapter inverts), an outpaint canvas stays padded (the adapter crops the
original back out and sends directions), sizes become aspect ratios, and N images become
N calls with seeds seed, seed+1, ... (Stability makes one image per call). Controls a
Stability model does not take (cfgScale, quality, ...) are listed in `notes_for` and in
the response's "notes", never dropped silently.

Ids: the text-to-image models are called by their own id (on demand, us-west-2); the
image services only through the "us." geographic inference profile (us-east-1, us-east-2,
us-west-2) — AWS lists them with inference type INFERENCE_PROFILE only. The id is picked
per call from the engine's region (`ServiceModel.invocation_id`); a region that offers no
form of it is refused before the call with the region that works.

For whoever receives Stability bodies (offline engine, emulator) see `check_native_body`,
`native_to_titan` and `titan_response_to_native`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..engines.base import Engine
from ..errors import TitanContentFilteredError, TitanError, TitanModelUnavailableError, TitanValidationError
from ..images import decode_image_b64, encode_png_b64, peek_b64
from ..masks import invert_mask, titan_mask_to_painted
from ..models import (
    ROUTE_CANNY,
    ROUTE_ERASE,
    ROUTE_MASK_PROMPT,
    ROUTE_SEGMENTATION,
    STABILITY_ASPECT_RATIOS,
    ModelSpec,
    ServiceModel,
    Task,
    nearest_aspect_ratio,
    service_model,
)
from ..options import OPTIONS
from . import Call, register_family
from ._stability_native import (
    MAX_BACKGROUND_REMOVAL_PIXELS,
    MAX_OUTPAINT,
    MAX_PIXELS,
    MAX_SEED,
    check_native_body,
    check_native_size,
    filtered_native_output,
    is_stability_model,
    native_to_titan,
    titan_response_to_native,
)

__all__ = [
    "StabilityFamily",
    "check_native_body",
    "filtered_native_output",
    "is_stability_model",
    "native_bodies",
    "native_to_titan",
    "notes_for",
    "outpaint_box",
    "route_for",
    "titan_response_to_native",
]

OUTPUT_FORMAT = "png"
#: similarity 1.0 would be strength 0 (the input back unchanged): keep a little change.
MIN_STRENGTH = 0.05
#: SD3.5 image-to-image requires a prompt; Titan's variation does not. Sent when none is given
#: (and said so in the notes): neutral words, so the reference image leads.
VARIATION_PROMPT = "the same picture"
_INPUT_FILTERS = ("Filter reason: prompt", "Filter reason: input image")


# --- which service ----------------------------------------------------------------------


def route_for(task: Task, body: dict[str, Any]) -> str | None:
    """The route inside `task` this body needs; None means the task's default route."""
    params = body.get(task.params_key) or {}
    if task is Task.TEXT_IMAGE and "conditionImage" in params:
        return ROUTE_SEGMENTATION if params.get("controlMode") == "SEGMENTATION" else ROUTE_CANNY
    if task is Task.INPAINTING and "maskPrompt" in params:
        return ROUTE_MASK_PROMPT
    if task is Task.INPAINTING and "text" not in params:
        return ROUTE_ERASE
    return None


def invocation_id(service: ServiceModel, region: str | None) -> str:
    """The id to call `service` by from `region`, or a refusal naming the region that works."""
    model_id = service.invocation_id(region)
    if model_id is None:
        regions = ", ".join(service.regions)
        raise TitanModelUnavailableError(
            f"{service.name} is not offered in {region} on Amazon Bedrock; it runs in {regions}. "
            "Start the playground in us-west-2, where every Stability task works.",
            model_id=service.model_id,
        )
    return model_id


# --- Titan body -> Stability bodies -----------------------------------------------------


def native_bodies(spec: ModelSpec, task: Task, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The Stability bodies (one per image) for a validated Titan-vocabulary `body`."""
    params = body.get(task.params_key) or {}
    config = body.get("imageGenerationConfig") or {}
    base = {**_BUILDERS[task](params, config, route_for(task, body)), "output_format": OUTPUT_FORMAT}
    if task is Task.BACKGROUND_REMOVAL:
        return [base]
    seed, count = config.get("seed"), int(config.get("numberOfImages", 1))
    if seed is None:  # no seed: each call draws its own, and reports it back
        return [dict(base) for _ in range(count)]
    return [{**base, "seed": (int(seed) + i) % (MAX_SEED + 1)} for i in range(count)]


def _prompts(params: dict[str, Any]) -> dict[str, Any]:
    native = {"prompt": params["text"]} if "text" in params else {}
    if "negativeText" in params:
        native["negative_prompt"] = params["negativeText"]
    return native


def _text_image(params: dict[str, Any], config: dict[str, Any], route: str | None) -> dict[str, Any]:
    if route in (ROUTE_CANNY, ROUTE_SEGMENTATION):
        native = {**_prompts(params), "image": params["conditionImage"]}
        if "controlStrength" in params:
            native["control_strength"] = params["controlStrength"]
        return native
    native = _prompts(params)
    if "width" in config and "height" in config:
        native["aspect_ratio"] = nearest_aspect_ratio(config["width"], config["height"])
    return native


def _inpaint(params: dict[str, Any], config: dict[str, Any], route: str | None) -> dict[str, Any]:
    if route == ROUTE_MASK_PROMPT:
        return {**_prompts(params), "image": params["image"], "search_prompt": params["maskPrompt"]}
    mask = encode_png_b64(invert_mask(decode_image_b64(params["maskImage"], field="mask_image")))
    if route == ROUTE_ERASE:  # Erase Object takes no prompt at all
        return {"image": params["image"], "mask": mask}
    return {**_prompts(params), "image": params["image"], "mask": mask}


def _outpaint(params: dict[str, Any], config: dict[str, Any], route: str | None) -> dict[str, Any]:
    image = decode_image_b64(params["image"], field="image")
    box, directions = outpaint_box(decode_image_b64(params["maskImage"], field="mask_image"))
    return {**_prompts(params), "image": encode_png_b64(image.crop(box)), **directions}


def _variation(params: dict[str, Any], config: dict[str, Any], route: str | None) -> dict[str, Any]:
    return {
        "prompt": VARIATION_PROMPT,
        **_prompts(params),
        "mode": "image-to-image",
        "image": params["images"][0],
        "strength": strength_for(params.get("similarityStrength")),
    }


def _background_removal(params: dict[str, Any], config: dict[str, Any], route: str | None) -> dict[str, Any]:
    return {"image": params["image"]}


_BUILDERS = {
    Task.TEXT_IMAGE: _text_image,
    Task.INPAINTING: _inpaint,
    Task.OUTPAINTING: _outpaint,
    Task.IMAGE_VARIATION: _variation,
    Task.BACKGROUND_REMOVAL: _background_removal,
}


def strength_for(similarity: float | None, *, default: float = 0.7) -> float:
    """SD3.5's image-to-image strength for a Titan similarity: 1 − similarity, at least MIN_STRENGTH."""
    value = 1.0 - (default if similarity is None else float(similarity))
    return round(min(1.0, max(MIN_STRENGTH, value)), 3)


def outpaint_box(mask: Any) -> tuple[tuple[int, int, int, int], dict[str, int]]:
    """The kept original's box in a Titan outpaint mask, and how far each side grows.

    Our UI pads the picture onto a larger canvas with black over the original: the black
    area is the picture, the white border is what to generate. Returns ((x0, y0, x1, y1),
    {"left", "right", "up", "down"}); raises `TitanValidationError` when the black area is
    not one rectangle (Stability can only extend edges).
    """
    kept = titan_mask_to_painted(mask)
    if not kept.any():
        raise TitanValidationError(
            "mask_image", "no black area", "black over the part to keep", hint="paint or pad the canvas"
        )
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    if kept[y0:y1, x0:x1].mean() < 0.995:
        raise TitanValidationError(
            "mask_image",
            "a kept (black) area that is not a rectangle",
            "one black rectangle over the original picture on Stability",
            hint="Stability outpaints by extending the picture's edges; use Inpaint for other shapes",
        )
    height, width = kept.shape
    return (x0, y0, x1, y1), {"left": x0, "right": width - x1, "up": y0, "down": height - y1}


# --- the notes a person should see ------------------------------------------------------


def notes_for(spec: ModelSpec, task: Task, body: dict[str, Any]) -> list[str]:
    """What this request changes or leaves out on `spec`, in plain sentences (shown before and after a run)."""
    params = body.get(task.params_key) or {}
    config = body.get("imageGenerationConfig") or {}
    notes = _ignored_note(spec, {**params, **config})
    route = route_for(task, body)
    if task is Task.TEXT_IMAGE and route is None and "width" in config and "height" in config:
        notes += _aspect_note(config["width"], config["height"])
    if task is Task.TEXT_IMAGE and route is not None and "width" in config:
        notes.append("Control Sketch and Control Structure follow the condition image's shape; the size is not sent.")
    if task is Task.IMAGE_VARIATION:
        notes += _variation_notes(params, config)
    if route == ROUTE_ERASE and "negativeText" in params:
        notes.append("Erase Object takes no prompt, so the negative text is not sent.")
    if config.get("seed") == 0:
        notes.append("Seed 0 means a random seed on Stability; the seed each image used is reported back.")
    return notes


def _ignored_note(spec: ModelSpec, sent: dict[str, Any]) -> list[str]:
    labels = [OPTIONS[name].label for name in sorted(spec.ignored_controls) if OPTIONS[name].key in sent]
    if not labels:
        return []
    return [f"Not sent to {spec.name}: {', '.join(labels)}. {spec.ignored_reason}"]


def _aspect_note(width: int, height: int) -> list[str]:
    ratio = nearest_aspect_ratio(width, height)
    native = STABILITY_ASPECT_RATIOS[ratio]
    if (width, height) == native:
        return []
    about = f"about {native[0]}×{native[1]}"
    return [f"{width}×{height} is sent as aspect ratio {ratio}; Stability picks the pixels ({about})."]


def _variation_notes(params: dict[str, Any], config: dict[str, Any]) -> list[str]:
    notes = []
    if "text" not in params:
        notes.append(f'SD3.5 image-to-image needs a prompt; none was given, so "{VARIATION_PROMPT}" is sent.')
    if len(params.get("images") or []) > 1:
        notes.append(f"Only the first of the {len(params['images'])} reference images is used (SD3.5 takes one).")
    similarity = params.get("similarityStrength")
    shown = "the default 0.7" if similarity is None else f"{similarity:g}"
    notes.append(f"Similarity {shown} is sent as SD3.5 strength {strength_for(similarity):g} (1 − similarity).")
    if "width" in config:
        notes.append("The output follows the reference image's shape; the size is not sent.")
    return notes


# --- family checks (before any call) ----------------------------------------------------


def check_body(spec: ModelSpec, task: Task, body: dict[str, Any]) -> None:
    """What Stability cannot do with an otherwise valid Titan body, refused before any call."""
    params = body.get(task.params_key) or {}
    limit = MAX_BACKGROUND_REMOVAL_PIXELS if task is Task.BACKGROUND_REMOVAL else MAX_PIXELS
    for field, key in (("image", "image"), ("condition_image", "conditionImage")):
        if key in params:
            check_native_size(field, peek_b64(params[key], field=field).size, max_pixels=limit)
    if task is Task.INPAINTING and "maskPrompt" in params and "text" not in params:
        raise TitanValidationError(
            "text",
            None,
            "a replacement description with a mask prompt on Stability",
            problem="removing an object named by a mask prompt is not possible on Stability",
            hint="paint the mask to remove it (Erase Object), or add text to replace it (Search and Replace)",
        )
    if task is Task.OUTPAINTING:
        _check_outpaint(params)
    if task is Task.IMAGE_VARIATION:
        _check_variation(params)


def _check_outpaint(params: dict[str, Any]) -> None:
    if "maskPrompt" in params:
        raise TitanValidationError(
            "mask_prompt",
            params["maskPrompt"],
            "a painted or padded mask on Stability",
            problem="Stability outpaints by extending edges and cannot keep an object named in words",
            hint="pad the canvas (or paint black over the part to keep)",
        )
    box, directions = outpaint_box(decode_image_b64(params["maskImage"], field="mask_image"))
    if not any(directions.values()):
        raise TitanValidationError(
            "mask_image", "black everywhere", "a white border to generate", problem="nothing to outpaint"
        )
    too_far = {side: px for side, px in directions.items() if px > MAX_OUTPAINT}
    if too_far:
        shown = ", ".join(f"{side} {px:,} px" for side, px in too_far.items())
        raise TitanValidationError("outpaint border", shown, f"at most {MAX_OUTPAINT:,} px a side on Stability")
    check_native_size("image", (box[2] - box[0], box[3] - box[1]))


def _check_variation(params: dict[str, Any]) -> None:
    check_native_size("images[0]", peek_b64(params["images"][0], field="images[0]").size)


# --- the adapter ------------------------------------------------------------------------


class StabilityFamily:
    """Runs Titan-vocabulary requests on Stability's Bedrock models (one call per image)."""

    name = "stability"

    def check(self, spec: ModelSpec, task: Task, body: dict[str, Any]) -> None:
        check_body(spec, task, body)

    def route(self, task: Task, body: dict[str, Any]) -> str | None:
        return route_for(task, body)

    def invoke(
        self, engine: Engine, spec: ModelSpec, task: Task, body: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Call]]:
        service = service_model(spec.service_for(task, route_for(task, body)))
        assert service is not None, "every Stability route names a service in titan.models.SERVICES"
        model_id = invocation_id(service, _region_of(engine))
        calls = [Call(model_id, native) for native in native_bodies(spec, task, body)]
        outcomes = _run_all(engine, calls)
        response = merge_responses(calls, outcomes)
        response["notes"] = notes_for(spec, task, body)
        return response, calls


def _region_of(engine: Engine) -> str | None:
    """The Bedrock region for choosing the id form; None for engines that are not Bedrock."""
    return getattr(engine, "region", None) if getattr(engine, "name", "") == "bedrock" else None


def _run_all(engine: Engine, calls: list[Call]) -> list[dict[str, Any] | TitanError]:
    """Every call's answer or TitanError, in call order; several calls run side by side."""

    def one(call: Call) -> dict[str, Any] | TitanError:
        try:
            return engine.invoke(call.model_id, call.body)
        except TitanError as exc:
            return exc

    if len(calls) == 1:
        return [one(calls[0])]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="stability") as pool:
        return list(pool.map(one, calls))


def merge_responses(calls: list[Call], outcomes: list[dict[str, Any] | TitanError]) -> dict[str, Any]:
    """One Titan-shaped answer ``{"images", "error", "seeds"}`` from Stability's per-call answers.

    A non-null finish reason means Stability withheld that image: it is dropped and the
    reason goes into `error` (the client turns it into the partial-result note).
    """
    images: list[str] = []
    seeds: list[int | None] = []
    reasons: list[str] = []
    failures = [outcome for outcome in outcomes if isinstance(outcome, TitanError)]
    if failures and len(failures) == len(outcomes):
        raise failures[0]
    for call, outcome in zip(calls, outcomes, strict=True):
        if isinstance(outcome, TitanError):
            continue
        _collect(call, outcome, images, seeds, reasons)
    if not images and reasons and all(reason in _INPUT_FILTERS for reason in reasons):
        raise TitanContentFilteredError(
            f"Stability's content filter blocked the request ({reasons[0]}). Rephrase the prompt or use another image.",
            stage="input",
            billed=None,
        )
    problems = sorted(set(reasons))
    if failures:
        problems.append(f"{len(failures)} of {len(calls)} calls failed: {failures[0]}")
    return {"images": images, "seeds": seeds, "error": "; ".join(problems) or None, "finish_reasons": reasons}


def _collect(call: Call, answer: dict[str, Any], images: list, seeds: list, reasons: list) -> None:
    found = list(answer.get("images") or [])
    finish = list(answer.get("finish_reasons") or [])
    returned = list(answer.get("seeds") or [])
    if answer.get("error"):  # a Titan-shaped answer (mock engines) says it this way
        reasons.append(str(answer["error"]))
    reasons += [str(reason) for reason in finish[len(found) :] if reason]
    for index, image in enumerate(found):
        reason = finish[index] if index < len(finish) else None
        if reason:
            reasons.append(str(reason))
            continue
        images.append(image)
        seeds.append(returned[index] if index < len(returned) else call.body.get("seed"))


register_family(StabilityFamily())
