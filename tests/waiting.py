"""Waiting for a condition: tests poll for what they expect, never sleep a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from gradio_client.client import Job
from gradio_client.utils import Status

WAIT_S = 120.0  # a ceiling for a busy machine, never a delay: a passing test stops waiting at once


def wait_until(condition: Callable[[], object], what: str, *, seconds: float = WAIT_S) -> None:
    """Poll `condition()` until it is true; fail the test naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what}")
        time.sleep(0.02)


def cancel_started(job: Job) -> None:
    """Cancel a `gradio_client` job once the server runs it, and wait until the server was told.

    The client can only ask the server to cancel once it knows the job's event id (before that,
    `cancel()` gives up on the client side and the server runs the job anyway), and it asks from a
    thread of its own; on a busy machine both take a while.
    """
    wait_until(lambda: job.status().code in (Status.PROCESSING, Status.ITERATING), "the job to start on the server")
    assert job.cancel()
    wait_until(job.done, "the server to be told of the cancel")
