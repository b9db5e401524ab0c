"""The one small interface every engine implements.

An engine takes a model id and the exact JSON body `titan` built, and returns the
model's JSON response as a dict (`{"images": [base64 PNG...], "error": str | None}` for
the Titan family). Everything above this line — validation, request building, decoding —
is the same for all engines. Engines raise only `TitanError`s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Engine(Protocol):
    """Something that answers image-model requests."""

    name: str
    """Short id shown to users: "bedrock", "offline", "mock"."""

    def invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send `body` to `model_id` and return the decoded JSON response."""
        ...


class FunctionEngine:
    """An engine that calls a function: for unit tests and experiments."""

    name = "mock"

    def __init__(self, handler: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
        self.handler = handler
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((model_id, body))
        return self.handler(model_id, body)
