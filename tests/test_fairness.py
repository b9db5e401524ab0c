"""One person's hanging Bedrock calls never stall the room: the app on the emulator, two people,
one whose prompts hang. Waits are on conditions; the only clock is the app's own deadline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.served import app_from_flags, login_flags
from tests.waiting import WAIT_S, cancel_started, wait_until
from titan.emulator import Emulator, start_emulator

LOGINS = {"alice": "wonderland", "bob": "builder"}
DEADLINE_S = 5  # long enough for bob to be served on a busy machine; the test waits it out once


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emulator = start_emulator(quiet=True)
    emulator.set_faults({"kind": "slow", "seconds": 120, "match": "hang", "times": None})
    yield emulator
    emulator.stop()


@pytest.fixture
def url(tmp_path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> Iterator[str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    flags = ["--engine", "bedrock", "--region", "us-west-2", "--concurrency", "4",
             "--request-timeout", str(DEADLINE_S), *login_flags(LOGINS)]  # fmt: skip
    with app_from_flags(tmp_path, *flags) as served:
        yield served


def hanging_prompts(emulator: Emulator) -> set[str]:
    """Which of alice's requests reached Bedrock (a request may be tried more than once within its deadline)."""
    return {f"please hang {n}" for n in range(3) for body in emulator.requests if f"please hang {n}" in str(body)}


def test_others_are_served_while_one_persons_calls_hang(url: str, emulator: Emulator) -> None:
    # alice in three browser tabs (sessions): Gradio cancels per session and endpoint, so one tab's
    # Stop must not be able to reach her other requests
    alice = [Client(url, auth=("alice", LOGINS["alice"]), verbose=False) for _ in range(3)]
    bob = Client(url, auth=("bob", LOGINS["bob"]), verbose=False)
    hanging = [tab.submit(text=f"please hang {n}", seed=n + 1, api_name="/text_image") for n, tab in enumerate(alice)]
    wait_until(lambda: hanging_prompts(emulator) or any(job.done() for job in hanging), "one of alice's requests")
    [running] = hanging_prompts(emulator)  # alice holds her share, one slot of four; her others wait
    first = hanging[int(running[-1])]
    assert not first.done(), first.exception()
    for job in hanging:  # her other tabs stop waiting
        if job is not first:
            cancel_started(job)

    images, run = bob.predict(text="a quick lighthouse", seed=7, api_name="/text_image")

    assert images and run["seeds"] == [7]
    assert not first.done()  # bob was served while alice's call still hung
    with pytest.raises(AppError) as ended:
        first.result(timeout=WAIT_S)
    assert f"did not answer within {DEADLINE_S} s" in str(ended.value)
    wait_until(lambda: all(job.done() for job in hanging), "alice's cancelled requests to end")
    assert hanging_prompts(emulator) == {running}  # the cancelled ones never reached Bedrock
