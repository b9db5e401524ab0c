"""One module per task, each declaring one `Request` subclass: its fields, words and body mappings.

Tasks are found, not listed: every public module of this package that defines a `Request`
subclass is a task (ordered by its `order`), so a new task is one new file here (plus its
tab in `ui/tabs/`). `TASKS` maps task types ("TEXT_IMAGE") to request classes.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping

from ..errors import TitanValidationError
from ._base import BodyImage, Request, normalize_color

__all__ = ["TASKS", "BodyImage", "Request", "normalize_color", "request_type", "request_types"]


@functools.cache
def _discover() -> dict[str, type[Request]]:
    found: list[type[Request]] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Request) and value.__module__ == module.__name__
        ]
    return {kind.task: kind for kind in sorted(found, key=lambda kind: kind.order)}


class _Tasks(Mapping[str, type[Request]]):
    """task type -> request class, discovered on first use (so importing titan stays cheap)."""

    def __getitem__(self, task: str) -> type[Request]:
        return _discover()[task]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(_discover())

    def __len__(self) -> int:
        return len(_discover())


TASKS: Mapping[str, type[Request]] = _Tasks()


def request_types() -> list[type[Request]]:
    """Every task's request class, in tab order."""
    return list(_discover().values())


def request_type(task: str | type[Request] | Request) -> type[Request]:
    """The request class of a task type ("INPAINTING"), an API name ("inpaint"), a class or an instance."""
    if isinstance(task, Request):
        return type(task)
    if isinstance(task, type):
        return task
    tasks = _discover()
    if task in tasks:
        return tasks[task]
    for kind in tasks.values():
        if kind.api_name == task:
            return kind
    raise TitanValidationError("task", task, ", ".join(tasks))
