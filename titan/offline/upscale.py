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

Limits (what the checks enforce; Bedrock's ValidationException stays the final word):

- fast: each side 32–1,536 px, 1,024–1,048,576 px in all, aspect ratio 1:2.5 to 2.5:1
  (Stability's spec for upscale/fast, as quoted by the Comfy Router schema
  stability/upscale-fast). Output is exactly 4× each side: at most 4096×4096 worth of
  pixels (16,777,216), though a 2.5:1 input makes a long side of up to 6,144 px.
- conservative: each side ≥ 64 px, 4,096–9,437,184 px in all. UNVERIFIED: the 9.4 MP
  maximum is the field spec of Stability's API reference as remembered, not found again
  in the sources at hand; Stability's summary of the older upscaler says "64×64 to
  1 megapixel". The larger figure is used so the preview never refuses what Bedrock may
  take. creativity 0.2–0.5, default 0.35 (Comfy and Omixa docs of Stability's API).
- creative: each side ≥ 64 px, 4,096–1,048,576 px in all, output up to 4K (AWS
  "Stability AI Image Services" page: "64x64 to 1 megapixel … to 4K resolution").
  creativity 0.1–0.5, default 0.3 (stability-services.md, kalleeh pydantic model).

Output size of conservative and creative (Stability documents only "4K"): scaled up,
keeping the aspect ratio, to about 9.4 MP (3072² px), the long side capped at 4,096 px,
never shrunk. A live run of the real services turned a 512² input into 3112² and 3152²
(a public client's live battery), within 5% of this rule; the brief's "~4 MP" guess was
not followed because that evidence is larger.

Memory: a 4K result is ~16.8 MP. The work is done in uint8 (48 MB per copy at 16.8 MP)
and float32 only in strips of rows; pass a uint8 image to also get a uint8 result and
avoid the 200 MB float32 copy.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from titan.errors import TitanValidationError

from ._common import colors_named_in, gradient_map, grain, luminance, palette_from_text

TASK = "UPSCALE"  # rng_for(seed, TASK, mode, prompt) makes the generator
MODES = ("fast", "conservative", "creative")
FAST_FACTOR = 4
FAST_SIDE_RANGE = (32, 1536)
FAST_PIXEL_RANGE = (1_024, 1_048_576)
FAST_MAX_ASPECT = 2.5
CONSERVATIVE_MIN_SIDE = 64
CONSERVATIVE_PIXEL_RANGE = (4_096, 9_437_184)
CREATIVE_MIN_SIDE = 64
CREATIVE_PIXEL_RANGE = (4_096, 1_048_576)
OUTPUT_MAX_SIDE = 4096  # "4K" for conservative and creative
OUTPUT_MAX_PIXELS = 4096 * 4096  # no mode ever returns more (fast: 16 × 1,048,576)
TARGET_PIXELS = 3072 * 3072  # conservative and creative aim here (about 9.4 MP)
CREATIVITY_RANGE = {"conservative": (0.2, 0.5), "creative": (0.1, 0.5)}
DEFAULT_CREATIVITY = {"conservative": 0.35, "creative": 0.3}
STRIP_ROWS = 256  # float32 work happens this many output rows at a time


# --- limits -----------------------------------------------------------------------------


def upscaled_size(width: int, height: int, mode: str) -> tuple[int, int]:
    """(width, height) of the result for an input of width×height in `mode`.

    fast: exactly 4× each side. conservative/creative: the aspect ratio kept, scaled to
    about `TARGET_PIXELS` with the long side at most `OUTPUT_MAX_SIDE`, never smaller than
    the input.
    """
    _check_mode(mode)
    if mode == "fast":
        return width * FAST_FACTOR, height * FAST_FACTOR
    factor = min(math.sqrt(TARGET_PIXELS / (width * height)), OUTPUT_MAX_SIDE / max(width, height))
    if factor <= 1:
        return width, height
    return min(OUTPUT_MAX_SIDE, math.floor(width * factor)), min(OUTPUT_MAX_SIDE, math.floor(height * factor))


def check_upscale_input(width: int, height: int, mode: str) -> None:
    """Raise `TitanValidationError` when a width×height image cannot be upscaled in `mode`."""
    _check_mode(mode)
    size = f"{width}×{height} px"
    pixels = width * height
    if mode == "fast":
        low, high = FAST_SIDE_RANGE
        aspect = max(width, height) / max(1, min(width, height))
        if not (low <= width <= high and low <= height <= high) or not _within(pixels, FAST_PIXEL_RANGE):
            raise TitanValidationError(
                "image",
                size,
                "32–1,536 px per side and at most 1,048,576 px in all (e.g. 1024×1024)",
                hint="resize the image first, or use conservative upscale for large images",
            )
        if aspect > FAST_MAX_ASPECT:
            raise TitanValidationError(
                "image", size, "an aspect ratio between 1:2.5 and 2.5:1", hint="crop the image closer to square"
            )
        return
    min_side, most, hint = _LARGE_LIMITS[mode]
    allowed = f"at least {min_side} px per side and at most {most}"
    if min(width, height) < min_side:
        raise TitanValidationError("image", size, allowed, hint=f"use an image at least {min_side} px on each side")
    if pixels > (CONSERVATIVE_PIXEL_RANGE if mode == "conservative" else CREATIVE_PIXEL_RANGE)[1]:
        raise TitanValidationError("image", size, allowed, hint=hint)


_LARGE_LIMITS = {  # mode: (minimum side, maximum in words, hint when too large)
    "conservative": (CONSERVATIVE_MIN_SIDE, "9,437,184 px in all (e.g. 3072×3072)", "shrink the image first"),
    "creative": (
        CREATIVE_MIN_SIDE,
        "1,048,576 px in all (1 megapixel, e.g. 1024×1024)",
        "shrink the image first, or use conservative upscale, which takes up to 9.4 megapixels",
    ),
}


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TitanValidationError("mode", mode, "fast, conservative or creative")


def _within(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _creativity(mode: str, creativity: float | None) -> float:
    """`creativity` checked against the mode's range, its default when None; 0 for fast."""
    if mode == "fast":
        return 0.0
    if creativity is None:
        return DEFAULT_CREATIVITY[mode]
    low, high = CREATIVITY_RANGE[mode]
    if not low <= creativity <= high:
        raise TitanValidationError("creativity", creativity, f"{low}–{high} for {mode} upscale")
    return float(creativity)


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
