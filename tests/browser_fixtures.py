"""The browser tests' shared fixtures (registered once, in `tests/conftest.py`): one app server
on the offline engine and one headless Chromium for the whole session, a fresh page per test.

Registered as a plugin rather than imported into each module: a session fixture imported into
two modules would be two fixtures, and so two servers and two browsers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on the offline engine, Titan v2 picked (it can run every Titan task offline)."""
    from tests.ui_fixtures import launched_app

    with launched_app(tmp_path_factory.mktemp("browser")) as app:
        yield app


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from tools.browser import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Any, served: Any) -> Iterator[Any]:
    """A fresh page: its own context, cookies and Gradio session."""
    from tools.browser import opened

    with opened(browser, served.url) as fresh:
        yield fresh
