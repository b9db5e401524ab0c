"""Prompt tips beside every prompt box. The words live in `titan.prompting.PROMPT_TIPS`."""

from __future__ import annotations

from titan.prompting import PROMPT_TIPS


def tips_markdown() -> str:
    """The tips as a Markdown list."""
    return "\n".join(f"- {tip}" for tip in PROMPT_TIPS)
