"""Credentials never show: not in logs, the request panel, the snippet, error messages or history."""

from __future__ import annotations

import io
import json
import logging
import socket
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from titan.emulator import start_emulator
from ui import AppSettings, build_app, launch_options

KEY = "AKIASENTINELKEY12345"
SECRET = "sentinelSecret/DoNotShow+0123456789abcdef"
TOKEN = "sentinelSessionTokenDoNotShow"
SENTINELS = (KEY, SECRET, TOKEN)

pytestmark = pytest.mark.timeout(180)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    settings = AppSettings.from_args(
        ["--engine", "bedrock", "--region", "us-west-2", "--port", str(free_port()),
         "--history-dir", str(tmp_path / "history"), "--spend", str(tmp_path / "spend.json")]
    )  # fmt: skip
    demo = build_app(settings)
    _, url, _ = demo.launch(**(launch_options(settings, demo) | {"prevent_thread_lock": True, "quiet": True}))
    try:
        yield Client(url, verbose=False), emulator, emulator_log
    finally:
        demo.close()
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
