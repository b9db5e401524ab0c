"""Style Transfer and Style Guide offline: colour statistics and texture taken from a style image.

Stability's `style-transfer` repaints `init_image` in the style of `style_image`;
`style-guide` generates a new picture from a prompt in the style of a reference image.
Offline, "style" is what classical processing can measure and move:

- colour: Reinhard et al. (2001), "Color Transfer between Images": each Lab channel of
  the picture is shifted and scaled so its mean and standard deviation become the style
  image's (a weight moves them only part of the way; a spread changes at most 2.5×).
  The transform is tuned on a sample so that, after the colours are brought into the
  sRGB gamut, the statistics are still reached; out-of-gamut colours lose chroma, never
  lightness, and lightness beyond black or white is rolled off, so light and shade keep
  their order;
- texture: the style image's fine detail (its lightness minus a blurred copy) at the
  output's scale, re-laid as seeded overlapping patches (a simple image quilting) so the
  style's grain and strokes show but not its shapes, added to the picture's lightness;
- brush work: an edge-preserving smoothing (repeated bilateral filter) that flattens
  small detail the way paint does, and a small seeded warp of the layout.

Style Transfer weights these by `style_strength` (everything), `change_strength`
(texture and brush work) and `composition_fidelity` (at 1 only the colours change).
Style Guide renders the prompt's scene as TEXT_IMAGE does, then applies the reference's
colour and texture by `fidelity`.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from ._common import downscale, fit_cover, palette_from_text, smooth_warp, words_of
from .text_image import ABSTRACT_WORDS, render_scene, saturate

TASK_TRANSFER = "STYLE_TRANSFER"
TASK_GUIDE = "STYLE_GUIDE"
STATS_SIDE = 256  # colour statistics are measured on copies at most this large
MAX_STRETCH = 2.5  # at most this factor between a channel's spread before and after
KNEE = 12.0  # Lab lightness units near black and white where lightness is rolled off, not clipped
GAMUT_STEPS = 8  # rounds of tuning the Reinhard transform against the RGB gamut
TEXTURE_SIGMA = 2.0  # px at 1024: the scale of "fine detail" taken from the style image
TEXTURE_CAP = 0.35  # the added texture's contrast, at most, relative to the picture's lightness contrast
PATCH_SIDE = 96  # px at 1024: the texture patches re-laid from the style image
PALETTE_SATURATION = 1.14  # what TEXT_IMAGE applies at its default cfgScale 8


# --- Style Transfer ---------------------------------------------------------------------


def transfer_style(
    content: np.ndarray,
    style: np.ndarray,
    *,
    style_strength: float = 1.0,
    composition_fidelity: float = 0.9,
    change_strength: float = 0.9,
    rng: np.random.Generator,
) -> np.ndarray:
    """`content` (float RGB 0..1) repainted with the colours and texture of `style` (any size).

    - `style_strength` 0..1 weights everything; 0 returns `content` unchanged.
    - Colour: Reinhard transfer in Lab, statistics moved `style_strength` of the way.
    - `change_strength` 0.1..1: how much texture and brush work are added.
    - `composition_fidelity` 0..1: how much of the content's composition survives. The
      style's texture is weighted by √(1 − fidelity), the brush work and a seeded warp of
      the layout by (1 − fidelity): at 1 only the colours change and the content's light
      and shade keep their order (and `rng` is not used).
    """
    strength = float(np.clip(style_strength, 0, 1))
    if strength == 0:
        return content.astype(np.float32, copy=True)
    fidelity = float(np.clip(composition_fidelity, 0, 1))
    change = float(np.clip(change_strength, 0, 1)) * strength
    height, width = content.shape[:2]
    loosen = change * (1 - fidelity)
    picture = smooth_warp(content.astype(np.float32), 0.03 * loosen * min(height, width), rng)
    picture = _brush(picture, loosen)
    return restyle(picture, style, strength, texture=change * math.sqrt(1 - fidelity), rng=rng)


def restyle(
    picture: np.ndarray, style: np.ndarray, weight: float, *, texture: float, rng: np.random.Generator
) -> np.ndarray:
    """`picture` with `style`'s colour statistics (Reinhard, `weight` of the way) and texture (× `texture`).

    The statistics are reached first, then the texture is added to the lightness at the
    style's own contrast (at most `TEXTURE_CAP` of the picture's), then the same
    statistics are reached again so the texture does not push them off.
    """
    target = colour_target(picture, style, weight)
    picture = reach_statistics(picture, target)
    if texture > 0:
        height, width = picture.shape[:2]
        lab = _lab(picture)
        detail = style_texture(style, width, height, rng) * texture
        # the texture may not drown the picture's own light and shade
        detail *= min(1.0, TEXTURE_CAP * float(lab[..., 0].std()) / max(float(detail.std()), 1e-6))
        lab[..., 0] += detail
        picture = reach_statistics(_to_rgb(lab), target)
    return picture


def colour_target(picture: np.ndarray, reference: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Lab (mean, std) per channel `weight` of the way from `picture`'s to `reference`'s.

    A channel's spread is stretched or squeezed at most `MAX_STRETCH` times: beyond that
    Reinhard's transfer turns the noise of a flat sky into confetti.
    """
    mean, std = _lab_statistics(_lab(_sample(picture)))
    ref_mean, ref_std = _lab_statistics(_lab(_sample(reference)))
    ref_std = np.clip(ref_std, std / MAX_STRETCH, std * MAX_STRETCH)
    return mean + weight * (ref_mean - mean), std + weight * (ref_std - std)


def reach_statistics(picture: np.ndarray, target: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Reinhard colour transfer: shift and scale each Lab channel to the target mean and std.

    Clipping back into the RGB gamut undoes part of the transform (a stretched chroma is
    cut off), so the transform's own mean and std are tuned first, on a sample of the
    pixels, until the clipped result has the target statistics (or as near as the gamut
    allows); then it is applied once to the whole picture.
    """
    target_mean, target_std = target
    sample = _lab(_sample(picture))
    mean, std = _lab_statistics(sample)
    scale = 1 / np.maximum(std, 1e-3)
    applied_mean, applied_std = target_mean.copy(), target_std.copy()
    for _ in range(GAMUT_STEPS):
        reached_mean, reached_std = _lab_statistics(_lab(_to_rgb((sample - mean) * scale * applied_std + applied_mean)))
        applied_mean += target_mean - reached_mean
        applied_std = np.minimum(applied_std * target_std / np.maximum(reached_std, 1e-3), 3 * target_std + 1)
    return _to_rgb((_lab(picture) - mean) * scale * applied_std + applied_mean)


def _sample(picture: np.ndarray) -> np.ndarray:
    """Every n-th pixel in both directions, at most about STATS_SIDE² pixels (unbiased statistics)."""
    stride = max(1, round(max(picture.shape[:2]) / STATS_SIDE))
    return np.ascontiguousarray(picture[::stride, ::stride])


def _lab_statistics(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of a Lab image."""
    flat = lab.reshape(-1, 3)
    return flat.mean(axis=0), flat.std(axis=0)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(rgb, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)


def style_texture(style: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """The style image's fine lightness detail (Lab L units, zero mean) as a width×height texture.

    The style is resized to cover width×height (so detail keeps its scale), its lightness
    high-passed, then re-laid as seeded random patches with half-overlapping raised-cosine
    windows (a simple image quilting): the texture's grain and strokes survive, the style
    image's own shapes do not show through as ghosts.
    """
    lightness = _lab(fit_cover(style, width, height))[..., 0]
    sigma = max(1.0, TEXTURE_SIGMA * max(width, height) / 1024)
    detail = lightness - cv2.GaussianBlur(lightness, (0, 0), sigma)
    return _quilt(detail, rng)


def _quilt(detail: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`detail` re-laid as random overlapping patches, same size, amplitude kept."""
    height, width = detail.shape
    patch = max(2, min(PATCH_SIDE * max(height, width) // 1024, min(height, width) // 2) // 2 * 2)  # even
    step = patch // 2
    window = np.sin(np.pi * (np.arange(patch, dtype=np.float32) + 0.5) / patch) ** 2
    window = np.outer(window, window)
    rows, cols = -(-height // step) + 1, -(-width // step) + 1
    out = np.zeros((rows * step + patch, cols * step + patch), dtype=np.float32)
    weight = np.zeros_like(out)
    ys = rng.integers(0, height - patch + 1, size=(rows, cols))
    xs = rng.integers(0, width - patch + 1, size=(rows, cols))
    for r in range(rows):
        for c in range(cols):
            y, x = ys[r, c], xs[r, c]
            here = np.s_[r * step : r * step + patch, c * step : c * step + patch]
            out[here] += detail[y : y + patch, x : x + patch] * window
            weight[here] += window * window
    offset = step  # the first half-patch row/column has only one window over it
    out = out[offset : offset + height, offset : offset + width]
    return out / np.sqrt(np.maximum(weight[offset : offset + height, offset : offset + width], 1e-6))


def _brush(picture: np.ndarray, amount: float) -> np.ndarray:
    """Blend in an edge-preserving smoothed copy ("paint"), weight `amount` 0..1."""
    if amount <= 0.01:
        return picture
    small = downscale(picture, 512)
    painted = small
    for _ in range(3):
        painted = cv2.bilateralFilter(painted, 7, 0.12, 4)
    height, width = picture.shape[:2]
    if painted.shape[:2] != (height, width):
        painted = cv2.resize(painted, (width, height), interpolation=cv2.INTER_CUBIC)
    return picture * (1 - amount) + painted * amount


def _to_rgb(lab: np.ndarray) -> np.ndarray:
    """Lab to RGB 0..1 keeping lightness: a colour outside the RGB gamut loses chroma, not lightness.

    OpenCV clips RGB channels one by one, which changes a pixel's lightness (and so the
    picture's structure); instead each pixel's chroma is first limited to the most its
    lightness and hue allow in sRGB (`_chroma_limits`). Lightness beyond 0..100 is rolled
    off smoothly rather than cut, so shadows pushed below black stay apart.
    """
    lab = lab.astype(np.float32, copy=True)
    lab[..., 0] = _soft_clip_lightness(lab[..., 0])
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.rint(np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))).astype(np.int32) % 360
    limit = _chroma_limits()[np.rint(lab[..., 0]).astype(np.int32), hue]
    factor = np.minimum(1.0, limit / np.maximum(chroma, 1e-6))
    lab[..., 1:] *= factor[..., None]
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0, 1)


def _soft_clip_lightness(lightness: np.ndarray) -> np.ndarray:
    """Lightness into 0..100: unchanged in the middle, an exponential roll-off in the outer `KNEE` units."""
    low, high = KNEE, 100 - KNEE
    out = np.where(lightness < low, low * np.exp((np.minimum(lightness, low) - low) / low), lightness)
    return np.where(lightness > high, 100 - KNEE * np.exp((high - np.maximum(lightness, high)) / KNEE), out)


@functools.cache
def _chroma_limits() -> np.ndarray:
    """The largest Lab chroma inside sRGB for each whole lightness 0..100 and hue 0..359°.

    Found once by bisection: a colour is inside when OpenCV's RGB for it converts back
    to it (OpenCV clamps what is outside). Bins are made safe by taking the smallest
    limit of each bin and its neighbours.
    """
    lightness, hue = np.meshgrid(np.arange(101, dtype=np.float32), np.radians(np.arange(360, dtype=np.float32)))
    inside, outside = np.zeros_like(lightness), np.full_like(lightness, 200.0)
    for _ in range(14):
        chroma = (inside + outside) / 2
        lab = np.dstack([lightness, chroma * np.cos(hue), chroma * np.sin(hue)])
        back = cv2.cvtColor(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), cv2.COLOR_RGB2Lab)
        fits = (np.abs(back - lab) < 0.5).all(axis=2)
        inside, outside = np.where(fits, chroma, inside), np.where(fits, outside, chroma)
    limits = inside.T  # (lightness, hue)
    safe = np.minimum.reduce([limits, np.roll(limits, 1, axis=1), np.roll(limits, -1, axis=1)])
    safe[1:] = np.minimum(safe[1:], safe[:-1].copy())
    safe[:-1] = np.minimum(safe[:-1], safe[1:].copy())
    return safe.astype(np.float32)


# --- Style Guide ------------------------------------------------------------------------


def style_guide(
    reference: np.ndarray,
    prompt: str,
    negative: str | None,
    width: int,
    height: int,
    *,
    fidelity: float = 0.5,
    rng: np.random.Generator,
    seed: int,
) -> np.ndarray:
    """A width×height picture of the prompt in the style of `reference` (float RGB 0..1).

    The scene is TEXT_IMAGE's: `render_scene` with the prompt's palette (colours named in
    `negative` left out), saturated as at the default cfgScale. Then, by `fidelity` 0..1,
    its Lab statistics move toward the reference's (Reinhard) and the reference's fine
    texture is added to its lightness. At 0 it is the plain render.
    """
    weight = float(np.clip(fidelity, 0, 1))
    palette = saturate(palette_from_text(prompt, negative, seed=seed), PALETTE_SATURATION)
    abstract = bool(ABSTRACT_WORDS & set(words_of(prompt)))
    picture = render_scene(rng, palette, width, height, abstract=abstract)
    if weight == 0:
        return picture
    return restyle(picture, reference, weight, texture=0.8 * weight, rng=rng)
