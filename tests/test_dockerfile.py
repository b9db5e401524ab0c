"""The Dockerfile's promises, checked statically (no Docker engine runs in CI)."""

from __future__ import annotations

import re
from pathlib import Path

from ui.settings import ENV_VARS

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_slim_base_non_root_and_healthcheck() -> None:
    assert re.search(r"^FROM python:3\.\d+-slim", DOCKERFILE, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE


def test_installs_only_the_runtime_requirements() -> None:
    assert "pip install -r requirements-app.txt" in DOCKERFILE
    runtime = (ROOT / "requirements-app.txt").read_text()
    assert "pytest" not in runtime and "playwright" not in runtime


def test_every_env_option_the_image_sets_is_one_the_app_reads() -> None:
    set_in_image = set(re.findall(r"\b(TITAN_[A-Z_]+)=", DOCKERFILE))
    assert set_in_image and set_in_image <= set(ENV_VARS.values())


def test_the_image_holds_only_the_app() -> None:
    copied = re.findall(r"^COPY (\S+)", DOCKERFILE, re.MULTILINE)
    assert "." not in copied and not {"tests", "bench", "docs", "tools"} & set(copied)
    assert {"app.py", "titan", "ui", "assets"} <= set(copied)


def test_spending_and_history_are_kept_on_the_volume() -> None:
    assert "TITAN_SPEND=/data/" in DOCKERFILE and "TITAN_HISTORY_DIR=/data/" in DOCKERFILE
