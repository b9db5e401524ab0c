"""Several people at once: each gets only their own results, stored in their own history."""

from __future__ import annotations

import time

import pytest
from gradio_client import Client

from tests.ui_fixtures import launched_app, placeholder_handler
from titan import FunctionEngine, TitanClient

pytestmark = pytest.mark.timeout(120)


def slow_handler(model_id, body):
    time.sleep(1.5)
    return placeholder_handler(model_id, body)


def ask(client: Client, seed: int):
    return client.submit(prompt=f"seed {seed}", size="512x512", seed=seed, lock_seed=True, api_name="/text_image")


def test_each_user_gets_only_their_own_result(tmp_path) -> None:
    engine = FunctionEngine(slow_handler)
    with launched_app(tmp_path, client=TitanClient(engine=engine), auth=(("ann", "pw1"), ("bob", "pw2"))) as url:
        ann = Client(url, auth=("ann", "pw1"), verbose=False)
        bob = Client(url, auth=("bob", "pw2"), verbose=False)
        ann_job = ask(ann, 101)
        bob_job = ask(bob, 202)
        ann_seed = ann_job.result()[-1]
        bob_seed = bob_job.result()[-1]
    assert (ann_seed, bob_seed) == (101, 202)  # each result went to the person who asked
    assert ann_job.status().success and bob_job.status().success
    sent_seeds = [body["imageGenerationConfig"]["seed"] for _, body in engine.calls]
    assert 101 in sent_seeds and 202 in sent_seeds


def test_cancelling_ones_own_job_leaves_anothers_running(tmp_path) -> None:
    with launched_app(tmp_path, client=TitanClient(engine=FunctionEngine(slow_handler))) as url:
        ann, bob = Client(url, verbose=False), Client(url, verbose=False)
        ann_job = ask(ann, 101)
        bob_job = ask(bob, 202)
        time.sleep(0.3)
        assert bob_job.cancel()
        assert ann_job.result(timeout=30)[-1] == 101
