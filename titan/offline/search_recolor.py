"""SEARCH_RECOLOR offline: the words' selection recoloured to the prompt's colour (see `recolor`)."""

from __future__ import annotations

from typing import Any

from ._common import decode_rgb, finish, generation_config, rng_for, setting
from .recolor import TASK, recolor, select_region


def run(request: Any) -> dict[str, Any]:
    """One recoloured picture per seed; the "offline preview" mark stays inside the recoloured part."""
    image = decode_rgb(request.image)
    grow = int(setting(request, "grow_mask"))
    region = select_region(image, request.select_prompt or "", grow=grow)
    images = []
    for seed in generation_config(request).seeds():
        rng = rng_for(seed, TASK, request.select_prompt or "", request.text or "")
        picture = recolor(image, region, request.text or "", request.negative_text, rng, seed=seed, grow=grow)
        images.append(finish(picture, task=TASK, seed=seed, allowed=region))
    return {"images": images}
