"""The offline preview engine: classical image processing that answers Titan request bodies.

`run(body)` takes a Titan-format body that has already been validated and returns
``{"images": [base64 PNG, ...], "error": None}`` (plus ``"maskImage"`` for in/outpainting
with returnMask). No network, no model weights: every task is done with OpenCV and
numpy so the app can be tried without AWS. Outputs are previews, never Titan output:
each carries a small "offline preview" mark and PNG metadata saying so.

Conventions (see `_common`): image i of a batch uses seed ``seed + i``; the same body
gives the same bytes. One module per task; `_common` holds the shared pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from titan.errors import TitanEngineUnavailableError
from titan.offline._common import generation_config

__all__ = ["MASK_PROMPT_MESSAGE", "refuse_mask_prompt", "run"]

MASK_PROMPT_MESSAGE = (
    "Mask prompts need Amazon Bedrock: the offline preview cannot find objects from words. "
    "Paint the mask instead — painted masks work offline."
)


def run(body: dict[str, Any]) -> dict[str, Any]:
    """Answer a validated Titan request body offline: ``{"images": [...], "error": None, "seeds": [...]}``.

    Raises `TitanEngineUnavailableError` for what needs the real service (mask prompts,
    task types the offline engine does not know).
    """
    task = str(getattr(body.get("taskType"), "value", body.get("taskType")))
    handler = _handlers().get(task)
    if handler is None:
        raise TitanEngineUnavailableError(
            f"The offline preview cannot do {task!r}; choose Amazon Bedrock to run it.",
            code="OfflineUnsupportedTask",
        )
    refuse_mask_prompt(body)
    response = handler(body)
    if task != "BACKGROUND_REMOVAL":
        # Like Stability's answers, say each image's own seed, so history can record it.
        response["seeds"] = generation_config(body).seeds()[: len(response["images"])]
    return response


def refuse_mask_prompt(body: dict[str, Any]) -> None:
    """Raise `TitanEngineUnavailableError` when an in/outpainting body uses maskPrompt."""
    for key in ("inPaintingParams", "outPaintingParams"):
        if (body.get(key) or {}).get("maskPrompt"):
            raise TitanEngineUnavailableError(MASK_PROMPT_MESSAGE, code="OfflineMaskPrompt")


def _handlers() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    from . import background_removal, color_guided, inpaint, outpaint, text_image, variation

    return {
        "TEXT_IMAGE": text_image.run,
        "INPAINTING": inpaint.run,
        "OUTPAINTING": outpaint.run,
        "IMAGE_VARIATION": variation.run,
        "COLOR_GUIDED_GENERATION": color_guided.run,
        "BACKGROUND_REMOVAL": background_removal.run,
    }
