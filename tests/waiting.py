"""Waiting for a condition: tests poll for what they expect, never sleep a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

WAIT_S = 120.0  # a ceiling for a busy machine, never a delay: a passing test stops waiting at once


def wait_until(condition: Callable[[], object], what: str, *, seconds: float = WAIT_S) -> None:
    """Poll `condition()` until it is true; fail the test naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what}")
        time.sleep(0.02)
