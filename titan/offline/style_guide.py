"""STYLE_GUIDE offline: the prompt's scene in the reference's colours and texture (see `style`)."""

from __future__ import annotations

from typing import Any

from ._common import decode_rgb, finish, generation_config, rng_for, setting
from .style import TASK_GUIDE, style_guide


def run(request: Any) -> dict[str, Any]:
    """One picture per seed at the request's size (its aspect ratio's, 1024² by default)."""
    config = generation_config(request)
    width, height = config.size()
    reference = decode_rgb(request.image)
    fidelity = setting(request, "fidelity")
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK_GUIDE, request.text or "")
        picture = style_guide(
            reference, request.text or "", request.negative_text, width, height, fidelity=fidelity, rng=rng, seed=seed
        )
        images.append(finish(picture, task=TASK_GUIDE, seed=seed))
    return {"images": images}
