"""Prompt advice from AWS's Titan prompt guide, kept in one place for the UI and the API."""

from __future__ import annotations

import re

PROMPT_TIPS: tuple[str, ...] = (
    'Start with the subject: "An image of a lighthouse on a cliff".',
    "Add the medium, colours, lighting and style: watercolour, warm sunset light, soft focus.",
    'Put words that must appear in the image in double quotes: a sign that says "OPEN".',
    "Order the elements logically and separate them with commas.",
    'List what to leave out in the negative prompt, plainly ("blur, watermark"), without "no" or "without".',
    "For inpainting and outpainting, describe the whole scene, not only the masked part.",
)

_NEGATION = re.compile(r"\b(no|not|without|never|don't|avoid)\b", re.IGNORECASE)


def prompt_warnings(text: str | None, negative_text: str | None = None) -> list[str]:
    """Gentle advice about a prompt pair; never blocks a request."""
    warnings: list[str] = []
    if text and _NEGATION.search(text):
        word = _NEGATION.search(text).group(0)
        warnings.append(
            f'The prompt says "{word}": Titan may draw what follows it. Move those things to the negative prompt.'
        )
    if negative_text and _NEGATION.search(negative_text):
        word = _NEGATION.search(negative_text).group(0)
        warnings.append(
            f'The negative prompt says "{word}": just list the things to leave out, without negation words.'
        )
    if text and not text.isascii() and sum(not ch.isascii() for ch in text) > len(text) / 3:
        warnings.append("Titan understands English prompts; other languages give unpredictable results.")
    return warnings
