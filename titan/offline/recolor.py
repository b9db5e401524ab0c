"""Search and Recolor offline: find what the words select, then give it the prompt's colour.

Stability's `search-recolor` finds an object from `select_prompt` and recolours it to
`prompt`. Offline there is no model that knows what a "car" is, so the words select by
what classical processing can see:

- a colour word ("the red car", "blue sky") selects the pixels of that colour: each
  pixel goes to the nearest of a few basic colour names in Lab (every chromatic name
  stands for its shades too, so a red car in shadow is still red), the pixels of the
  named colour are cleaned by morphology and small connected regions are dropped;
- otherwise (or when nothing of that colour is there) the salient subject, the same cut
  the offline background removal makes.

The selection grows by `grow` pixels (Stability's `grow_mask`). Recolouring keeps each
pixel's lightness and texture and moves its hue and chroma to the prompt's main colour;
the edge is feathered inside the grown region, and every pixel outside it is returned
bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np

from ._common import COLOR_WORDS, downscale, palette_from_text, smooth_noise, to_uint8, words_of
from .background_removal import clean_mask, subject_alpha  # the same cut as background removal

TASK = "SEARCH_RECOLOR"
GROW_RANGE = (0, 20)  # Stability's grow_mask (kalleeh/bedrock-image-mcp-server; some sources say 0–100)
DEFAULT_GROW = 5
WORK_SIDE = 384  # the selection is computed at most this large, then scaled up

#: The names a pixel can be told apart as. A named colour competes with these, so "red"
#: does not take the orange or brown pixels that are merely nearer to red than to nothing.
BASIC_NAMES = ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "white", "grey", "black")
SHADES = (0.45, 0.7, 1.0)  # a chromatic colour in shadow, half-light and full light
TINT = 0.35  # ... and lit brighter (mixed toward white)
ACHROMATIC_CHROMA = 12.0  # Lab chroma under which a colour is a grey: no shades
MATCH_DISTANCE = 38.0  # Lab ΔE: farther than this from the named colour is never selected
SAME_NAME_DISTANCE = 25.0  # a basic name this close to a named colour does not compete with it
MIN_SELECTED_FRACTION = 0.001  # less than this of the picture counts as "nothing of that colour"

LIGHTNESS_SHIFT = 0.7  # how far the region's mean lightness moves to the target's
CHROMA_SOFTNESS = 10.0  # Lab chroma added before taking ratios, so greys do not divide by ~0


# --- selection --------------------------------------------------------------------------


def select_region(image: np.ndarray, select_prompt: str, *, grow: int = DEFAULT_GROW) -> np.ndarray:
    """What `select_prompt` selects in float RGB `image` (H×W×3, 0..1): a boolean H×W mask.

    Colour words in the prompt select the pixels of those colours (nearest basic colour
    name in Lab, shades included, cleaned by morphology, small regions dropped); without
    colour words, or when the picture has nothing of those colours, the salient subject
    (`subject_alpha`) is selected. The result is dilated by `grow` px (0–20).
    """
    named = [COLOR_WORDS[word] for word in words_of(select_prompt) if word in COLOR_WORDS]
    selected = _colour_selection(image, named) if named else None
    if selected is None or selected.mean() < MIN_SELECTED_FRACTION:
        selected = subject_alpha(to_uint8(image)) >= 128
    return grow_region(selected, grow)


def grow_region(region: np.ndarray, grow: int) -> np.ndarray:
    """`region` dilated by `grow` pixels (a disc), `grow` clipped to 0–20 like grow_mask."""
    grow = int(np.clip(grow, *GROW_RANGE))
    if grow == 0:
        return region.astype(bool)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    return cv2.dilate(region.astype(np.uint8), disc) > 0


def _colour_selection(image: np.ndarray, named: list[tuple[int, int, int]]) -> np.ndarray:
    """Pixels (full size, bool) whose nearest colour name is one of `named`, cleaned."""
    height, width = image.shape[:2]
    small = downscale(image, WORK_SIDE)
    small = cv2.GaussianBlur(small, (0, 0), 1.0)  # noise and texture must not split a region
    lab = cv2.cvtColor(np.clip(small, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
    targets = [_lab_of(colour) for colour in named]
    rivals = [
        _lab_of(COLOR_WORDS[name])
        for name in BASIC_NAMES
        if all(np.linalg.norm(_lab_of(COLOR_WORDS[name]) - t) > SAME_NAME_DISTANCE for t in targets)
    ]
    to_named = _nearest_distance(lab, targets)
    to_rivals = _nearest_distance(lab, rivals) if rivals else np.full_like(to_named, np.inf)
    chosen = (to_named < to_rivals) & (to_named < MATCH_DISTANCE)
    chosen = clean_mask(chosen)
    if chosen.shape != (height, width):
        soft = cv2.resize(chosen.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
        chosen = soft >= 0.5
    return chosen


def _lab_of(colour: tuple[int, int, int] | np.ndarray) -> np.ndarray:
    rgb = np.asarray(colour, dtype=np.float32).reshape(1, 1, 3)
    if rgb.max() > 1.0:
        rgb = rgb / 255.0
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).reshape(3)


def _shades(lab: np.ndarray) -> list[np.ndarray]:
    """A colour and how it looks darker and lighter (Lab); greys stand only for themselves."""
    if np.hypot(lab[1], lab[2]) < ACHROMATIC_CHROMA:
        return [lab]
    rgb = cv2.cvtColor(lab.reshape(1, 1, 3).astype(np.float32), cv2.COLOR_Lab2RGB).reshape(3)
    variants = [rgb * k for k in SHADES] + [rgb + (1 - rgb) * TINT]
    return [_lab_of(np.clip(v, 0, 1)) for v in variants]


def _nearest_distance(lab: np.ndarray, colours: list[np.ndarray]) -> np.ndarray:
    """Per pixel, the Lab distance to the nearest shade of any of `colours`."""
    best = np.full(lab.shape[:2], np.inf, dtype=np.float32)
    for colour in colours:
        for shade in _shades(colour):
            np.minimum(best, np.linalg.norm(lab - shade, axis=2), out=best)
    return best


# --- recolouring ------------------------------------------------------------------------


def recolor(
    image: np.ndarray,
    region: np.ndarray,
    prompt: str,
    negative: str | None,
    rng: np.random.Generator,
    *,
    seed: int,
    grow: int = DEFAULT_GROW,
) -> np.ndarray:
    """`image` (float RGB 0..1) with `region` (bool H×W) recoloured to the prompt's main colour.

    The main colour is the first of `palette_from_text(prompt, negative, seed=seed)`. In
    Lab, the region's lightness moves part of the way to that colour's while each pixel
    keeps its own light and shade; hue and chroma become the colour's, scaled by how
    colourful the pixel was relative to the region (highlights stay pale). A smooth
    seeded field varies the colour slightly, so seeds differ.

    `region` is a selection grown by `grow` px. Its outer band (`grow` + 2 px) is
    feathered by colour: a band pixel is recoloured as much as it looks like the inside
    of the region rather than what lies just outside it (local means in Lab), so growing
    the selection softens its edge without a halo over the background. Pixels outside
    `region` are unchanged, bit for bit.
    """
    region = region.astype(bool)
    out = image.copy()
    if not region.any():
        return out
    target = _lab_of(palette_from_text(prompt, negative, seed=seed)[0])
    lab = cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
    recoloured = cv2.cvtColor(_shift_to(lab, region, target, rng), cv2.COLOR_Lab2RGB)
    alpha = _feather(lab, region, band=int(np.clip(grow, *GROW_RANGE)) + 2)[..., None]
    blended = image * (1 - alpha) + np.clip(recoloured, 0, 1) * alpha
    out[region] = blended[region].astype(image.dtype)
    return out


def _shift_to(lab: np.ndarray, region: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lab image whose region has `target`'s hue/chroma and (part of) its lightness."""
    height, width = region.shape
    inside = lab[region]
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    relative = (chroma + CHROMA_SOFTNESS) / (float(np.hypot(inside[:, 1], inside[:, 2]).mean()) + CHROMA_SOFTNESS)
    relative = np.clip(relative, 0.25, 1.5)
    jitter = smooth_noise(rng, width, height, cells=4, channels=2) * 3.0  # ±3 Lab units, seeded
    shifted = np.empty_like(lab)
    shifted[..., 0] = np.clip(lab[..., 0] + LIGHTNESS_SHIFT * (target[0] - float(inside[:, 0].mean())), 0, 100)
    shifted[..., 1] = (target[1] + jitter[..., 0]) * relative
    shifted[..., 2] = (target[2] + jitter[..., 1]) * relative
    return shifted


def _feather(lab: np.ndarray, region: np.ndarray, *, band: int) -> np.ndarray:
    """Recolouring weights 0..1: 1 inside, colour-matted in the outer `band` px, 0 outside."""
    distance = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
    core = distance > band
    if core.sum() < 0.2 * region.sum():  # a thin region: its own pixels are the best sample
        core = region
    sigma = 2.0 * band
    inside_colour = _local_mean(lab, core, sigma)
    outside_colour = _local_mean(lab, ~region, sigma)
    to_inside = np.linalg.norm(lab - inside_colour, axis=2)
    to_outside = np.linalg.norm(lab - outside_colour, axis=2)
    likeness = to_outside / np.maximum(to_inside + to_outside, 1e-3)
    likeness = np.clip((likeness - 0.25) / 0.5, 0, 1)  # clearly inside-coloured counts fully
    ramp = np.clip(distance / 1.5, 0, 1)  # never a hard step at the region's edge
    return np.where(core, 1.0, likeness * ramp).astype(np.float32) * region


def _local_mean(lab: np.ndarray, where: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-weighted mean Lab colour of the `where` pixels around each pixel."""
    weight = where.astype(np.float32)
    if not weight.any():
        return np.broadcast_to(lab.reshape(-1, 3).mean(axis=0), lab.shape)
    total = cv2.GaussianBlur(weight, (0, 0), sigma)
    mean = cv2.GaussianBlur(lab * weight[..., None], (0, 0), sigma) / np.maximum(total, 1e-6)[..., None]
    far = total < 1e-3  # nothing of `where` nearby: use its global mean
    if far.any():
        mean[far] = lab[where].mean(axis=0)
    return mean
