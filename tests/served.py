"""The app started from its command-line flags in this process, for tests that talk to it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.browser import free_port
from ui import build_app, launch_options
from ui.settings import AppSettings


@contextmanager
def app_from_flags(folder: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python app.py --engine offline <flags>` with everything it keeps under `folder`; yields its URL."""
    settings = AppSettings.from_args(
        ["--engine", "offline", "--port", str(free_port()), "--history-dir", str(folder / "history"),
         "--spend", str(folder / "spend.json"), "--history-index-dir", str(folder / "index"), *flags],
        env=env,
    )  # fmt: skip
    demo = build_app(settings)
    _, url, _ = demo.launch(**(launch_options(settings, demo) | {"prevent_thread_lock": True, "quiet": True}))
    try:
        yield url
    finally:
        demo.close()


def login_flags(logins: dict[str, str]) -> list[str]:
    return [arg for name, password in logins.items() for arg in ("--auth", f"{name}:{password}")]
