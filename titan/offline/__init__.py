"""The offline preview engine: classical image processing that answers typed requests.

`run(request)` takes a request read back from a body (`titan.families.*.decode`) and
returns an `Outcome`: base64 PNGs and each image's seed. No network, no model weights:
every task is done with OpenCV and numpy so the app can be tried without AWS. Outputs are
previews, never a model's output: each carries a small "offline preview" mark and PNG
metadata saying so.

Conventions (see `_common`): image i of a batch uses seed ``seed + i``; the same request
gives the same bytes. One module per task, named like the task's module in `titan.tasks`
(`titan/tasks/inpaint.py` is answered by `titan/offline/inpaint.py`'s `run`); `_common`
holds the shared pieces.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from PIL import Image

from titan.errors import TitanEngineUnavailableError
from titan.families import Outcome
from titan.images import decode_image_b64
from titan.offline._common import encode_output, generation_config

__all__ = ["MASK_PROMPT_MESSAGE", "enlarged", "run"]

MASK_PROMPT_MESSAGE = (
    "Mask prompts need Amazon Bedrock: the offline preview cannot find objects from words. "
    "Paint the mask instead — painted masks work offline."
)


def run(request: Any) -> Outcome:
    """Answer a request offline. Raises `TitanEngineUnavailableError` for what needs the real service."""
    if getattr(request, "mask_prompt", None):
        raise TitanEngineUnavailableError(MASK_PROMPT_MESSAGE, code="OfflineMaskPrompt")
    answer = _handler(request)(request)
    seeds: list[int | None] = answer.get("seeds") or [None] * len(answer["images"])
    if "seeds" not in answer and "seed" in request.options():  # like Stability's answers, say each image's own seed
        seeds = list(generation_config(request).seeds()[: len(answer["images"])])
    return Outcome(answer["images"], seeds, answer.get("mask"))


def _handler(request: Any) -> Any:
    name = type(request).__module__.rsplit(".", 1)[-1]
    try:
        return importlib.import_module(f"{__name__}.{name}").run
    except ModuleNotFoundError:
        raise TitanEngineUnavailableError(
            f"The offline preview cannot do {request.label.lower()}; choose Amazon Bedrock to run it.",
            code="OfflineUnsupportedTask",
        ) from None


def enlarged(image_b64: str, size: tuple[int, int], *, task: str | None = None) -> str:
    """A preview made smaller than asked, scaled up to `size` (Lanczos), metadata kept."""
    picture = decode_image_b64(image_b64)
    if picture.size == tuple(size):
        return image_b64
    pixels = np.asarray(picture.resize(size, Image.LANCZOS))
    return encode_output(pixels, task=task or picture.info.get("titan:task", ""), seed=_seed_of(picture))


def _seed_of(picture: Any) -> int | None:
    seed = picture.info.get("titan:seed")
    return int(seed) if seed else None
