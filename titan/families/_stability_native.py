"""Stability-shaped bodies on their own: the checks Bedrock applies, and the translation to
and from Titan bodies that lets the offline engine (and so the emulator) answer them.

The adapter in `stability.py` only ever builds these bodies; this module is for whoever
*receives* one: `check_native_body` validates it like Bedrock would (the emulator's 400s),
`native_to_titan` turns it into the Titan body the offline engine knows, and
`titan_response_to_native` turns the offline answer back into Stability's
``{"images", "seeds", "finish_reasons"}``. Field limits follow AWS's Bedrock pages for
Stability (prompt ≤ 10,000 characters, seed 0–4,294,967,294, aspect_ratio enum) and
Stability's own API reference where AWS is silent (image ≥ 64 px a side and at most
9,437,184 pixels, 4,194,304 for background removal; outpaint ≤ 2,000 px a side;
grow_mask 0–20). The emulator is stricter than Bedrock in one place: inpaint and erase
need an explicit `mask` (Bedrock also reads an alpha channel); the adapter always sends one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import TitanValidationError
from ..images import decode_image_b64, encode_png_b64, pad_for_outpaint, peek_b64
from ..masks import invert_mask
from ..models import STABILITY_ASPECT_RATIOS, Task, service_model

MAX_PROMPT = 10_000
MAX_SEED = 4_294_967_294
MIN_SIDE = 64
MAX_PIXELS = 9_437_184
MAX_BACKGROUND_REMOVAL_PIXELS = 4_194_304
MAX_OUTPAINT = 2_000
OUTPUT_FORMATS = ("png", "jpeg", "webp")
DIRECTIONS = ("left", "right", "up", "down")
FILTER_OUTPUT = "Filter reason: output image"

_COMMON = frozenset({"seed", "output_format"})


@dataclass(frozen=True)
class NativeShape:
    """What one Stability service takes: required and optional keys of its JSON body."""

    kind: str
    required: frozenset[str]
    optional: frozenset[str]


def _shape(kind: str, required: set[str], optional: set[str]) -> NativeShape:
    return NativeShape(kind, frozenset(required), frozenset(optional) | _COMMON)


_TEXT_IMAGE = _shape("text_image", {"prompt"}, {"negative_prompt", "aspect_ratio", "mode", "style_preset"})
_IMAGE_TO_IMAGE = _shape("image_to_image", {"prompt", "image", "mode", "strength"}, {"negative_prompt"})
_SHAPES: dict[str, NativeShape] = {
    "stability.stable-image-core-v1:1": _TEXT_IMAGE,
    "stability.stable-image-ultra-v1:1": _TEXT_IMAGE,
    "stability.sd3-5-large-v1:0": _TEXT_IMAGE,  # or _IMAGE_TO_IMAGE when mode is "image-to-image"
    "stability.stable-image-inpaint-v1:0": _shape(
        "inpaint", {"prompt", "image", "mask"}, {"negative_prompt", "grow_mask", "style_preset"}
    ),
    "stability.stable-image-erase-object-v1:0": _shape("erase", {"image", "mask"}, {"grow_mask"}),
    "stability.stable-image-search-replace-v1:0": _shape(
        "search_replace", {"prompt", "image", "search_prompt"}, {"negative_prompt", "grow_mask", "style_preset"}
    ),
    "stability.stable-outpaint-v1:0": _shape(
        "outpaint", {"image"}, {"prompt", "negative_prompt", "creativity", "style_preset", *DIRECTIONS}
    ),
    "stability.stable-image-remove-background-v1:0": _shape("remove_background", {"image"}, set()),
    "stability.stable-image-control-sketch-v1:0": _shape(
        "control_sketch", {"prompt", "image"}, {"negative_prompt", "control_strength", "style_preset"}
    ),
    "stability.stable-image-control-structure-v1:0": _shape(
        "control_structure", {"prompt", "image"}, {"negative_prompt", "control_strength", "style_preset"}
    ),
}


def is_stability_model(model_id: str) -> bool:
    """True for every Stability id `titan` knows, bare or with an inference-profile prefix."""
    service = service_model(model_id)
    return service is not None and service.family == "stability"


def shape_of(model_id: str, body: dict[str, Any]) -> NativeShape:
    """The body shape `model_id` expects (SD3.5 has two, chosen by `mode`)."""
    service = service_model(model_id)
    if service is None or service.model_id not in _SHAPES:
        raise TitanValidationError("model_id", model_id, "a Stability model id", problem="not a Stability model")
    if service.model_id == "stability.sd3-5-large-v1:0" and body.get("mode") == "image-to-image":
        return _IMAGE_TO_IMAGE
    return _SHAPES[service.model_id]


# --- checking ---------------------------------------------------------------------------


def check_native_body(model_id: str, body: Any) -> NativeShape:
    """Validate a Stability-shaped body for `model_id` as Bedrock would; return its shape.

    Raises `TitanValidationError` naming the Stability field (e.g. "search_prompt").
    """
    if not isinstance(body, dict):
        raise TitanValidationError("body", type(body).__name__, "a JSON object")
    shape = shape_of(model_id, body)
    _check_keys(shape, body)
    for key in ("prompt", "negative_prompt", "search_prompt"):
        if key in body:
            _check_text(key, body[key], required=key in shape.required)
    _check_numbers(body)
    _check_choices(shape, body)
    _check_images(shape, body)
    if shape.kind == "outpaint" and not any(body.get(side, 0) for side in DIRECTIONS):
        raise TitanValidationError("left / right / up / down", "all 0", "at least one side above 0 px")
    return shape


def _check_keys(shape: NativeShape, body: dict[str, Any]) -> None:
    missing = sorted(shape.required - set(body))
    if missing:
        raise TitanValidationError(", ".join(missing), None, f"present for {shape.kind}", problem="required field")
    unknown = sorted(set(body) - shape.required - shape.optional)
    if unknown:
        allowed = ", ".join(sorted(shape.required | shape.optional))
        raise TitanValidationError(", ".join(unknown), "given", allowed, problem=f"not taken by {shape.kind}")


def _check_text(key: str, value: Any, *, required: bool) -> None:
    if not isinstance(value, str):
        raise TitanValidationError(key, type(value).__name__, "text")
    if required and not value.strip():
        raise TitanValidationError(key, value, f"1 to {MAX_PROMPT:,} characters", problem="empty")
    if len(value) > MAX_PROMPT:
        raise TitanValidationError(key, value, f"at most {MAX_PROMPT:,} characters")


_NUMBER_LIMITS: dict[str, tuple[float, float, bool]] = {  # key: (low, high, whole number)
    "seed": (0, MAX_SEED, True),
    "strength": (0.0, 1.0, False),
    "control_strength": (0.0, 1.0, False),
    "creativity": (0.0, 1.0, False),
    "grow_mask": (0, 20, True),
    **{side: (0, MAX_OUTPAINT, True) for side in DIRECTIONS},
}


def _check_numbers(body: dict[str, Any]) -> None:
    for key, (low, high, whole) in _NUMBER_LIMITS.items():
        if key not in body:
            continue
        value = body[key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (whole and not float(value).is_integer()) or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            raise TitanValidationError(key, repr(value), f"{kind} from {low:,} to {high:,}")


def _check_choices(shape: NativeShape, body: dict[str, Any]) -> None:
    if "aspect_ratio" in body and body["aspect_ratio"] not in STABILITY_ASPECT_RATIOS:
        raise TitanValidationError("aspect_ratio", body["aspect_ratio"], ", ".join(STABILITY_ASPECT_RATIOS))
    if "output_format" in body and body["output_format"] not in OUTPUT_FORMATS:
        raise TitanValidationError("output_format", body["output_format"], " or ".join(OUTPUT_FORMATS))
    expected = {"text_image": "text-to-image", "image_to_image": "image-to-image"}.get(shape.kind)
    if "mode" in body and body["mode"] != expected:
        raise TitanValidationError("mode", body["mode"], f'"{expected}" for this body')


def _check_images(shape: NativeShape, body: dict[str, Any]) -> None:
    if "image" not in body:
        return
    limit = MAX_BACKGROUND_REMOVAL_PIXELS if shape.kind == "remove_background" else MAX_PIXELS
    image = peek_b64(body["image"], field="image")
    check_native_size("image", image.size, max_pixels=limit)
    if "mask" in body:
        mask = peek_b64(body["mask"], field="mask")
        if mask.size != image.size:
            raise TitanValidationError("mask", f"{mask.width}×{mask.height} px", f"the image's size, {image.size}")


def check_native_size(field: str, size: tuple[int, int], *, max_pixels: int = MAX_PIXELS) -> None:
    """Stability's input limits: each side ≥ 64 px, at most `max_pixels` in total."""
    width, height = size
    if min(width, height) < MIN_SIDE or width * height > max_pixels:
        raise TitanValidationError(
            field,
            f"{width}×{height} px",
            f"each side at least {MIN_SIDE} px and at most {max_pixels:,} pixels in total on Stability",
            hint="resize it (get_model(model_id).fit_input(image) scales it for you)",
        )


# --- Stability body -> Titan body (offline engine) --------------------------------------


def native_to_titan(model_id: str, body: dict[str, Any]) -> tuple[Task, dict[str, Any]]:
    """The Titan body that asks the offline engine for what this Stability body asks for.

    A missing or 0 seed means "random" on Stability: one is drawn here so the answer can
    report it, as Bedrock does.
    """
    shape = shape_of(model_id, body)
    config = {"numberOfImages": 1, "seed": int(body.get("seed") or secrets.randbelow(MAX_SEED) + 1)}
    build = _TO_TITAN[shape.kind]
    task, params, config = build(body, config)
    titan: dict[str, Any] = {"taskType": task.value, task.params_key: params}
    if task is not Task.BACKGROUND_REMOVAL:
        titan["imageGenerationConfig"] = config
    return task, titan


def _prompts(body: dict[str, Any], *, text_key: str = "prompt") -> dict[str, Any]:
    params = {"text": body[text_key]} if body.get(text_key) else {}
    if body.get("negative_prompt"):
        params["negativeText"] = body["negative_prompt"]
    return params


def _text_image(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    width, height = STABILITY_ASPECT_RATIOS[body.get("aspect_ratio", "1:1")]
    return Task.TEXT_IMAGE, _prompts(body), {**config, "width": width, "height": height}


def _image_to_image(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    similarity = min(1.0, max(0.2, 1.0 - float(body["strength"])))
    params = {"images": [body["image"]], **_prompts(body), "similarityStrength": round(similarity, 3)}
    return Task.IMAGE_VARIATION, params, config


def _masked(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    """inpaint and erase: Stability's mask is white = change, Titan's black = change."""
    titan_mask = encode_png_b64(invert_mask(decode_image_b64(body["mask"], field="mask")))
    return Task.INPAINTING, {"image": body["image"], "maskImage": titan_mask, **_prompts(body)}, config


def _search_replace(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    return Task.INPAINTING, {"image": body["image"], "maskPrompt": body["search_prompt"], **_prompts(body)}, config


def _outpaint(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    canvas, mask = pad_for_outpaint(
        decode_image_b64(body["image"], field="image"),
        left=int(body.get("left", 0)),
        right=int(body.get("right", 0)),
        top=int(body.get("up", 0)),
        bottom=int(body.get("down", 0)),
    )
    params = {"image": encode_png_b64(canvas), "maskImage": encode_png_b64(mask), "text": body.get("prompt") or ""}
    if body.get("negative_prompt"):
        params["negativeText"] = body["negative_prompt"]
    return Task.OUTPAINTING, params, config


def _control(mode: str):
    def build(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
        width, height = peek_b64(body["image"], field="image").size
        params = {**_prompts(body), "conditionImage": body["image"], "controlMode": mode}
        if "control_strength" in body:
            params["controlStrength"] = body["control_strength"]
        return Task.TEXT_IMAGE, params, {**config, "width": width, "height": height}

    return build


def _remove_background(body: dict[str, Any], config: dict[str, Any]) -> tuple[Task, dict[str, Any], dict[str, Any]]:
    return Task.BACKGROUND_REMOVAL, {"image": body["image"]}, {}


_TO_TITAN = {
    "text_image": _text_image,
    "image_to_image": _image_to_image,
    "inpaint": _masked,
    "erase": _masked,
    "search_replace": _search_replace,
    "outpaint": _outpaint,
    "control_sketch": _control("CANNY_EDGE"),
    "control_structure": _control("SEGMENTATION"),
    "remove_background": _remove_background,
}


# --- Titan response -> Stability response -----------------------------------------------


def titan_response_to_native(model_id: str, response: dict[str, Any], *, seed: int | None = None) -> dict[str, Any]:
    """Stability's answer shape for a Titan-shaped `response`: images, seeds, finish_reasons.

    Images the Titan side withheld (an `error` with fewer images) come back as a
    finish reason, the way Stability reports a filtered image.
    """
    images = list(response.get("images") or [])
    seeds = list(response.get("seeds") or [])[: len(images)]
    seeds += [seed or 0] * (len(images) - len(seeds))
    if not images and response.get("error"):
        return {"seeds": [seed or 0], "finish_reasons": [FILTER_OUTPUT]}
    return {"images": images, "seeds": seeds, "finish_reasons": [None] * len(images)}


def filtered_native_output(result: dict[str, Any], keep: int) -> dict[str, Any]:
    """A Stability answer with images after the first `keep` withheld, as its filter reports it.

    For the emulator's output-filter fault: Bedrock sends ``{"finish_reasons": ["Filter
    reason: output image"], ...}`` and no image for a filtered Stability request.
    """
    images = list(result.get("images") or [])
    seeds = list(result.get("seeds") or [0] * len(images))
    if keep <= 0:
        return {"seeds": seeds[:1] or [0], "finish_reasons": [FILTER_OUTPUT]}
    return {"images": images[:keep], "seeds": seeds[:keep], "finish_reasons": [None] * len(images[:keep])}
