"""Start-up options: logins, budgets, upload size, and the warning for an open server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from titan import DEFAULT_MODEL_ID, default_data_dir
from ui.settings import AppSettings, parse_auth


def test_auth_flags_repeat_and_combine_with_a_file(tmp_path) -> None:
    logins = tmp_path / "logins.txt"
    logins.write_text("# team\nann:pw1\n\nbob:pw2\n")
    settings = AppSettings.from_args(["--auth", "cy:pw3", "--auth", "di:pw4,ed:pw5", "--auth-file", str(logins)])
    assert settings.auth == (("cy", "pw3"), ("di", "pw4"), ("ed", "pw5"), ("ann", "pw1"), ("bob", "pw2"))


def test_auth_from_the_environment() -> None:
    assert AppSettings.from_args([], env={"TITAN_AUTH": "ann:pw"}).auth == (("ann", "pw"),)


@pytest.mark.parametrize("bad", ["nopassword", ":pw", "ann:"])
def test_malformed_logins_are_refused(bad: str) -> None:
    with pytest.raises(SystemExit):
        AppSettings.from_args(["--auth", bad])


def test_unreadable_auth_file(tmp_path) -> None:
    with pytest.raises(SystemExit, match="Cannot read --auth-file"):
        AppSettings.from_args(["--auth-file", str(tmp_path / "missing.txt")])


def test_budgets_and_upload_limit(tmp_path) -> None:
    env = {"TITAN_BUDGET_USD": "5", "TITAN_SPEND": str(tmp_path / "spend.json")}
    settings = AppSettings.from_args(["--session-budget-usd", "0.5", "--max-upload-mb", "8"], env=env)
    budget = settings.budget()
    assert (budget.day_limit_usd, budget.person_limit_usd, settings.max_upload_mb) == (5.0, 0.5, 8)
    assert budget.ledger.path == tmp_path / "spend.json"
    with pytest.raises(SystemExit):
        AppSettings.from_args(["--budget-usd", "-1"])


def test_spending_is_kept_in_the_users_data_dir_by_default() -> None:
    """Never beside the code: in the data dir (the test's own, see conftest), or where --spend says."""
    assert AppSettings.from_args([], env={}).budget().ledger.path == default_data_dir() / "spend.json"
    assert AppSettings.from_args([], env={}).history_location() == default_data_dir() / "history"


def test_settings_from_flags_and_environment(tmp_path) -> None:
    env = {"TITAN_ENGINE": "offline", "TITAN_PORT": "8000", "TITAN_AUTH": "ann:pw", "TITAN_CONCURRENCY": "3"}
    settings = AppSettings.from_args([], env=env)
    assert (settings.engine, settings.port, settings.auth, settings.concurrency) == (
        "offline",
        8000,
        (("ann", "pw"),),
        3,
    )
    assert settings.host == "127.0.0.1" and settings.model == DEFAULT_MODEL_ID and settings.pick_model
    flags = AppSettings.from_args(
        ["--port", "9000", "--model", "amazon.nova-canvas-v1:0", "--history-dir", str(tmp_path)], env=env
    )
    assert flags.port == 9000 and flags.model == "amazon.nova-canvas-v1:0" and not flags.pick_model
    assert flags.history_location() == tmp_path
    assert parse_auth("a:1, b:2") == (("a", "1"), ("b", "2"))
    with pytest.raises(SystemExit):
        AppSettings.from_args(["--auth", "nopassword"], env={})


def test_importing_the_app_does_no_work() -> None:
    code = "import app, ui, sys; assert 'boto3' not in sys.modules; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize(
    ("host", "auth", "open_"), [("127.0.0.1", [], False), ("0.0.0.0", [], True), ("0.0.0.0", ["--auth", "a:b"], False)]
)
def test_exposed_without_login(host: str, auth: list[str], open_: bool) -> None:
    assert AppSettings.from_args(["--host", host, *auth]).exposed_without_login is open_


def test_start_warns_when_open_to_the_network(tmp_path) -> None:
    """`python app.py --host 0.0.0.0` without --auth says so at start (the launch itself is stubbed)."""
    code = (
        "import gradio, sys, app\n"
        "gradio.Blocks.launch = lambda self, **kw: print('launched', kw['max_file_size'])\n"
        "app.main(['--host', '0.0.0.0', '--engine', 'offline', '--port', '0'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "HOME": str(tmp_path)},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert "launched 20mb" in out.stdout, out.stderr
    assert "without --auth" in out.stderr
