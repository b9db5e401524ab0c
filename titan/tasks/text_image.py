"""TEXT_IMAGE: a prompt, optionally guided by a condition image (Canny edges or segmentation)."""

from __future__ import annotations

from typing import Any

from ..errors import TitanValidationError
from ..images import ImageInput
from ..models import CONTROL_MODES, ModelSpec, Task
from . import _checks as c

TASK = Task.TEXT_IMAGE
_KEYS = {"text", "negativeText", "conditionImage", "controlMode", "controlStrength", "style"}


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    params = c.params_of(body, TASK)
    c.check_known_keys(params, _KEYS, TASK.params_key)
    c.check_prompt(spec, params, "text", required=True)
    c.check_prompt(spec, params, "negativeText", required=False)
    _check_conditioning(spec, params)
    if "style" in params:
        if not spec.styles:
            raise TitanValidationError(
                "style", params["style"], f"no style presets on {spec.name}", problem="not supported"
            )
        c.check_choice("style", params["style"], spec.styles)
    c.check_config(spec, body)


def _check_conditioning(spec: ModelSpec, params: dict[str, Any]) -> None:
    has_control = "controlMode" in params or "controlStrength" in params
    if "conditionImage" not in params:
        if has_control:
            raise TitanValidationError(
                "control_mode / control_strength",
                "set",
                "only with a condition_image",
                hint="add a condition image or clear these",
            )
        return
    if not spec.conditioning:
        raise TitanValidationError(
            "condition_image", "an image", f"no conditioning on {spec.name}", problem="not supported"
        )
    c.check_image(spec, params["conditionImage"], field="condition_image")
    if "controlMode" in params:
        c.check_choice("control_mode", params["controlMode"], CONTROL_MODES)
    if "controlStrength" in params:
        c.check_number(
            "control_strength", params["controlStrength"], spec.control_strength, integer=False, model=spec.name
        )


def build_body(
    spec: ModelSpec,
    text: str,
    *,
    negative_text: str | None = None,
    condition_image: ImageInput | None = None,
    control_mode: str | None = None,
    control_strength: float | None = None,
    style: str | None = None,
    **config: Any,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    c.put(params, "text", text)
    c.put(params, "negativeText", negative_text)
    if condition_image is not None:
        params["conditionImage"] = c.encode_input(condition_image, "condition_image")
    c.put(params, "controlMode", control_mode)
    c.put(params, "controlStrength", control_strength)
    c.put(params, "style", style)
    return c.assemble(TASK, params, c.config_body(**config))
