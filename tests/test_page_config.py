"""What every visitor and API client downloads first: the page's config, sent gzipped and lean."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from tests.served import app_from_flags

WIRE_LIMIT = 150_000  # bytes on the wire (issue 16)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_from_flags(tmp_path_factory.mktemp("config")) as served:
        yield served


def test_the_config_is_sent_gzipped_and_small(url: str) -> None:
    with httpx.Client(base_url=url, trust_env=False) as http:
        answer = http.get("config", headers={"accept-encoding": "gzip"})
        raw = http.get("config", headers={"accept-encoding": "identity"})
    assert answer.headers["content-encoding"] == "gzip"
    assert int(answer.headers["content-length"]) < WIRE_LIMIT
    assert answer.json() == raw.json()  # the same config, only compressed
    assert len(gzip.compress(raw.content)) < WIRE_LIMIT


def test_the_browser_is_not_sent_api_schemas_it_never_reads(url: str) -> None:
    components = httpx.get(url + "config", trust_env=False).json()["components"]
    page = [component for component in components if component.get("type") != "api"]
    assert page and not any("api_info" in component for component in page)


def test_event_streams_are_not_compressed(url: str) -> None:
    with (
        httpx.Client(base_url=url, trust_env=False, timeout=60) as http,
        http.stream("GET", "gradio_api/heartbeat/abc", headers={"accept-encoding": "gzip"}) as heartbeat,
    ):
        assert heartbeat.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in heartbeat.headers
