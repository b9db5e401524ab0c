"""One module per Titan task: each builds its body and checks it (`build_body`, `check_body`)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..errors import TitanValidationError
from ..families import family_for
from ..models import ModelSpec, Task
from . import background_removal, color_guided, inpaint, outpaint, text_image, variation

TASK_MODULES: dict[Task, ModuleType] = {
    module.TASK: module for module in (text_image, inpaint, outpaint, variation, color_guided, background_removal)
}


def task_of(body: dict[str, Any]) -> Task:
    """The task a body asks for, or a validation error naming taskType."""
    try:
        return Task(body.get("taskType"))
    except ValueError:
        raise TitanValidationError("taskType", body.get("taskType"), ", ".join(task.value for task in Task)) from None


def check_supported(spec: ModelSpec, task: Task) -> None:
    reason = spec.unsupported_reason(task)
    if reason is not None:
        raise TitanValidationError(
            "task",
            task.label,
            ", ".join(t.label for t in Task if spec.supports(t)) + f" on {spec.name}",
            problem="not supported by this model",
            hint=f"{reason}; pick another model" if spec.unavailable_tasks.get(task) else "pick another model",
        )


def validate_body(spec: ModelSpec, body: dict[str, Any]) -> Task:
    """Check a whole request body against `spec` and its family's limits; the client and
    the emulator both call this, so nothing a model family cannot serve is ever sent."""
    if not isinstance(body, dict):
        raise TitanValidationError("body", type(body).__name__, "a JSON object")
    task = task_of(body)
    check_supported(spec, task)
    TASK_MODULES[task].check_body(spec, body)
    family_for(spec).check(spec, task, body)
    return task
