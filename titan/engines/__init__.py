"""Engines: what answers an `invoke_model` call. One small interface, engines found by name.

An engine takes a model id and the exact JSON body a family built, and returns the
model's JSON answer as a dict. Everything above it (validation, bodies, prices, History)
is the same for every engine; engines raise only `TitanError`s.

    class Engine(Protocol):
        name: str            # "bedrock", "offline", "mock": shown to people
        billed: bool         # whether calls cost money (budgets and the price line follow it)
        region: str | None   # the region calls go to by default; None for engines without one
        def invoke(self, model_id, body, *, region=None, deadline=None) -> dict
        # room for more kinds of call, e.g. converse(model_id, messages, ...) for chat-style image models

Engines are registered by module: `titan.engines.<name>` with a `create(**options)`
function is the engine `<name>` (options it does not know are ignored), so a new engine is
one file. "auto" takes the first of `AUTO_ORDER` that is `ready()` here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from ..errors import TitanValidationError

#: "auto" tries these in order: Bedrock when boto3 finds credentials, else the offline preview.
AUTO_ORDER = ("bedrock", "offline")


@runtime_checkable
class Engine(Protocol):
    """Something that answers image-model requests."""

    name: str
    billed: bool

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        """Send `body` to `model_id` (in `region`, before the `time.monotonic()` `deadline`); return the answer."""
        ...


class FunctionEngine:
    """An engine that calls a function: for unit tests and experiments (not billed)."""

    name = "mock"
    billed = False
    region = None

    def __init__(self, handler: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
        self.handler = handler
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        self.calls.append((model_id, body))
        return self.handler(model_id, body)


def engine_names() -> tuple[str, ...]:
    """Every engine this installation has ("bedrock", "offline", ...), plus "auto"."""
    found = [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    return ("auto", *sorted(found))


def make_engine(engine: str | Engine = "auto", **options: Any) -> Engine:
    """An engine by name ("auto", "bedrock", "offline", ...), or the given engine object unchanged."""
    if not isinstance(engine, str):
        return engine
    if engine not in engine_names():
        raise TitanValidationError("engine", engine, " or ".join(engine_names()))
    if engine != "auto":
        return _create(engine, options)
    for name in AUTO_ORDER:
        candidate = _create(name, options)
        if getattr(candidate, "ready", lambda: True)():
            return candidate
    return candidate


def _create(name: str, options: dict[str, Any]) -> Engine:
    module = importlib.import_module(f"{__name__}.{name}")
    return module.create(**options)


def why_chosen(engine: Engine) -> str:
    """One line on why "auto" chose this engine, for the start-up log."""
    reason = getattr(engine, "reason", None)
    return reason() if callable(reason) else engine.name
