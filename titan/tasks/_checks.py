"""Checks shared by the task modules. Each raises `TitanValidationError` naming the
argument (snake_case), the bad value and the allowed range in words.

They run on the request body, so the client and the emulator apply the very same rules.
"""

from __future__ import annotations

import re
from typing import Any

from PIL import Image

from ..errors import TitanValidationError
from ..images import ImageInput, encode_png_b64, has_transparency, peek_b64, prepare_input
from ..masks import check_mask_pixels
from ..models import QUALITIES, ModelSpec, Range, Task
from ..options import name_for_key

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
CONFIG_KEY = "imageGenerationConfig"


def params_of(body: dict[str, Any], task: Task) -> dict[str, Any]:
    params = body.get(task.params_key)
    if not isinstance(params, dict):
        raise TitanValidationError(task.params_key, type(params).__name__, f"an object with the {task.label} fields")
    return params


def check_known_keys(params: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        names = ", ".join(name_for_key(key) for key in unknown)
        raise TitanValidationError(
            names,
            "a field this task does not take",
            f"only {', '.join(sorted(allowed))} in {where}",
            problem="unsupported field",
        )


def check_prompt(spec: ModelSpec, params: dict[str, Any], key: str, *, required: bool) -> None:
    field = name_for_key(key)
    if key not in params:
        if required:
            raise TitanValidationError(
                field,
                None,
                f"1 to {spec.prompt_max} characters",
                problem="the prompt is empty",
                hint="describe the image you want",
            )
        return
    value = params[key]
    if not isinstance(value, str):
        raise TitanValidationError(field, type(value).__name__, "text")
    if not value.strip():
        raise TitanValidationError(
            field,
            value,
            f"1 to {spec.prompt_max} characters",
            problem="the prompt is empty",
            hint="describe the image you want",
        )
    if len(value) > spec.prompt_max:
        raise TitanValidationError(
            field,
            value,
            f"1 to {spec.prompt_max} characters for {spec.name}",
            problem=f"too long by {len(value) - spec.prompt_max}",
            hint="shorten the prompt",
        )


def check_number(field: str, value: Any, limits: Range, *, integer: bool, model: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TitanValidationError(field, repr(value), f"a number from {limits.describe()}")
    if integer and not float(value).is_integer():
        raise TitanValidationError(field, value, f"a whole number from {limits.describe()}")
    if not limits.contains(value):
        raise TitanValidationError(field, value, f"{limits.describe()} for {model}")


def check_choice(field: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise TitanValidationError(field, value, " or ".join(choices))


def check_image(spec: ModelSpec, value: Any, *, field: str) -> Image.Image:
    """A base64 PNG/JPEG within the model's side limits; returns it opened, pixels not decoded."""
    image = peek_b64(value, field=field)
    low, high = spec.min_input_side, spec.max_input_side
    if not (low <= image.width <= high and low <= image.height <= high):
        raise TitanValidationError(
            field,
            f"{image.width}×{image.height} px",
            f"each side {low}–{high} px for {spec.name}",
            hint="resize or crop it (get_model(model_id).fit_input(image) scales it for you)",
        )
    if not spec.accepts_transparency and has_transparency(image):
        raise TitanValidationError(field, "transparent pixels", f"an opaque image for {spec.name}")
    return image


def check_mask(spec: ModelSpec, params: dict[str, Any], image: Image.Image) -> None:
    """Exactly one of maskImage / maskPrompt; a mask image matches the image and is black/white."""
    has_image, has_prompt = "maskImage" in params, "maskPrompt" in params
    if has_image == has_prompt:
        raise TitanValidationError(
            "mask_image / mask_prompt",
            "both" if has_image else "neither of them",
            "exactly one of them",
            hint="paint a mask or describe the object to select, not both",
        )
    if has_prompt:
        check_prompt(spec, params, "maskPrompt", required=True)
        return
    mask = check_image(spec, params["maskImage"], field="mask_image")
    if mask.size != image.size:
        raise TitanValidationError(
            "mask_image", f"{mask.width}×{mask.height} px", f"the image's size, {image.width}×{image.height} px"
        )
    mask.load()
    check_mask_pixels(mask)


def check_bool(params: dict[str, Any], key: str) -> None:
    if key in params and not isinstance(params[key], bool):
        raise TitanValidationError(name_for_key(key), repr(params[key]), "true or false")


def check_config(spec: ModelSpec, body: dict[str, Any], *, input_size: tuple[int, int] | None = None) -> None:
    """imageGenerationConfig: counts, quality, cfgScale, seed and size for this model.

    `input_size` is given for in/outpainting, whose output always has the input's size.
    """
    config = body.get(CONFIG_KEY)
    if config is None:
        return
    if not isinstance(config, dict):
        raise TitanValidationError(CONFIG_KEY, type(config).__name__, "an object")
    allowed = {"numberOfImages", "quality", "cfgScale", "seed", "width", "height"}
    check_known_keys(config, allowed, CONFIG_KEY)
    if "numberOfImages" in config:
        check_number("number_of_images", config["numberOfImages"], spec.number_of_images, integer=True, model=spec.name)
    if "quality" in config:
        check_choice("quality", config["quality"], QUALITIES)
    if "cfgScale" in config:
        check_number("cfg_scale", config["cfgScale"], spec.cfg_scale, integer=False, model=spec.name)
    if "seed" in config:
        check_number("seed", config["seed"], spec.seed, integer=True, model=spec.name)
    check_size(spec, config, input_size)


def check_size(spec: ModelSpec, config: dict[str, Any], input_size: tuple[int, int] | None) -> None:
    has_width, has_height = "width" in config, "height" in config
    if not (has_width or has_height):
        return
    if has_width != has_height:
        raise TitanValidationError("width / height", "only one of the two", "both or neither")
    width, height = config["width"], config["height"]
    for field, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TitanValidationError(field, repr(value), "a whole number of pixels")
    if input_size is not None:
        if not spec.size_in_edit_tasks:
            raise TitanValidationError(
                "width / height", f"{width}×{height}", f"left out for {spec.name}: the output has the input's size"
            )
        if (width, height) != tuple(input_size):
            raise TitanValidationError(
                "width / height", f"{width}×{height}", f"the input image's size, {input_size[0]}×{input_size[1]}"
            )
        return
    problem = spec.size_problem(width, height)
    if problem:
        raise TitanValidationError(
            "width / height", f"{width}×{height}", f"{spec.describe_sizes()} for {spec.name}", problem=problem
        )


# --- building ---------------------------------------------------------------------------


def put(params: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` only when the caller set it: None and "" mean "not set", so nothing is invented."""
    if value is None or (isinstance(value, str) and value == ""):
        return
    params[key] = value


def encode_input(value: ImageInput, field: str) -> str:
    """Any accepted image input as base64 PNG, RGB and orientation fixed."""
    return encode_png_b64(prepare_input(value, field=field))


#: imageGenerationConfig keys by Python argument name.
CONFIG_FIELDS = {
    "number_of_images": "numberOfImages",
    "quality": "quality",
    "width": "width",
    "height": "height",
    "cfg_scale": "cfgScale",
    "seed": "seed",
}


def config_body(**config: Any) -> dict[str, Any]:
    """imageGenerationConfig with only what the caller set; unknown names are refused."""
    unknown = sorted(set(config) - set(CONFIG_FIELDS))
    if unknown:
        raise TitanValidationError(", ".join(unknown), "given", ", ".join(CONFIG_FIELDS), problem="unknown setting")
    body: dict[str, Any] = {}
    for name, key in CONFIG_FIELDS.items():
        put(body, key, config.get(name))
    return body


def assemble(task: Task, params: dict[str, Any], config: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"taskType": task.value, task.params_key: params}
    if config:
        body[CONFIG_KEY] = config
    return body


def edit_config(spec: ModelSpec, config: dict[str, Any], input_size: tuple[int, int]) -> dict[str, Any]:
    """Config for in/outpainting: size fields that equal the input's size are dropped for
    models that refuse them (Nova), so a UI can always pass its visible values."""
    if not spec.size_in_edit_tasks and (config.get("width"), config.get("height")) == tuple(input_size):
        config = {key: value for key, value in config.items() if key not in ("width", "height")}
    return config
