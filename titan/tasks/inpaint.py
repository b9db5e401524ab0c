"""INPAINTING: change the inside of a mask. With no `text` the masked object is removed."""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..images import ImageInput, load_image, prepare_input, to_rgb
from ..models import ModelSpec, Task
from . import _checks as c

TASK = Task.INPAINTING
_KEYS = {"image", "text", "negativeText", "maskImage", "maskPrompt", "returnMask"}


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    check_edit_body(spec, body, TASK, _KEYS, text_required=False)


def check_edit_body(spec: ModelSpec, body: dict[str, Any], task: Task, keys: set[str], *, text_required: bool) -> None:
    """Rules shared by INPAINTING and OUTPAINTING."""
    params = c.params_of(body, task)
    c.check_known_keys(params, keys, task.params_key)
    if "image" not in params:
        c.check_image(spec, None, field="image")
    image = c.check_image(spec, params["image"], field="image")
    c.check_prompt(spec, params, "text", required=text_required)
    c.check_prompt(spec, params, "negativeText", required=False)
    c.check_mask(spec, params, image)
    c.check_bool(params, "returnMask")
    c.check_config(spec, body, input_size=image.size)


def build_edit_body(
    spec: ModelSpec,
    task: Task,
    image: ImageInput,
    *,
    text: str | None,
    mask_image: ImageInput | None,
    mask_prompt: str | None,
    negative_text: str | None,
    return_mask: bool | None,
    extra: dict[str, Any],
    config: dict[str, Any],
) -> dict[str, Any]:
    source = prepare_input(image, field="image")
    params: dict[str, Any] = {"image": c.encode_png_b64(source)}
    c.put(params, "text", text)
    c.put(params, "negativeText", negative_text)
    if mask_image is not None:
        params["maskImage"] = c.encode_png_b64(_mask_for_body(mask_image))
    c.put(params, "maskPrompt", mask_prompt)
    for key, value in extra.items():
        c.put(params, key, value)
    c.put(params, "returnMask", return_mask)
    return c.assemble(task, params, c.edit_config(spec, c.config_body(**config), source.size))


def _mask_for_body(mask_image: ImageInput) -> Image.Image:
    """Sent as given (no silent snapping: grey pixels are reported by the check)."""
    mask = load_image(mask_image, field="mask_image")
    return mask if mask.mode in ("L", "RGB") else to_rgb(mask)


def build_body(
    spec: ModelSpec,
    image: ImageInput,
    *,
    text: str | None = None,
    mask_image: ImageInput | None = None,
    mask_prompt: str | None = None,
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
        extra={},
        config=config,
    )
