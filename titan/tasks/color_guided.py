"""COLOR_GUIDED_GENERATION: an image made of a palette, optionally on a reference layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import TitanValidationError
from ..images import ImageInput
from ..models import ModelSpec, Task
from . import _checks as c

TASK = Task.COLOR_GUIDED_GENERATION
_KEYS = {"colors", "text", "negativeText", "referenceImage"}


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    params = c.params_of(body, TASK)
    c.check_known_keys(params, _KEYS, TASK.params_key)
    colors = params.get("colors")
    limits = spec.colors
    if not isinstance(colors, list) or not limits.contains(len(colors)):
        count = len(colors) if isinstance(colors, list) else "none"
        raise TitanValidationError("colors", f"{count} color(s)", f"{limits.describe()} colors")
    for index, color in enumerate(colors):
        if not isinstance(color, str) or not c.HEX_COLOR.match(color):
            raise TitanValidationError(f"colors[{index}]", color, 'a hex color like "#FF8800"')
    c.check_prompt(spec, params, "text", required=True)
    c.check_prompt(spec, params, "negativeText", required=False)
    if "referenceImage" in params:
        c.check_image(spec, params["referenceImage"], field="reference_image")
    c.check_config(spec, body)


def build_body(
    spec: ModelSpec,
    text: str,
    colors: Sequence[str],
    *,
    reference_image: ImageInput | None = None,
    negative_text: str | None = None,
    **config: Any,
) -> dict[str, Any]:
    params: dict[str, Any] = {"colors": [normalize_color(color) for color in colors]}
    c.put(params, "text", text)
    c.put(params, "negativeText", negative_text)
    if reference_image is not None:
        params["referenceImage"] = c.encode_input(reference_image, "reference_image")
    return c.assemble(TASK, params, c.config_body(**config))


def normalize_color(color: Any) -> Any:
    """ "ff8800", "#f80" and "#FF8800" all become "#FF8800"; anything else is left for the check."""
    if not isinstance(color, str):
        return color
    value = color.strip().lstrip("#")
    if not all(ch in "0123456789abcdefABCDEF" for ch in value):
        return color
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return f"#{value.upper()}"
