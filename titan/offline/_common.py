"""Shared pieces of the offline preview engine: config, seeds, palettes, the mark, PNG output.

Seeds: image ``i`` of a batch is made with seed ``seed + i`` (``seed`` from
imageGenerationConfig, default 42). The app records each image's own seed this way, so
asking again for one image with that seed reproduces it bit for bit. Every random draw
goes through `rng_for`, which also mixes in the task name and the prompt: the same
request always gives the same bytes, a different seed or prompt gives a different image.

Every output is marked twice as not being Titan's: a small "offline preview" text in a
corner of the pixels (`add_mark`) and PNG iTXt metadata (`encode_output`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from titan.images import decode_image_b64, encode_png_b64, to_rgb

ENGINE_NAME = "offline"
NOTICE = "Offline preview — not Titan output"
MARK_TEXT = "offline preview"
METADATA = {"titan:engine": ENGINE_NAME, "titan:notice": NOTICE}

DEFAULT_NUMBER_OF_IMAGES = 1
DEFAULT_SIZE = (1024, 1024)
DEFAULT_SEED = 42
DEFAULT_CFG_SCALE = 8.0
CFG_RANGE = (1.1, 10.0)

RGB = tuple[int, int, int]


# --- request config ---------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationConfig:
    """imageGenerationConfig with the service defaults filled in.

    `width`/`height` stay None when absent: each task picks its own default size.
    """

    number_of_images: int = DEFAULT_NUMBER_OF_IMAGES
    width: int | None = None
    height: int | None = None
    seed: int = DEFAULT_SEED
    cfg_scale: float = DEFAULT_CFG_SCALE

    def seeds(self) -> list[int]:
        """One seed per image: ``seed + i`` for image ``i``."""
        return [self.seed + i for i in range(self.number_of_images)]

    def size(self, default: tuple[int, int] = DEFAULT_SIZE) -> tuple[int, int]:
        """(width, height), falling back to `default` when either is absent."""
        if self.width and self.height:
            return int(self.width), int(self.height)
        return default

    @property
    def prompt_strength(self) -> float:
        """cfgScale mapped to 0..1: how strongly the prompt's palette is applied."""
        low, high = CFG_RANGE
        return float(np.clip((self.cfg_scale - low) / (high - low), 0.0, 1.0))


def generation_config(request: Any) -> GenerationConfig:
    """The settings of a request, with the service defaults for what it leaves unset."""
    seed = getattr(request, "seed", None)
    cfg_scale = getattr(request, "cfg_scale", None)
    return GenerationConfig(
        number_of_images=int(getattr(request, "number_of_images", None) or DEFAULT_NUMBER_OF_IMAGES),
        width=getattr(request, "width", None),
        height=getattr(request, "height", None),
        seed=int(DEFAULT_SEED if seed is None else seed),
        cfg_scale=float(DEFAULT_CFG_SCALE if cfg_scale is None else cfg_scale),
    )


def setting(request: Any, name: str) -> float:
    """A number the request sets, else the default its option declares (the service's default)."""
    value = getattr(request, name, None)
    return float(type(request).options()[name].range.default if value is None else value)


# --- randomness -------------------------------------------------------------------------


def stable_hash(text: str) -> int:
    """A 64-bit hash that is the same in every process (unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def rng_for(seed: int, *salt: str) -> np.random.Generator:
    """The random generator for one image: `seed` plus task/prompt strings as salt."""
    return np.random.default_rng([int(seed), *(stable_hash(s) for s in salt)])


# --- colours and palettes ---------------------------------------------------------------

COLOR_WORDS: dict[str, RGB] = {
    "red": (214, 48, 49), "crimson": (176, 28, 46), "scarlet": (230, 40, 30), "maroon": (120, 24, 36),
    "orange": (243, 129, 40), "amber": (255, 176, 46), "coral": (255, 127, 102), "peach": (255, 196, 160),
    "gold": (222, 172, 52), "golden": (222, 172, 52), "yellow": (250, 214, 60), "lemon": (248, 232, 96),
    "lime": (166, 214, 60), "green": (64, 160, 88), "emerald": (24, 150, 106), "olive": (128, 128, 52),
    "mint": (160, 228, 196), "teal": (0, 128, 128), "turquoise": (64, 200, 190), "cyan": (40, 200, 230),
    "aqua": (90, 210, 220), "blue": (46, 104, 200), "azure": (80, 150, 230), "navy": (24, 40, 92),
    "indigo": (60, 46, 140), "violet": (140, 82, 200), "purple": (120, 60, 160), "lavender": (186, 164, 230),
    "magenta": (208, 40, 150), "pink": (244, 150, 184), "rose": (226, 100, 130), "brown": (130, 84, 50),
    "chocolate": (96, 56, 32), "tan": (210, 180, 140), "beige": (232, 216, 184), "cream": (250, 240, 214),
    "white": (246, 246, 242), "ivory": (250, 246, 230), "silver": (192, 196, 204), "grey": (128, 132, 138),
    "gray": (128, 132, 138), "charcoal": (54, 58, 64), "black": (20, 20, 24),
}  # fmt: skip

THEME_WORDS: dict[str, tuple[RGB, ...]] = {
    "sunset": ((255, 94, 77), (255, 159, 67), (255, 206, 107), (108, 52, 131)),
    "sunrise": ((255, 183, 130), (255, 222, 160), (140, 180, 230), (250, 130, 110)),
    "ocean": ((8, 60, 110), (20, 120, 170), (100, 200, 220), (230, 246, 250)),
    "sea": ((10, 70, 120), (30, 140, 180), (140, 210, 220)),
    "beach": ((250, 226, 170), (80, 190, 210), (20, 120, 170), (255, 250, 240)),
    "forest": ((24, 70, 40), (60, 120, 60), (150, 190, 100), (90, 70, 40)),
    "jungle": ((10, 80, 40), (40, 140, 60), (190, 220, 80)),
    "night": ((10, 14, 40), (30, 40, 90), (90, 90, 160), (240, 230, 170)),
    "space": ((8, 6, 24), (50, 20, 90), (180, 80, 200), (240, 240, 255)),
    "galaxy": ((12, 8, 40), (90, 30, 130), (230, 100, 180), (120, 200, 255)),
    "autumn": ((170, 60, 20), (220, 120, 30), (240, 190, 80), (100, 50, 30)),
    "fall": ((170, 60, 20), (220, 120, 30), (240, 190, 80)),
    "desert": ((236, 196, 140), (210, 140, 80), (170, 90, 60), (140, 190, 230)),
    "snow": ((240, 246, 252), (190, 210, 230), (120, 150, 190)),
    "winter": ((230, 240, 250), (160, 190, 220), (70, 100, 150)),
    "spring": ((250, 200, 220), (170, 220, 130), (255, 240, 160), (130, 200, 240)),
    "fire": ((120, 10, 10), (230, 60, 20), (255, 160, 40), (255, 230, 120)),
    "lava": ((40, 10, 10), (200, 40, 10), (255, 120, 20)),
    "neon": ((255, 40, 200), (40, 240, 255), (160, 255, 60), (20, 10, 40)),
    "pastel": ((255, 209, 220), (200, 230, 255), (210, 245, 210), (255, 240, 200)),
    "mountain": ((70, 90, 120), (140, 160, 190), (230, 236, 244), (60, 90, 60)),
    "city": ((40, 44, 60), (90, 100, 120), (250, 200, 100), (200, 80, 90)),
    "sky": ((110, 170, 230), (190, 220, 250), (255, 255, 255)),
    "grass": ((70, 150, 60), (140, 200, 80)),
}  # fmt: skip

_WORD = re.compile(r"[a-z]+")


def words_of(text: str | None) -> list[str]:
    """Lower-case words of a prompt, in order."""
    return _WORD.findall((text or "").lower())


def colors_named_in(text: str | None) -> list[RGB]:
    """Colours named in `text` (single colour words and themes such as "sunset"), in order."""
    found: list[RGB] = []
    for word in words_of(text):
        found.extend(THEME_WORDS.get(word, ()))
        if word in COLOR_WORDS:
            found.append(COLOR_WORDS[word])
    return list(dict.fromkeys(found))


def palette_from_text(text: str | None, negative: str | None = None, *, seed: int = 0) -> np.ndarray:
    """A palette (P×3 floats in 0..1, 3 to 6 colours) for a prompt.

    Colour and theme words of `text` come first; colours named in `negative` (and any
    palette colour close to them) are removed. When fewer than three remain, tints,
    shades and an accent around the first named hue (or a hue derived from the prompt and
    `seed`) complete it, still avoiding the negative colours.
    """
    banned = np.array(colors_named_in(negative), dtype=np.float32).reshape(-1, 3)
    chosen = [c for c in colors_named_in(text) if not _near_any(c, banned)][:6]
    if len(chosen) < 3:
        rng = np.random.default_rng([stable_hash(text or ""), seed])
        hue = _hue_of(chosen[0]) if chosen else float(rng.uniform(0, 360))
        extra = _harmony(hue, rng)
        chosen += [c for c in extra if not _near_any(c, banned, 60.0) and c not in chosen][: 5 - len(chosen)]
    if len(chosen) < 3:  # nearly everything banned: neutral tones
        chosen += [(236, 232, 224), (150, 150, 150), (60, 60, 66)][: 3 - len(chosen)]
    return np.array(chosen, dtype=np.float32) / 255.0


def _near_any(color: RGB, banned: np.ndarray, distance: float = 90.0) -> bool:
    if not len(banned):
        return False
    return bool((np.linalg.norm(banned - np.array(color, dtype=np.float32), axis=1) < distance).any())


def _hue_of(color: RGB) -> float:
    pixel = np.array([[color]], dtype=np.float32) / 255.0
    return float(cv2.cvtColor(pixel, cv2.COLOR_RGB2HSV)[0, 0, 0])


def _harmony(hue: float, rng: np.random.Generator) -> list[RGB]:
    """Tints, shades, analogous hues and a muted complementary accent around `hue`."""
    recipe = [(0, 0.5, 0.92), (28, 0.45, 0.72), (-24, 0.6, 0.45), (0, 0.18, 0.97), (180, 0.4, 0.7), (-40, 0.35, 0.85)]
    colors = []
    for offset, sat, val in recipe:
        h = (hue + offset + rng.uniform(-10, 10)) % 360
        hsv = np.array([[[h, np.clip(sat + rng.uniform(-0.1, 0.1), 0, 1), val]]], dtype=np.float32)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
        colors.append(tuple(int(v * 255 + 0.5) for v in rgb))
    return colors


def hex_palette(colors: list[str]) -> np.ndarray:
    """Hex colour strings such as "#FF8C42" to a P×3 float palette in 0..1."""
    return np.array([[int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)] for c in colors], dtype=np.float32) / 255.0


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of float RGB (any leading shape)."""
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def by_luminance(palette: np.ndarray) -> np.ndarray:
    """Palette sorted dark to light."""
    return palette[np.argsort(luminance(palette), kind="stable")]


def gradient_map(level: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Colour grading: levels in 0..1 → a smooth gradient through `palette`, dark to light.

    Dark levels take the palette's darkest colour, bright ones its lightest, so light and
    shade survive while the colours become the palette's.
    """
    ordered = by_luminance(palette)
    stops = np.linspace(0, 1, len(ordered))
    ramp = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(ramp, stops, ordered[:, c]) for c in range(3)], axis=1)
    index = np.clip(level * 255 + 0.5, 0, 255).astype(np.uint8)
    return lut.astype(np.float32)[index]


# --- image helpers ----------------------------------------------------------------------


def decode_rgb(image: Any, *, field: str = "image") -> np.ndarray:
    """A request's image (a `BodyImage`) as float32 RGB in 0..1 (H×W×3)."""
    return to_float(to_rgb(decode_image_b64(image.b64, field=field)))


def decode_mask(image: Any, size: tuple[int, int], *, field: str = "mask_image") -> np.ndarray:
    """A request's Titan mask as a boolean array, True inside (black), resized to `size`."""
    mask = decode_image_b64(image.b64, field=field).convert("L")
    if mask.size != tuple(size):
        mask = mask.resize(size, Image.NEAREST)
    return np.asarray(mask) < 128


def to_float(image: Image.Image) -> np.ndarray:
    """RGB PIL image to float32 H×W×3 in 0..1."""
    return np.asarray(image, dtype=np.float32) / 255.0


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Float image in 0..1 to uint8, rounded."""
    return np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8)


def fit_cover(array: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to cover width×height keeping the aspect ratio, then centre-crop."""
    h, w = array.shape[:2]
    if (w, h) == (width, height):
        return array
    scale = max(width / w, height / h)
    new_w, new_h = max(width, round(w * scale)), max(height, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(array, (new_w, new_h), interpolation=interp)
    x0, y0 = (new_w - width) // 2, (new_h - height) // 2
    return np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])


def work_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) scaled down so the longer side is at most `max_side` (never up)."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def downscale(image: np.ndarray, max_side: int) -> np.ndarray:
    """`image` shrunk (area interpolation) so its longer side is at most `max_side`."""
    height, width = image.shape[:2]
    size = work_size(width, height, max_side)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA) if size != (width, height) else image


def smooth_noise(rng: np.random.Generator, width: int, height: int, cells: int, channels: int = 1) -> np.ndarray:
    """Smooth random field (≈N(0,1)) with about `cells` blobs across the longer side."""
    scale = cells / max(width, height)
    gw, gh = max(2, round(width * scale) + 2), max(2, round(height * scale) + 2)
    grid = rng.standard_normal((gh, gw, channels)).astype(np.float32)
    field = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    return field.reshape(height, width, channels) if channels > 1 else field.reshape(height, width)


def smooth_warp(image: np.ndarray, reach: float, rng: np.random.Generator, *, cells: int = 5) -> np.ndarray:
    """Displace pixels along a smooth random field by up to about `reach` pixels."""
    height, width = image.shape[:2]
    if reach <= 0:
        return image
    field = smooth_noise(rng, width, height, cells=cells, channels=2) * (reach / 2)
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    map_x, map_y = grid_x + field[..., 0], grid_y + field[..., 1]
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def grain(rng: np.random.Generator, width: int, height: int, amount: float) -> np.ndarray:
    """Fine monochrome film grain (H×W×1), standard deviation `amount`."""
    return (rng.standard_normal((height, width, 1), dtype=np.float32) * amount).astype(np.float32)


def diffuse_fill(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill unknown pixels smoothly from known ones (push-pull image pyramid).

    Known pixels are returned unchanged; unknown ones get a blend of coarser averages of
    what is around them, so large holes fill with soft, plausible colour in O(pixels).
    """
    weight = known.astype(np.float32)
    colour = image.astype(np.float32) * weight[..., None]
    levels = [(colour, weight)]
    while min(levels[-1][1].shape) > 2:
        colour, weight = levels[-1]
        levels.append((cv2.pyrDown(colour), cv2.pyrDown(weight)))
    colour, weight = levels[-1]
    total = max(float(weight.sum()), 1e-6)
    filled = np.broadcast_to(colour.reshape(-1, 3).sum(axis=0) / total, colour.shape).astype(np.float32)
    for colour, weight in reversed(levels):
        h, w = weight.shape
        up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR) if filled.shape[:2] != (h, w) else filled
        alpha = np.clip(weight * 4.0, 0, 1)[..., None]  # trust a level once ~¼ of it is known
        mean = colour / np.maximum(weight, 1e-6)[..., None]
        filled = alpha * mean + (1 - alpha) * up
    return np.where(known[..., None], image, filled).astype(np.float32)


def directional_fill(image: np.ndarray, hole: np.ndarray, *, agreement: float = 0.12) -> np.ndarray:
    """Fill `hole` by interpolating along rows and columns between the nearest known pixels.

    Each axis interpolates linearly between the known pixels on either side; the axes are
    weighted by 1/span and by how much their two ends agree, so a horizon (same colour at
    both ends of a row) continues across the hole instead of being blurred vertically.
    Pixels whose row and column hold no known pixel are diffused from the filled ones.
    """
    known = (~hole).astype(np.float32)[..., None]
    # denoise the ends (known pixels only, so the hole's content cannot bleed in): no streaks
    smoothed = (
        cv2.GaussianBlur(image * known, (0, 0), 1.5) / np.maximum(cv2.GaussianBlur(known, (0, 0), 1.5), 1e-6)[..., None]
    )
    estimates, weights = [], []
    for axis in (1, 0):
        value, weight = _axis_fill(smoothed, hole, axis, agreement)
        estimates.append(value)
        weights.append(weight)
    total = weights[0] + weights[1]
    mixed = (estimates[0] * weights[0] + estimates[1] * weights[1]) / np.maximum(total, 1e-6)
    reached = (total > 1e-6)[..., 0] | ~hole
    filled = np.where(hole[..., None], mixed, image)
    if reached.all():
        return filled.astype(np.float32)
    return diffuse_fill(filled, reached)  # corners no row or column reaches


def _axis_fill(image: np.ndarray, hole: np.ndarray, axis: int, agreement: float) -> tuple[np.ndarray, np.ndarray]:
    """Interpolation along one axis (1 = rows, 0 = columns): (values H×W×3, weights H×W×1)."""
    if axis == 0:
        value, weight = _axis_fill(image.transpose(1, 0, 2), hole.T, 1, agreement)
        return value.transpose(1, 0, 2), weight.transpose(1, 0, 2)
    height, width = hole.shape
    index = np.broadcast_to(np.arange(width), (height, width))
    known = ~hole
    before = np.maximum.accumulate(np.where(known, index, -1), axis=1)
    after = np.minimum.accumulate(np.where(known, index, width)[:, ::-1], axis=1)[:, ::-1]
    has_before, has_after = before >= 0, after < width
    rows = np.arange(height)[:, None]
    left = image[rows, before.clip(0, width - 1)]
    right = image[rows, after.clip(0, width - 1)]
    d_before = (index - before).astype(np.float32)
    d_after = (after - index).astype(np.float32)
    t = np.where(has_before & has_after, d_before / np.maximum(d_before + d_after, 1), np.where(has_before, 0.0, 1.0))
    value = left * (1 - t[..., None]) + right * t[..., None]
    span = np.where(has_before & has_after, d_before + d_after, np.where(has_before, d_before, d_after) * 2.0)
    difference = np.linalg.norm(left - right, axis=2)
    agree = np.where(has_before & has_after, np.exp(-((difference / agreement) ** 2)) + 0.01, 0.3)
    weight = np.where(has_before | has_after, agree / np.maximum(span, 1), 0.0)
    return value.astype(np.float32), weight[..., None].astype(np.float32)


def kmeans(samples: np.ndarray, k: int, *, iterations: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic k-means (N×D floats): (labels, centres), centres seeded by quantiles of dim 0."""
    k = max(1, min(k, len(samples)))
    order = np.argsort(samples[:, 0], kind="stable")
    centres = samples[order[((np.arange(k) + 0.5) / k * len(samples)).astype(int)]].astype(np.float32)
    labels = np.zeros(len(samples), dtype=np.int32)
    for _ in range(iterations):
        distances = ((samples[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = distances.argmin(axis=1).astype(np.int32)
        for j in range(k):
            members = samples[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return labels, centres


# --- the mark and output ----------------------------------------------------------------

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def mark_layout(width: int, height: int) -> tuple[float, int, int, int]:
    """(font scale, box width, box height, margin) of the "offline preview" mark."""
    scale = max(0.3, min(width, height) / 2000)
    (text_w, text_h), baseline = cv2.getTextSize(MARK_TEXT, _FONT, scale, 1)
    pad = 3
    margin = max(4, min(width, height) // 100)
    return scale, text_w + 2 * pad, text_h + baseline + 2 * pad, margin


def add_mark(image: np.ndarray, *, allowed: np.ndarray | None = None) -> np.ndarray:
    """Draw a small "offline preview" text in a corner of a uint8 RGB or RGBA image.

    The mark goes to the bottom-right corner. With `allowed` (True where pixels may
    change, e.g. an inpainting mask) it goes to the bottom-right-most spot where it fits
    wholly inside `allowed`, and is clipped to it if it fits nowhere: pixels a task
    promises to keep stay bit-identical. PNG metadata carries the notice in every case.
    """
    height, width = image.shape[:2]
    scale, box_w, box_h, margin = mark_layout(width, height)
    if box_w + 2 > width or box_h + 2 > height:
        return image
    margin = min(margin, (width - box_w) // 2, (height - box_h) // 2)  # a thin strip: closer to its edge
    x0, y0 = _mark_origin(width, height, box_w, box_h, margin, allowed)
    patch = np.zeros((box_h, box_w), dtype=np.uint8)
    shadow = np.zeros_like(patch)
    org = (3, box_h - 3 - cv2.getTextSize(MARK_TEXT, _FONT, scale, 1)[1])
    cv2.putText(shadow, MARK_TEXT, (org[0] + 1, org[1] + 1), _FONT, scale, 255, 1, cv2.LINE_AA)
    cv2.putText(patch, MARK_TEXT, org, _FONT, scale, 255, 1, cv2.LINE_AA)
    text_alpha = patch.astype(np.float32) / 255.0 * 0.8
    shadow_alpha = shadow.astype(np.float32) / 255.0 * 0.5
    if allowed is not None:
        region = allowed[y0 : y0 + box_h, x0 : x0 + box_w].astype(np.float32)
        text_alpha, shadow_alpha = text_alpha * region, shadow_alpha * region
    out = image.copy()
    area = out[y0 : y0 + box_h, x0 : x0 + box_w].astype(np.float32)
    rgb = area[..., :3] * (1 - shadow_alpha[..., None])
    rgb = rgb * (1 - text_alpha[..., None]) + 255.0 * text_alpha[..., None]
    area[..., :3] = rgb
    if image.shape[2] == 4:
        area[..., 3] = np.maximum(area[..., 3], 255.0 * np.maximum(text_alpha, shadow_alpha))
    changed = (text_alpha > 0) | (shadow_alpha > 0)
    target = out[y0 : y0 + box_h, x0 : x0 + box_w]
    target[changed] = np.clip(area + 0.5, 0, 255).astype(np.uint8)[changed]
    return out


def _mark_origin(
    width: int, height: int, box_w: int, box_h: int, margin: int, allowed: np.ndarray | None
) -> tuple[int, int]:
    default = (width - box_w - margin, height - box_h - margin)
    if allowed is None or allowed[default[1] : default[1] + box_h, default[0] : default[0] + box_w].all():
        return default
    for pad in (margin, 1, 0):
        spot = _bottom_right_fit(allowed, box_w + 2 * pad, box_h + 2 * pad)
        if spot is not None:
            return spot[0] + pad, spot[1] + pad
    return default


def _bottom_right_fit(allowed: np.ndarray, box_w: int, box_h: int) -> tuple[int, int] | None:
    """Top-left corner of the bottom-right-most box_w×box_h window wholly inside `allowed`."""
    height, width = allowed.shape
    if box_w > width or box_h > height:
        return None
    blocked = cv2.integral((~allowed).astype(np.uint8))
    inside = (
        blocked[box_h:, box_w:] - blocked[:-box_h, box_w:] - blocked[box_h:, :-box_w] + blocked[:-box_h, :-box_w]
    ) == 0
    ys, xs = np.nonzero(inside)
    if not len(ys):
        return None
    best = int(np.argmax(ys.astype(np.int64) * 4 + xs))  # lowest first, then rightmost
    return int(xs[best]), int(ys[best])


def encode_output(image: np.ndarray, *, task: str, seed: int | None = None) -> str:
    """Base64 PNG of a uint8 RGB/RGBA/L array with the offline-preview metadata."""
    text = dict(METADATA, **{"titan:task": task})
    if seed is not None:
        text["titan:seed"] = str(seed)
    return encode_png_b64(Image.fromarray(image), text=text)


def finish(image: np.ndarray, *, task: str, seed: int | None, allowed: np.ndarray | None = None) -> str:
    """Float (0..1) or uint8 image → marked, metadata-tagged base64 PNG."""
    pixels = image if image.dtype == np.uint8 else to_uint8(image)
    return encode_output(add_mark(pixels, allowed=allowed), task=task, seed=seed)
