"""IMAGE_VARIATION: new images like one to five references, as close as similarityStrength says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import TitanValidationError
from ..images import ImageInput
from ..models import ModelSpec, Task
from . import _checks as c

TASK = Task.IMAGE_VARIATION
_KEYS = {"images", "text", "negativeText", "similarityStrength"}


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    params = c.params_of(body, TASK)
    c.check_known_keys(params, _KEYS, TASK.params_key)
    images = params.get("images")
    limits = spec.variation_images
    if not isinstance(images, list) or not limits.contains(len(images)):
        count = len(images) if isinstance(images, list) else "none"
        raise TitanValidationError("images", f"{count} image(s)", f"{limits.describe()} images")
    for index, image in enumerate(images):
        c.check_image(spec, image, field=f"images[{index}]")
    c.check_prompt(spec, params, "text", required=False)
    c.check_prompt(spec, params, "negativeText", required=False)
    if "similarityStrength" in params:
        if not spec.similarity:
            raise TitanValidationError(
                "similarity_strength", params["similarityStrength"], f"not set on {spec.name}", problem="not supported"
            )
        c.check_number(
            "similarity_strength",
            params["similarityStrength"],
            spec.similarity_strength,
            integer=False,
            model=spec.name,
        )
    c.check_config(spec, body)


def build_body(
    spec: ModelSpec,
    images: Sequence[ImageInput] | ImageInput,
    *,
    text: str | None = None,
    negative_text: str | None = None,
    similarity_strength: float | None = None,
    **config: Any,
) -> dict[str, Any]:
    if not isinstance(images, (list, tuple)):
        images = [images]
    params: dict[str, Any] = {"images": [c.encode_input(image, f"images[{i}]") for i, image in enumerate(images)]}
    c.put(params, "text", text)
    c.put(params, "negativeText", negative_text)
    c.put(params, "similarityStrength", similarity_strength)
    return c.assemble(TASK, params, c.config_body(**config))
