"""Shared fixtures: a client on a recording mock engine, sample images, isolation from AWS and
from the user's home (history index, spend file, data dir, lifecycle cache)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from PIL import Image

from titan import FunctionEngine, TitanClient, history_index, lifecycle
from titan.images import encode_png_b64
from titan.models import TITAN_V2

pytest_plugins = ["tests.browser_fixtures"]  # the browser tests' server, browser and page


def placeholder_response(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A Titan-shaped answer: grey PNGs of the requested size and count."""
    config = body.get("imageGenerationConfig", {})
    size = (config.get("width", 64), config.get("height", 64))
    count = config.get("numberOfImages", 1)
    return {"images": [encode_png_b64(Image.new("RGB", size, (90, 90, 90)))] * count, "error": None}


@pytest.fixture
def mock_engine() -> FunctionEngine:
    return FunctionEngine(placeholder_response)


@pytest.fixture
def client(mock_engine: FunctionEngine) -> TitanClient:
    """Titan v2 on a mock engine that records every body it is sent."""
    return TitanClient(engine=mock_engine, model_id=TITAN_V2.model_id)


@pytest.fixture
def nova(mock_engine: FunctionEngine) -> TitanClient:
    return TitanClient(engine=mock_engine, model_id="amazon.nova-canvas-v1:0")


@pytest.fixture
def photo() -> Image.Image:
    """A 512×512 RGB test picture: a red square on a blue ground."""
    image = Image.new("RGB", (512, 512), (40, 60, 160))
    image.paste((200, 30, 30), (160, 160, 352, 352))
    return image


@pytest.fixture
def square_mask() -> Image.Image:
    """Titan mask for `photo`: black (change) over the red square, white elsewhere."""
    mask = Image.new("L", (512, 512), 255)
    mask.paste(0, (160, 160, 352, 352))
    return mask


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Tests never reach real AWS or read the developer's credentials."""
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def point_home_at(folder: Path, patch: pytest.MonkeyPatch) -> None:
    """History indexes, the data dir (history, spend.json) and the lifecycle cache go under `folder`.

    XDG_CACHE_HOME stays as it is: Playwright finds its browsers through it.
    """
    patch.setenv("XDG_DATA_HOME", str(folder / "data"))
    patch.setattr(history_index, "default_index_dir", lambda: folder / "history-index")
    patch.setattr(lifecycle, "default_cache_path", lambda: folder / "cache" / "lifecycle.json")


@pytest.fixture(scope="session", autouse=True)
def home_for_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session-wide fixtures (an app server shared by tests) never write into the user's home either."""
    with pytest.MonkeyPatch.context() as patch:
        point_home_at(tmp_path_factory.mktemp("home"), patch)
        yield


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts with an empty home of its own, so no test sees another's runs or spending."""
    point_home_at(tmp_path / "home", monkeypatch)


# The same examples on every run: a property that holds today holds in CI tomorrow (a found
# counterexample is fixed, not rolled again). Exploring: HYPOTHESIS_PROFILE=explore.
hypothesis_settings.register_profile("suite", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))
