"""STYLE_TRANSFER offline: the content image repainted with the style image's look (see `style`)."""

from __future__ import annotations

from typing import Any

from ._common import decode_rgb, finish, generation_config, rng_for, setting
from .style import TASK_TRANSFER, transfer_style


def run(request: Any) -> dict[str, Any]:
    """One picture per seed at the content image's size."""
    content = decode_rgb(request.image)
    style = decode_rgb(request.style_image, field="style_image")
    strengths = {name: setting(request, name) for name in ("style_strength", "composition_fidelity", "change_strength")}
    images = []
    for seed in generation_config(request).seeds():
        rng = rng_for(seed, TASK_TRANSFER, request.text or "")
        images.append(finish(transfer_style(content, style, rng=rng, **strengths), task=TASK_TRANSFER, seed=seed))
    return {"images": images}
