"""OUTPAINTING offline: keep the black (inside) area of a Titan mask, generate the white area.

The new area continues the kept picture. At low resolution the kept edge is stretched
outward along rows and columns (`directional_fill`: a sky stays a sky, a horizon runs
on), corners are diffused, and the result is blurred more the farther it is from the
kept region. Over it goes the fine texture of the picture mirrored across its edge
(strong edges suppressed, so objects are not duplicated), and the far area is graded
toward the prompt's palette. A seeded mirror line, soft light variation and grain make
every seed different. A mask with nothing kept gets a composition from the prompt.

PRECISE keeps the kept pixels bit-identical; DEFAULT also softens a few pixels on both
sides of the seam, like Titan's default mode may. The preview mark is placed inside the
generated area so kept pixels stay untouched.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

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
    to_uint8,
)
from .text_image import render_scene, saturate

TASK = "OUTPAINTING"
DEFAULT_MODE = "DEFAULT"
SEAM = 4  # px softened on each side of the seam in DEFAULT mode


def run(request: Any) -> dict[str, Any]:
    """Answer an outpainting request (paddings or a canvas and its mask); seed + i for image i."""
    request = request.padded()
    config = generation_config(request)
    image = decode_rgb(request.image)
    height, width = image.shape[:2]
    keep = decode_mask(request.mask_image, (width, height))
    precise = (request.mode or DEFAULT_MODE) == "PRECISE"
    text, negative = request.text, request.negative_text
    source = to_uint8(image)
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK, text or "", negative or "")
        palette = saturate(
            palette_from_text(text, negative, seed=seed),
            0.7 + 0.5 * config.prompt_strength,
        )
        generated = extend(image, keep, palette, rng)
        pixels = np.where(keep[..., None], source, to_uint8(generated))
        if not precise:
            pixels = _soften_seam(pixels, keep)
        images.append(finish(pixels, task=TASK, seed=seed, allowed=~keep))
    response: dict[str, Any] = {"images": images}
    if request.return_mask:
        response["mask"] = encode_output(np.where(keep, 0, 255).astype(np.uint8), task=TASK)
    return response


def extend(image: np.ndarray, keep: np.ndarray, palette: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Float RGB where the non-kept area continues the kept content (kept pixels unchanged).

    The kept edge is stretched outward (rows and columns, `directional_fill`) and blurred,
    so a sky stays a sky and a horizon runs on; the fine texture of the picture mirrored
    across its edge is laid over it, and the far area is graded toward the prompt's palette.
    """
    height, width = keep.shape
    if keep.all():
        return image
    if not keep.any():
        return render_scene(rng, palette, width, height)
    smooth = _coarse_fill(image, keep)
    mirrored = _mirror(smooth, keep, rng)
    distance = cv2.distanceTransform((~keep).astype(np.uint8), cv2.DIST_L2, 3)
    reach = 0.25 * min(width, height)
    near = np.exp(-distance / reach)[..., None]
    texture = _fine_texture(mirrored)
    out = smooth + texture * (0.4 + 0.5 * near)
    graded = gradient_map(np.clip(luminance(out), 0, 1), palette)
    tint = 0.4 * (1 - near) * np.clip(distance / 8, 0, 1)[..., None]
    out = out * (1 - tint) + graded * tint
    variation = 1 + 0.05 * smooth_noise(rng, width, height, cells=10)[..., None] * (1 - near)
    out = out * variation + grain(rng, width, height, 0.006)
    return np.where(keep[..., None], image, np.clip(out, 0, 1)).astype(np.float32)


def _fine_texture(image: np.ndarray, *, level: float = 0.03) -> np.ndarray:
    """High-pass detail with strong edges suppressed: grain and texture carry over, objects do not."""
    detail = image - cv2.GaussianBlur(image, (0, 0), 3.0)
    return detail / (1 + (detail / level) ** 2)


def _coarse_fill(image: np.ndarray, keep: np.ndarray, *, work_side: int = 256) -> np.ndarray:
    """Stretch the kept content outward at low resolution, blur it, upscale it."""
    height, width = keep.shape
    scale = min(1.0, work_side / max(width, height))
    size = (max(4, round(width * scale)), max(4, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_keep = cv2.resize(keep.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.99
    if not small_keep.any():
        small_keep = cv2.resize(keep.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    filled = directional_fill(small, ~small_keep)
    distance = cv2.distanceTransform((~small_keep).astype(np.uint8), cv2.DIST_L2, 3)[..., None]
    soft, softer = cv2.GaussianBlur(filled, (0, 0), 1.5), cv2.GaussianBlur(filled, (0, 0), 6.0)
    far = np.clip(distance / (0.15 * max(size)), 0, 1)
    filled = np.where(small_keep[..., None], filled, soft * (1 - far) + softer * far)
    filled = cv2.resize(filled, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.where(keep[..., None], image, filled).astype(np.float32)


def _mirror(smooth: np.ndarray, keep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reflect the kept region's bounding box outward to the whole canvas, seeded shift."""
    height, width = keep.shape
    rows, cols = np.nonzero(keep.any(axis=1))[0], np.nonzero(keep.any(axis=0))[0]
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = smooth[top:bottom, left:right]
    shift = int(rng.integers(0, max(1, min(crop.shape[:2]) // 8)))  # different seeds mirror from a different line
    if shift and min(crop.shape[:2]) > 2 * shift + 2:
        crop = crop[shift : crop.shape[0] - shift, shift : crop.shape[1] - shift]
        top, left = top + shift, left + shift
        bottom, right = bottom - shift, right - shift
    border = cv2.BORDER_REFLECT_101 if min(crop.shape[:2]) > 1 else cv2.BORDER_REPLICATE
    mirrored = cv2.copyMakeBorder(crop, int(top), int(height - bottom), int(left), int(width - right), border)
    return mirrored


def _soften_seam(pixels: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Blend a few pixels on both sides of the kept/generated border (DEFAULT mode)."""
    keep_u8 = keep.astype(np.uint8)
    to_edge = np.where(
        keep, cv2.distanceTransform(keep_u8, cv2.DIST_L2, 3), cv2.distanceTransform(1 - keep_u8, cv2.DIST_L2, 3)
    )
    weight = np.clip(1 - to_edge / SEAM, 0, 1)[..., None] * 0.6
    if not weight.any():
        return pixels
    blurred = cv2.GaussianBlur(pixels, (0, 0), 1.5).astype(np.float32)
    out = pixels * (1 - weight) + blurred * weight
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
