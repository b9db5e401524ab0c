"""The Gradio playground for the `titan` backend: `build_app(settings)` makes the page."""

from __future__ import annotations

from .app import build_app, launch_options
from .settings import AppSettings

__all__ = ["AppSettings", "build_app", "launch_options"]
