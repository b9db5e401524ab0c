"""Several people at once: each gets only their own result, stored in their own history, and one
person cancelling their job leaves everyone else's running.

The engine holds every call until the test opens it, so "at once" and "waiting in the queue"
are states the test waits for, not timings it hopes for.
"""

from __future__ import annotations

from gradio_client import Client

from tests.ui_fixtures import WAIT_S, GatedEngine, api_client, launched_app, make_client, wait_until
from tests.waiting import cancel_started


def ask(client: Client, seed: int):
    return client.submit(text=f"seed {seed}", width=512, height=512, seed=seed, api_name="/text_image")


def test_each_user_gets_only_their_own_result(tmp_path) -> None:
    engine = GatedEngine()
    logins = (("ann", "pw1"), ("bob", "pw2"))
    with (
        launched_app(tmp_path, client=make_client(engine=engine), auth=logins) as app,
        api_client(app, auth=logins[0]) as ann,
        api_client(app, auth=logins[1]) as bob,
    ):
        ann_job, bob_job = ask(ann, 101), ask(bob, 202)
        engine.wait_for_calls(2)  # both are at the engine at the same time
        engine.open()
        _, ann_run = ann_job.result(timeout=WAIT_S)
        _, bob_run = bob_job.result(timeout=WAIT_S)
        assert (ann_run["seeds"], bob_run["seeds"]) == ([101], [202])  # each result went to the person who asked
        assert [run.prompt for run in app.history.runs("ann")] == ["seed 101"]
        assert [run.prompt for run in app.history.runs("bob")] == ["seed 202"]
        assert app.history.runs(None) == []


def test_cancelling_ones_own_job_leaves_anothers_running(tmp_path) -> None:
    """One request at a time: Ann's runs, Bob's waits in the queue and is cancelled, Cy's comes after."""
    engine = GatedEngine()
    with (
        launched_app(tmp_path, client=make_client(engine=engine), concurrency=1) as app,
        api_client(app) as ann,
        api_client(app) as bob,
        api_client(app) as cy,
    ):
        ann_job = ask(ann, 101)
        engine.wait_for_calls(1)
        bob_job = ask(bob, 202)
        gate = app.demo.playground.gate  # the playground's fair queue, not Gradio's, holds waiting requests
        wait_until(lambda: gate.waiting == 1, "Bob's request to wait for a free slot")
        cancel_started(bob_job)
        wait_until(lambda: gate.waiting == 0, "Bob's request to leave the queue")
        cy_job = ask(cy, 303)
        engine.open()
        assert ann_job.result(timeout=WAIT_S)[1]["seeds"] == [101]
        assert cy_job.result(timeout=WAIT_S)[1]["seeds"] == [303]
    # Bob's place was given up: had his request survived, it would have run before Cy's.
    assert [body["imageGenerationConfig"]["seed"] for _, body in engine.calls] == [101, 303]
