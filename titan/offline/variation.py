"""IMAGE_VARIATION offline: seeded variations whose distance from the references follows similarityStrength.

Each reference is resized to cover the output size, warped by a smooth seeded
displacement field, and the references are mixed region by region (smooth seeded
weight maps, the first reference weighted most). Then colours are jittered (hue,
saturation, brightness), part of the picture is "repainted" (low-resolution median
filter) and grain is added. Every amplitude scales with ``1 - similarityStrength``:
0.2 gives loose variations, 1.0 near copies. Optional `text` grades the colours toward
the prompt's palette.

Output size: width/height from imageGenerationConfig, else 1024×1024 (the service
default), the references being cropped to that aspect ratio rather than distorted.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import (
    decode_rgb,
    finish,
    fit_cover,
    generation_config,
    gradient_map,
    grain,
    luminance,
    palette_from_text,
    rng_for,
    smooth_noise,
    smooth_warp,
)

TASK = "IMAGE_VARIATION"
DEFAULT_SIMILARITY = 0.7
MIN_VARIATION = 0.03  # even at similarity 1.0, seeds still differ a little


def run(request: Any) -> dict[str, Any]:
    """Answer a variation request: one variation per image, seed + i for image i."""
    config = generation_config(request)
    width, height = config.size()
    references = [
        fit_cover(decode_rgb(image, field=f"images[{i}]"), width, height) for i, image in enumerate(request.images)
    ]
    similarity = request.similarity_strength
    amount = variation_amount(float(DEFAULT_SIMILARITY if similarity is None else similarity))
    text, negative = request.text, request.negative_text
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK, text or "", negative or "")
        picture = vary(references, amount, rng)
        if text:
            palette = palette_from_text(text, negative, seed=seed)
            graded = gradient_map(np.clip(luminance(picture), 0, 1), palette)
            picture = picture * (1 - 0.35 * amount) + graded * 0.35 * amount
        images.append(finish(picture, task=TASK, seed=seed))
    return {"images": images}


def variation_amount(similarity: float) -> float:
    """How far to move from the references: ``1 - similarityStrength``, at least a little."""
    return max(MIN_VARIATION, 1.0 - float(np.clip(similarity, 0.0, 1.0)))


def vary(references: list[np.ndarray], amount: float, rng: np.random.Generator) -> np.ndarray:
    """One variation of same-size float RGB `references`, `amount` 0 (copy) … 0.8 (loose)."""
    height, width = references[0].shape[:2]
    reach = 0.08 * amount * min(height, width)  # up to ~8% of the short side at amount 1
    warped = [smooth_warp(ref, reach, rng) for ref in references]
    picture = _mix(warped, rng) if len(warped) > 1 else warped[0]
    picture = _jitter_colours(picture, amount, rng)
    picture = _repaint(picture, amount)
    picture = picture + grain(rng, width, height, 0.03 * amount)
    return np.clip(picture, 0, 1).astype(np.float32)


def _mix(images: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Blend several references region by region with smooth seeded weights."""
    height, width = images[0].shape[:2]
    logits = [smooth_noise(rng, width, height, cells=3) * 1.5 + (1.0 if i == 0 else 0.0) for i in range(len(images))]
    weights = np.exp(np.stack(logits) * 1.5)
    weights /= weights.sum(axis=0, keepdims=True)
    return np.einsum("khw,khwc->hwc", weights.astype(np.float32), np.stack(images)).astype(np.float32)


def _jitter_colours(image: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Rotate hue, scale saturation and shift brightness/contrast, scaled by `amount`."""
    hue_shift = rng.normal() * 40.0 * amount
    saturation = max(0.0, 1.0 + rng.normal() * 0.45 * amount)
    brightness = rng.normal() * 0.12 * amount
    contrast = max(0.3, 1.0 + rng.normal() * 0.3 * amount)
    hsv = cv2.cvtColor(np.clip(image, 0, 1), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + hue_shift) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0, 1)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return (rgb - 0.5) * contrast + 0.5 + brightness


def _repaint(image: np.ndarray, amount: float) -> np.ndarray:
    """Blend in a painterly copy (median filter at low resolution), weight grows with `amount`."""
    height, width = image.shape[:2]
    small_size = (max(8, width // 4), max(8, height // 4))
    small = cv2.resize(np.clip(image, 0, 1), small_size, interpolation=cv2.INTER_AREA)
    painted = cv2.medianBlur((small * 255).astype(np.uint8), 5).astype(np.float32) / 255.0
    painted = cv2.resize(painted, (width, height), interpolation=cv2.INTER_CUBIC)
    weight = min(1.0, 0.7 * amount)
    return image * (1 - weight) + painted * weight
