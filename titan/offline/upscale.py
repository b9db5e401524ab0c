"""Fast, Conservative and Creative Upscale offline: Lanczos resampling, unsharp masking, a little grading.

Stability's three upscalers are diffusion models; offline they are classical resampling:

- fast: exactly 4× with Lanczos (8×8 windowed sinc, `cv2.INTER_LANCZOS4`), then an
  unsharp mask so edges look as crisp as the original's did at its own size;
- conservative: Lanczos to the target size (see `upscaled_size`), an unsharp mask, a
  little grade toward the colours the prompt names and a faint seeded grain, both
  weighted by `creativity` (0.2–0.5);
- creative: as conservative, with a stronger, two-scale sharpening, seeded "invented"
  detail (noise at the scale of one input pixel, resampled like the picture) and a
  stronger grade, all weighted by `creativity` (0.1–0.5).

Limits, creativity ranges and output sizes are the task's (`titan.tasks.upscale.UPSCALERS`
and `upscaled_size`): the preview refuses exactly what the app refuses.

Memory: a 4K result is ~16.8 MP. The work is done in uint8 (48 MB per copy at 16.8 MP)
and float32 only in strips of rows; pass a uint8 image to also get a uint8 result and
avoid the 200 MB float32 copy.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from titan.errors import TitanValidationError
from titan.tasks.upscale import OUTPUT_MAX_SIDE, TARGET_PIXELS, UPSCALERS, upscaled_size

from ._common import (
    colors_named_in,
    decode_rgb,
    finish,
    generation_config,
    gradient_map,
    grain,
    luminance,
    palette_from_text,
    rng_for,
    to_uint8,
)

__all__ = [
    "OUTPUT_MAX_PIXELS",
    "OUTPUT_MAX_SIDE",
    "TARGET_PIXELS",
    "check_upscale_input",
    "run",
    "upscale",
    "upscaled_size",
]

TASK = "UPSCALE"  # rng_for(seed, TASK, mode, prompt) makes the generator
OUTPUT_MAX_PIXELS = 4096 * 4096  # no mode ever returns more (fast: 16 × 1,048,576)
STRIP_ROWS = 256  # float32 work happens this many output rows at a time


def run(request: Any) -> dict[str, Any]:
    """Answer an upscale request: one image per seed, worked in uint8 (a 4K result is 48 MB)."""
    mode = request.upscaler or "fast"
    pixels = to_uint8(decode_rgb(request.image))
    seeds = generation_config(request).seeds() if mode != "fast" else [None]
    images = []
    for seed in seeds:
        rng = rng_for(seed or 0, TASK, mode, request.text or "")
        big = upscale(pixels, mode=mode, creativity=request.creativity, prompt=request.text, rng=rng,
                      negative=request.negative_text)  # fmt: skip
        images.append(finish(big, task=TASK, seed=seed))
        del big
    return {"images": images, "seeds": seeds}  # fast takes no seed


def check_upscale_input(width: int, height: int, mode: str) -> None:
    """Raise `TitanValidationError` when a width×height image cannot be upscaled in `mode`."""
    _upscaler(mode).check_size(mode, width, height)


def _upscaler(mode: str) -> Any:
    if mode not in UPSCALERS:
        raise TitanValidationError("mode", mode, "fast, conservative or creative")
    return UPSCALERS[mode]


def _creativity(mode: str, creativity: float | None) -> float:
    """`creativity` checked against the mode's range, its default when None; 0 for fast."""
    upscaler = _upscaler(mode)
    if upscaler.creativity is None:
        return 0.0
    upscaler.check_creativity(mode, creativity)
    return float(upscaler.default_creativity if creativity is None else creativity)


# --- the upscale ------------------------------------------------------------------------


def upscale(
    image: np.ndarray,
    *,
    mode: str,
    creativity: float | None,
    prompt: str | None,
    rng: np.random.Generator,
    negative: str | None = None,
) -> np.ndarray:
    """`image` (H×W×3, float32 0..1 or uint8) upscaled in `mode`; the result has the input's dtype.

    fast: Lanczos 4× + unsharp mask (no randomness, `rng` unused, like the service's
    seedless fast upscale). conservative: Lanczos to `upscaled_size`, unsharp mask, a
    grade toward the colours the prompt names (none when it names none, `negative`'s
    colours left out) and a faint seeded grain, weighted by `creativity`. creative: the
    same with stronger two-scale sharpening, seeded detail and a stronger grade.
    Raises `TitanValidationError` for sizes or creativity outside the limits.
    """
    height, width = image.shape[:2]
    check_upscale_input(width, height, mode)
    amount = _creativity(mode, creativity)
    out_width, out_height = upscaled_size(width, height, mode)
    pixels = image if image.dtype == np.uint8 else _to_uint8_in_strips(image)
    big = cv2.resize(pixels, (out_width, out_height), interpolation=cv2.INTER_LANCZOS4)
    del pixels
    factor = out_width / width
    _unsharp(big, sigma=max(0.6, 0.35 * factor), amount=0.7 if mode == "fast" else 0.5 + amount)
    if mode == "creative":
        _unsharp(big, sigma=max(1.5, 1.5 * factor), amount=0.5 * amount)  # "clarity": local contrast
    if mode != "fast":
        _grade_and_detail(big, (width, height), mode, amount, prompt, negative, rng)
    if image.dtype == np.uint8:
        return big
    result = big.astype(np.float32)
    del big
    result *= np.float32(1 / 255)
    return result


def _to_uint8_in_strips(image: np.ndarray) -> np.ndarray:
    """Float 0..1 to uint8, a strip at a time (no full-size float temporaries)."""
    out = np.empty(image.shape, dtype=np.uint8)
    for top in range(0, image.shape[0], STRIP_ROWS):
        strip = image[top : top + STRIP_ROWS]
        out[top : top + STRIP_ROWS] = np.clip(strip * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


def _unsharp(image: np.ndarray, *, sigma: float, amount: float) -> None:
    """Unsharp mask in place on uint8: image + amount × (image − Gaussian blur), saturated."""
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    cv2.addWeighted(image, 1 + amount, blurred, -amount, 0, dst=image)


def _grade_and_detail(
    big: np.ndarray,
    source_size: tuple[int, int],
    mode: str,
    amount: float,
    prompt: str | None,
    negative: str | None,
    rng: np.random.Generator,
) -> None:
    """In place, strip by strip: palette grade, seeded detail (creative) and grain."""
    height, width = big.shape[:2]
    palette = palette_from_text(prompt, negative) if colors_named_in(prompt) else None
    creative = mode == "creative"
    grade = (0.6 if creative else 0.25) * amount
    detail = _invented_detail(source_size, (width, height), 0.09 * amount, rng) if creative else None
    grain_amount = (0.03 if creative else 0.015) * amount
    for top in range(0, height, STRIP_ROWS):
        bottom = min(height, top + STRIP_ROWS)
        strip = big[top:bottom].astype(np.float32)
        strip *= np.float32(1 / 255)
        if palette is not None:
            strip += grade * (gradient_map(np.clip(luminance(strip), 0, 1), palette) - strip)
        if detail is not None:
            strip += detail[top:bottom, :, None]
        strip += grain(rng, width, bottom - top, grain_amount)
        big[top:bottom] = np.clip(strip * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _invented_detail(
    source_size: tuple[int, int], size: tuple[int, int], amplitude: float, rng: np.random.Generator
) -> np.ndarray:
    """Seeded texture (H×W float32, std ≈ `amplitude`) whose grain is one input pixel, Lanczos-resampled."""
    noise = rng.standard_normal((source_size[1], source_size[0]), dtype=np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 0.6)
    noise *= np.float32(amplitude / max(float(noise.std()), 1e-6))
    return cv2.resize(noise, size, interpolation=cv2.INTER_LANCZOS4)
