"""Who is asking: the logged-in user (for their own history) and the browser session (for
the session budget). The Gradio layer sets it around each run; the Gradio-free runner reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Visitor:
    user: str | None = None  # None when the app runs without login
    session: str | None = None


_current: ContextVar[Visitor] = ContextVar("visitor", default=Visitor())  # noqa: B039 (frozen, immutable)


def current_visitor() -> Visitor:
    return _current.get()


@contextmanager
def visiting(user: str | None, session: str | None) -> Iterator[Visitor]:
    """Run the body as this visitor."""
    visitor = Visitor(user=user, session=session)
    token = _current.set(visitor)
    try:
        yield visitor
    finally:
        _current.reset(token)
