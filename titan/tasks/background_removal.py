"""BACKGROUND_REMOVAL: cut the subject out; the only task without imageGenerationConfig."""

from __future__ import annotations

from typing import Any

from ..errors import TitanValidationError
from ..images import ImageInput
from ..models import ModelSpec, Task
from . import _checks as c

TASK = Task.BACKGROUND_REMOVAL


def check_body(spec: ModelSpec, body: dict[str, Any]) -> None:
    params = c.params_of(body, TASK)
    c.check_known_keys(params, {"image"}, TASK.params_key)
    c.check_image(spec, params.get("image"), field="image")
    if c.CONFIG_KEY in body:
        raise TitanValidationError(
            "generation settings",
            "imageGenerationConfig",
            "none for background removal",
            problem="not taken by this task",
        )


def build_body(spec: ModelSpec, image: ImageInput) -> dict[str, Any]:
    return c.assemble(TASK, {"image": c.encode_input(image, "image")}, None)
