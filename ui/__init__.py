"""The Gradio playground for the `titan` backend: `build_app(settings)` makes the page.

Gradio is imported only when the page is built, so `python app.py --help` answers at once.
"""

from __future__ import annotations

from typing import Any

from .settings import AppSettings

__all__ = ["AppSettings", "build_app", "launch_options"]


def __getattr__(name: str) -> Any:
    if name in ("build_app", "launch_options"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
