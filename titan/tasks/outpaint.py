"""OUTPAINTING: keep the inside of a mask (black) and generate the outside (white)."""

from __future__ import annotations

from typing import Any

from ..images import ImageInput
from ..models import OUTPAINT_MODES, ModelSpec, Task
from . import _checks as c
from .inpaint import build_edit_body, check_edit_body

TASK = Task.OUTPAINTING
_KEYS = {"image", "text", "negativeText", "maskImage", "maskPrompt", "outPaintingMode", "returnMask"}


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    check_edit_body(spec, body, TASK, _KEYS, text_required=True)
    params = c.params_of(body, TASK)
    if "outPaintingMode" in params:
        c.check_choice("mode", params["outPaintingMode"], OUTPAINT_MODES)


def build_body(
    spec: ModelSpec,
    image: ImageInput,
    *,
    text: str,
    mask_image: ImageInput | None = None,
    mask_prompt: str | None = None,
    mode: str | None = None,
    negative_text: str | None = None,
    return_mask: bool | None = None,
    **config: Any,
) -> dict[str, Any]:
    return build_edit_body(
        spec,
        TASK,
        image,
        text=text,
        mask_image=mask_image,
        mask_prompt=mask_prompt,
        negative_text=negative_text,
        return_mask=return_mask,
        extra={"outPaintingMode": mode},
        config=config,
    )
