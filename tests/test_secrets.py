"""Credentials never show: not in logs, the request panel, the snippet, error messages or history."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.served import app_from_flags
from titan.emulator import start_emulator

KEY = "AKIASENTINELKEY12345"
SECRET = "sentinelSecret/DoNotShow+0123456789abcdef"
TOKEN = "sentinelSessionTokenDoNotShow"
SENTINELS = (KEY, SECRET, TOKEN)

pytestmark = pytest.mark.timeout(180)


def assert_clean(text: str, where: str) -> None:
    for sentinel in SENTINELS:
        assert sentinel not in text, f"a credential leaked into {where}"


@pytest.fixture
def app_on_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    emulator_log = io.StringIO()
    emulator = start_emulator(stream=emulator_log)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    try:
        with app_from_flags(tmp_path, "--engine", "bedrock", "--region", "us-west-2") as url:
            yield Client(url, verbose=False), emulator, emulator_log
    finally:
        emulator.stop()


def test_no_credential_anywhere(app_on_emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    client, emulator, emulator_log = app_on_emulator
    images, run = client.predict(text="a red bicycle", seed=3, number_of_images=2, api_name="/text_image")
    assert len(images) == 2 and len(run["calls"]) == 2  # the calls as the request panel shows them
    assert_clean(json.dumps([images, run], default=str), "the text_image outputs (run, calls, notes)")

    emulator.set_faults({"kind": "access_denied"})
    with pytest.raises(AppError) as info:
        client.predict(text="a red bicycle", api_name="/text_image")
    assert "Model access" in str(info.value)
    assert_clean(str(info.value), "the error message")

    assert_clean(caplog.text, "the app's logs")
    assert_clean(emulator_log.getvalue(), "the emulator's log")
    stored = [path for path in (tmp_path / "history").rglob("*") if path.is_file()]
    assert any(path.name == "run.json" for path in stored)
    for path in stored:
        assert_clean(path.read_bytes().decode("latin-1"), f"history file {path.name}")
