"""Model families: how a request in the Titan vocabulary reaches one family's models.

A family is a small adapter. `invoke` takes the validated Titan-shaped body and returns
a Titan-shaped response plus the exact (model_id, body) calls it made, so the request
viewer can always show what was really sent. `check` adds the family's own limits to
validation, so a request a family cannot serve is refused before any call. The Titan
family (Titan v1/v2, Nova Canvas) sends the body as it is; other families live in a
module of this package named after `ModelSpec.family` (e.g. `stability`), imported the
first time one of their models is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from ..engines.base import Engine
from ..models import ModelSpec, Task


@dataclass(frozen=True)
class Call:
    """One invoke_model call: the model id and the exact body sent."""

    model_id: str
    body: dict[str, Any]


class Family(Protocol):
    name: str

    def invoke(
        self, engine: Engine, spec: ModelSpec, task: Task, body: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Call]]:
        """Run `body` (Titan vocabulary) on `spec`'s family; return (Titan-shaped response, calls made)."""
        ...

    def check(self, spec: ModelSpec, task: Task, body: dict[str, Any]) -> None:
        """Raise `TitanValidationError` when this family cannot serve an otherwise valid `body`."""
        ...

    def route(self, task: Task, body: dict[str, Any]) -> str | None:
        """Which of the task's services serves `body` (None: the task's default); prices follow it."""
        ...


class TitanFamily:
    """Titan v1/v2 and Nova Canvas: the body is sent unchanged to the chosen model id."""

    name = "titan"

    def invoke(
        self, engine: Engine, spec: ModelSpec, task: Task, body: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Call]]:
        return engine.invoke(spec.model_id, body), [Call(spec.model_id, body)]

    def check(self, spec: ModelSpec, task: Task, body: dict[str, Any]) -> None:
        """Nothing beyond the task modules' checks: they are Titan's own rules."""

    def route(self, task: Task, body: dict[str, Any]) -> str | None:
        return None


_FAMILIES: dict[str, Family] = {"titan": TitanFamily()}


def family_for(spec: ModelSpec) -> Family:
    """The adapter for `spec.family`; a family's module registers it when first imported."""
    if spec.family not in _FAMILIES:
        importlib.import_module(f"{__name__}.{spec.family}")
    return _FAMILIES[spec.family]


def register_family(family: Family) -> None:
    """Make a family available by its `name` (ModelSpec.family)."""
    _FAMILIES[family.name] = family
