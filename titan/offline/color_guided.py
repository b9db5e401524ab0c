"""COLOR_GUIDED_GENERATION offline: pictures whose dominant colours are the requested palette.

With a referenceImage: palette transfer. The reference is segmented into as many colour
regions as there are palette colours (k-means in Lab) and each region is painted with
one palette colour, darker regions getting darker colours, plus a little of the
reference's fine detail: the layout of the reference survives in the new colours.

Without one: a flat composition (sky, sun, hills, discs) where every element is one
palette colour, laid out from the prompt and the seed.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import (
    by_luminance,
    decode_rgb,
    finish,
    fit_cover,
    generation_config,
    grain,
    hex_palette,
    luminance,
    rng_for,
    smooth_noise,
    smooth_warp,
    words_of,
)
from .text_image import ABSTRACT_WORDS, render_scene, segment, upscale_labels

TASK = "COLOR_GUIDED_GENERATION"


def run(request: Any) -> dict[str, Any]:
    """Answer a colour-guided request: one picture per image, seed + i for image i."""
    config = generation_config(request)
    width, height = config.size()
    palette = hex_palette(request.colors)
    reference = request.reference_image
    reference = fit_cover(decode_rgb(reference, field="reference_image"), width, height) if reference else None
    abstract = bool(ABSTRACT_WORDS & set(words_of(request.text)))
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK, request.text or "", ",".join(request.colors))
        if reference is not None:
            picture = transfer_palette(reference, palette, rng)
        else:
            picture = render_scene(rng, palette, width, height, flat=True, abstract=abstract)
        images.append(finish(picture, task=TASK, seed=seed))
    return {"images": images}


def transfer_palette(reference: np.ndarray, palette: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Recolour `reference` (float RGB): one palette colour per colour region.

    The reference is split into as many regions as there are colours (k-means in Lab);
    darker regions get darker colours, with a seeded shuffle of close ranks. Seeds also
    warp the layout slightly and vary the lighting. A little of the reference's fine
    detail is kept.
    """
    height, width = reference.shape[:2]
    reference = smooth_warp(reference, 0.012 * min(width, height), rng)  # seeds reshape a little
    small_labels = segment(reference, len(palette))
    labels = upscale_labels(small_labels, width, height)
    small = cv2.resize(reference, small_labels.shape[::-1], interpolation=cv2.INTER_AREA)
    colours = _assign_colours(small, small_labels, by_luminance(palette), rng)
    picture = cv2.GaussianBlur(colours[labels], (0, 0), 0.8)
    detail = luminance(reference) - cv2.GaussianBlur(luminance(reference), (0, 0), 2.0)
    light = 1 + 0.03 * smooth_noise(rng, width, height, cells=3)[..., None]  # seeded soft lighting
    picture = picture * light + 0.3 * detail[..., None] + grain(rng, width, height, 0.004)
    return np.clip(picture, 0, 1).astype(np.float32)


def _assign_colours(small: np.ndarray, labels: np.ndarray, ordered: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour per label: regions ranked by brightness (plus seeded jitter) take `ordered` colours."""
    count = int(labels.max()) + 1
    brightness = np.array([luminance(small[labels == i]).mean() if (labels == i).any() else 0.0 for i in range(count)])
    rank = np.argsort(np.argsort(brightness, kind="stable"), kind="stable") + rng.normal(0, 0.9, count)
    order = np.argsort(rank, kind="stable")  # labels from darkest to lightest, jittered
    picks = np.round(np.linspace(0, len(ordered) - 1, count)).astype(int)
    colours = np.zeros((count, 3), dtype=np.float32)
    colours[order] = ordered[picks]
    return colours
