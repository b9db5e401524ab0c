"""INPAINTING offline: fill the black (inside) area of a Titan mask; nothing else changes.

Without `text` it is object removal: the masked area is filled from its surroundings.
A coarse fill on a downscaled copy interpolates along rows and columns between the
nearest kept pixels, favouring the direction whose two ends agree (so a horizon runs
straight through the hole); `cv2.inpaint` (Telea) then re-fills a thin band along the
mask's edge at full size so the seam is invisible, and seeded grain as strong as the
surrounding texture keeps the fill from looking plastic. With `text`, the fill is graded
to the prompt's palette and soft shapes in those colours fade in from the mask's edge.

Pixels outside the mask are bit-identical to the input (the preview mark is placed
inside the masked area for the same reason).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from ._common import (
    decode_mask,
    decode_rgb,
    directional_fill,
    encode_output,
    finish,
    generation_config,
    gradient_map,
    grain,
    luminance,
    palette_from_text,
    rng_for,
    smooth_noise,
    to_float,
    to_uint8,
    work_size,
)
from .text_image import paint_shapes, saturate

TASK = "INPAINTING"
WORK_SIDE = 384  # downscaled inpainting resolution
BAND = 6  # full-resolution re-inpainting band along the mask's edge, px


def run(request: Any) -> dict[str, Any]:
    """Answer an inpainting request; output size = input size, seed + i for image i."""
    config = generation_config(request)
    image = decode_rgb(request.image)
    height, width = image.shape[:2]
    inside = decode_mask(request.mask_image, (width, height))
    source = to_uint8(image)
    filled = remove_object(source, inside) if inside.any() else source
    text, negative = request.text, request.negative_text
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK, text or "", negative or "")
        result = to_float(Image.fromarray(filled))
        if inside.any():
            result = _add_life(result, image, inside, rng)
            if text:
                result = _paint_prompt(result, inside, text, negative, rng, seed, config.prompt_strength)
        pixels = np.where(inside[..., None], to_uint8(result), source)
        images.append(finish(pixels, task=TASK, seed=seed, allowed=inside))
    response: dict[str, Any] = {"images": images}
    if request.return_mask:
        response["mask"] = encode_output(np.where(inside, 0, 255).astype(np.uint8), task=TASK)
    return response


def remove_object(image: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Fill `inside` (bool) of a uint8 RGB image from its surroundings; outside unchanged.

    Coarse fill, on a copy whose longer side is `WORK_SIDE`: `directional_fill`, which
    carries lines such as a horizon straight across the hole, smoothed. Fine fill: Telea
    inpainting at full size in a `BAND`-pixel strip along the mask's edge, so the coarse
    fill meets the untouched pixels without a visible step.
    """
    height, width = inside.shape
    if inside.all():  # nothing to continue from: a heavy blur keeps only the colours
        return cv2.GaussianBlur(image, (0, 0), max(height, width) / 12)
    top, bottom, left, right = _crop_box(inside, margin=max(16, max(height, width) // 16))
    crop, crop_inside = image[top:bottom, left:right], inside[top:bottom, left:right]
    crop_h, crop_w = crop_inside.shape
    small_size = work_size(crop_w, crop_h, WORK_SIDE)
    small = cv2.resize(crop, small_size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    small_mask = cv2.resize(crop_inside.astype(np.uint8), small_size, interpolation=cv2.INTER_AREA) > 0
    small_mask = cv2.dilate(small_mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    coarse = directional_fill(small, small_mask)
    blur = max(1.0, max(small_size) / 200)
    coarse = np.where(small_mask[..., None], cv2.GaussianBlur(coarse, (0, 0), blur), coarse)
    coarse = cv2.resize(coarse, (crop_w, crop_h), interpolation=cv2.INTER_CUBIC)
    work = np.where(crop_inside[..., None], to_uint8(coarse), crop)
    depth = cv2.distanceTransform(crop_inside.astype(np.uint8), cv2.DIST_L2, 3)
    band = (crop_inside & (depth <= BAND)).astype(np.uint8)
    fine = cv2.inpaint(work, band, 3, cv2.INPAINT_TELEA)
    out = image.copy()
    out[top:bottom, left:right] = np.where(crop_inside[..., None], fine, crop)
    return out


def _crop_box(inside: np.ndarray, *, margin: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the mask's bounding box plus `margin`, inside the image."""
    rows, cols = np.nonzero(inside.any(axis=1))[0], np.nonzero(inside.any(axis=0))[0]
    height, width = inside.shape
    return (
        max(0, rows[0] - margin),
        min(height, rows[-1] + 1 + margin),
        max(0, cols[0] - margin),
        min(width, cols[-1] + 1 + margin),
    )


def _add_life(filled: np.ndarray, original: np.ndarray, inside: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seeded soft light and grain inside the mask; grain as strong as the texture around it."""
    height, width = inside.shape
    ring = cv2.dilate(inside.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool) & ~inside
    detail = (original - cv2.GaussianBlur(original, (0, 0), 1.5))[ring]
    spread = 1.4826 * float(np.median(np.abs(detail - np.median(detail)))) if detail.size else 0.01  # robust σ
    amount = float(np.clip(spread, 0.004, 0.04))
    depth = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)
    fade_in = np.clip(depth / 24.0, 0, 1)[..., None]  # untouched at the seam
    light = 1 + 0.015 * smooth_noise(rng, width, height, cells=4)[..., None] * fade_in  # seeded soft light
    return np.where(inside[..., None], filled * light + grain(rng, width, height, amount), filled)


def _paint_prompt(
    filled: np.ndarray,
    inside: np.ndarray,
    text: str,
    negative: str | None,
    rng: np.random.Generator,
    seed: int,
    strength: float,
) -> np.ndarray:
    """Blend prompt-coloured content into the masked area, fading in from its edge.

    The content is the removal fill graded to the prompt's palette (so light and shade
    continue the surroundings) with soft shapes in the palette's colours on top.
    """
    top, bottom, left, right = _crop_box(inside, margin=0)
    palette = saturate(palette_from_text(text, negative, seed=seed), 0.75 + 0.5 * strength)
    context = filled[top:bottom, left:right]
    graded = gradient_map(np.clip(luminance(context), 0, 1), palette)
    content = paint_shapes(rng, palette, context * 0.35 + graded * 0.65, count=int(rng.integers(3, 7)))
    depth = cv2.distanceTransform(inside.astype(np.uint8), cv2.DIST_L2, 3)[top:bottom, left:right]
    ramp = max(3.0, 0.5 * float(depth.max()))
    alpha = np.clip(depth / ramp, 0, 1)[..., None]
    alpha = alpha * alpha * (3 - 2 * alpha) * (0.6 + 0.35 * strength)
    out = filled.copy()
    out[top:bottom, left:right] = context * (1 - alpha) + content * alpha
    return out
