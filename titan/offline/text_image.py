"""TEXT_IMAGE offline: a seeded composition in the prompt's colours, optionally conditioned.

The picture is a soft landscape (sky gradient, sun, layered hills, bokeh, grain) or, for
prompts that mention abstract/pattern/geometric, overlapping translucent shapes. Colour
words and themes in the prompt ("teal", "sunset") pick the palette; colours named in
negativeText are left out. cfgScale sets how saturated the palette is applied.

With a conditionImage the structure follows it, weighted by controlStrength:
CANNY_EDGE runs `cv2.Canny` and draws the edges as ink lines; SEGMENTATION clusters the
condition image (k-means in Lab) and paints each segment with a palette colour.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import (
    DEFAULT_SIZE,
    by_luminance,
    decode_rgb,
    downscale,
    finish,
    fit_cover,
    generation_config,
    grain,
    kmeans,
    luminance,
    palette_from_text,
    rng_for,
    smooth_noise,
    to_uint8,
    words_of,
)

TASK = "TEXT_IMAGE"
DEFAULT_CONTROL_MODE = "CANNY_EDGE"
DEFAULT_CONTROL_STRENGTH = 0.7
ABSTRACT_WORDS = frozenset({"abstract", "pattern", "geometric", "shapes", "bokeh", "circles", "minimal"})


def run(request: Any) -> dict[str, Any]:
    """Answer a text-to-image request: one composition per image, seed + i for image i.

    Without a size the output is 1024², or the layout guide's size when there is one (a
    Stability Control service follows the guide's shape).
    """
    config = generation_config(request)
    guide = request.condition_image
    width, height = config.size(guide.size if guide is not None else DEFAULT_SIZE)
    condition = decode_rgb(guide, field="condition_image") if guide is not None else None
    text, negative = request.text, request.negative_text
    images = []
    for seed in config.seeds():
        rng = rng_for(seed, TASK, text, negative or "")
        palette = palette_from_text(text, negative, seed=seed)
        palette = saturate(palette, 0.75 + 0.5 * config.prompt_strength)
        picture = render_scene(rng, palette, width, height, abstract=bool(ABSTRACT_WORDS & set(words_of(text))))
        if condition is not None:
            picture = apply_condition(
                picture,
                fit_cover(condition, width, height),
                palette,
                mode=request.control_mode or DEFAULT_CONTROL_MODE,
                strength=float(
                    DEFAULT_CONTROL_STRENGTH if request.control_strength is None else request.control_strength
                ),
            )
        images.append(finish(picture, task=TASK, seed=seed))
    return {"images": images}


# --- the composition --------------------------------------------------------------------


def render_scene(
    rng: np.random.Generator,
    palette: np.ndarray,
    width: int,
    height: int,
    *,
    flat: bool = False,
    abstract: bool = False,
    work_side: int = 512,
) -> np.ndarray:
    """A width×height float RGB picture made of `palette` (P×3 in 0..1).

    Shapes are drawn at `work_side` resolution and upscaled (they are soft anyway); grain
    is added at full size. `flat` keeps every area close to one palette colour (for
    COLOR_GUIDED_GENERATION), otherwise colours are blended into gradients and glows.
    """
    scale = min(1.0, work_side / max(width, height))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    y = (np.arange(h, dtype=np.float32)[:, None] + 0.5) / h
    x = (np.arange(w, dtype=np.float32)[None, :] + 0.5) / h
    draw = _Canvas(rng, palette, x, y, h, flat)
    if abstract:
        draw.abstract()
    else:
        draw.landscape()
    picture = draw.image
    if not flat:
        picture = _vignette(picture, x, y, w / h)
    picture = (
        cv2.resize(picture, (width, height), interpolation=cv2.INTER_CUBIC) if (w, h) != (width, height) else picture
    )
    texture = smooth_noise(rng, width, height, cells=48)[..., None] * (0.006 if flat else 0.012)
    picture = picture * (1 + texture) + grain(rng, width, height, 0.004 if flat else 0.012)
    return np.clip(picture, 0, 1).astype(np.float32)


def paint_shapes(rng: np.random.Generator, palette: np.ndarray, base: np.ndarray, *, count: int = 6) -> np.ndarray:
    """Soft discs in palette colours composited over `base` (float RGB), same size.

    Inpainting with a prompt uses this: shapes in the prompt's colours on top of a fill
    that already continues the surroundings.
    """
    height, width = base.shape[:2]
    scale = min(1.0, 256 / max(width, height))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    y = (np.arange(h, dtype=np.float32)[:, None] + 0.5) / h
    x = (np.arange(w, dtype=np.float32)[None, :] + 0.5) / h
    draw = _Canvas(rng, palette, x, y, h, flat=False)
    for _ in range(count):
        draw.disc(radius=rng.uniform(0.12, 0.35), alpha=rng.uniform(0.5, 0.9))
    layer = cv2.resize(draw.image, (width, height), interpolation=cv2.INTER_CUBIC).reshape(height, width, 3)
    cover = cv2.resize(draw.coverage, (width, height), interpolation=cv2.INTER_CUBIC).reshape(height, width, 1)
    return np.clip(base * (1 - np.clip(cover, 0, 1)) + layer, 0, 1).astype(np.float32)


class _Canvas:
    """Draws soft shapes in palette colours on a float canvas at working resolution."""

    def __init__(self, rng: np.random.Generator, palette: np.ndarray, x: np.ndarray, y: np.ndarray, h: int, flat: bool):
        self.rng, self.x, self.y, self.flat = rng, x, y, flat
        self.aspect = float(x.max() + 0.5 / h)
        self.pixel = 1.0 / h
        self.palette = palette.astype(np.float32)
        self.order = rng.permutation(len(palette))  # which colour goes to which element
        self.used = 0
        self.image = np.zeros((y.shape[0], x.shape[1], 3), dtype=np.float32)  # premultiplied over black
        self.coverage = np.zeros((y.shape[0], x.shape[1], 1), dtype=np.float32)  # "over" alpha of all shapes

    def next_colour(self) -> np.ndarray:
        colour = self.palette[self.order[self.used % len(self.palette)]]
        self.used += 1
        return colour

    def blend(self, alpha: np.ndarray, colour: np.ndarray | float) -> None:
        alpha = alpha[..., None] if alpha.ndim == 2 else alpha
        self.image = self.image * (1 - alpha) + np.asarray(colour, dtype=np.float32) * alpha
        self.coverage = self.coverage * (1 - alpha) + alpha

    def edge(self, signed_distance: np.ndarray, softness: float = 1.2) -> np.ndarray:
        """Anti-aliased coverage from a signed distance (positive inside), in pixels."""
        return np.clip(signed_distance / (softness * self.pixel) + 0.5, 0, 1)

    # layouts

    def landscape(self) -> None:
        """Sky, sun, hills from light (far) to dark (near); flat mode uses every colour."""
        count = len(self.palette)
        layers = max(2, min(4, count - 1)) if self.flat else int(self.rng.integers(2, 5))
        if self.flat:  # the large areas (sky, hills) get distinct colours first, the sun next
            sky, *hills = (self.next_colour() for _ in range(1 + layers))
            sun = self.next_colour() if count > 1 + layers else hills[int(self.rng.integers(layers))]
            picks = [sky, sun, *hills]
        else:
            ordered = by_luminance(self.palette)  # dark → light
            light = ordered[count // 2 :]
            sky = light[int(self.rng.integers(len(light)))]
            sun = ordered[-1] if not np.allclose(ordered[-1], sky) else ordered[max(0, count - 2)]
            hills = ordered[np.linspace(count - 1, 0, layers).round().astype(int)]
            picks = [sky, sun, *hills]
            if not any(np.allclose(self.palette[0], p) for p in picks):  # the first colour named must show
                closest = np.argmin(np.abs(luminance(hills) - luminance(self.palette[0])))
                picks[2 + int(closest)] = self.palette[0]
        self.sky(picks[0])
        self.sun(picks[1])
        if not self.flat:
            self.bokeh(count=int(self.rng.integers(5, 11)))
        for i in range(layers):
            self.hill(i, layers, picks[2 + i])
        if self.flat:
            for _ in range(max(0, count - self.used)):
                self.disc(radius=self.rng.uniform(0.07, 0.13), alpha=1.0)

    def abstract(self) -> None:
        """A gradient ground with waves and overlapping translucent discs."""
        self.sky(self.next_colour())
        for _ in range(int(self.rng.integers(2, 4))):
            self.wave()
        for _ in range(max(int(self.rng.integers(5, 10)), len(self.palette) - self.used)):
            self.disc(radius=self.rng.uniform(0.06, 0.22), alpha=1.0 if self.flat else self.rng.uniform(0.35, 0.8))

    # elements

    def sky(self, top: np.ndarray) -> None:
        if self.flat:
            self.image[:] = top * (1.03 - 0.06 * self.y[..., None])
            return
        other = self.palette[int(self.rng.integers(len(self.palette)))]
        bottom = np.clip(0.5 * top + 0.3 * other + 0.2, 0, 1)  # hazy, lighter horizon
        angle = self.rng.uniform(-0.35, 0.35)
        t = np.clip(self.y * np.cos(angle) + (self.x - self.aspect / 2) * np.sin(angle), 0, 1)
        t = t * t * (3 - 2 * t)
        self.image[:] = top * (1 - t[..., None]) + bottom * t[..., None]

    def sun(self, colour: np.ndarray) -> None:
        cx, cy = self.rng.uniform(0.15, 0.85) * self.aspect, self.rng.uniform(0.12, 0.4)
        radius = self.rng.uniform(0.06, 0.13)
        distance = np.sqrt((self.x - cx) ** 2 + (self.y - cy) ** 2)
        if not self.flat:
            glow = np.exp(-((distance / (3.2 * radius)) ** 2)) * 0.45
            self.blend(glow, np.minimum(colour * 1.15 + 0.1, 1))
        self.blend(self.edge(radius - distance), colour)

    def hill(self, index: int, layers: int, colour: np.ndarray) -> None:
        base = 0.5 + 0.4 * (index + 1) / (layers + 1) + self.rng.uniform(-0.04, 0.04)
        ridge = np.full_like(self.x, base)
        for j in range(1, 4):
            freq = self.rng.uniform(0.4, 1.6) * j
            ridge = ridge + self.rng.uniform(0.02, 0.07) / j * np.sin(
                2 * np.pi * freq * self.x + self.rng.uniform(0, 6.3)
            )
        depth = np.clip(self.y - ridge, 0, 1)
        if self.flat:
            shade = colour * (1.0 - 0.08 * depth[..., None])
        else:
            haze = 0.45 * (1 - (index + 1) / layers)  # far hills fade into the sky
            sky = self.image.mean(axis=(0, 1))
            near = colour * (1 - haze) + sky * haze
            shade = near * (1 - 0.45 * np.clip(depth * 1.6, 0, 1)[..., None])
        self.blend(self.edge(self.y - ridge), shade)

    def disc(self, *, radius: float, alpha: float) -> None:
        colour = self.next_colour()
        cx, cy = self.rng.uniform(0, self.aspect), self.rng.uniform(0, 1)
        distance = np.sqrt((self.x - cx) ** 2 + (self.y - cy) ** 2)
        softness = 1.2 if self.flat else self.rng.uniform(1.5, 30)
        self.blend(self.edge(radius - distance, softness) * alpha, colour)

    def wave(self) -> None:
        colour = self.next_colour()
        centre, thickness = self.rng.uniform(0.2, 0.8), self.rng.uniform(0.05, 0.18)
        curve = centre + 0.12 * np.sin(2 * np.pi * self.rng.uniform(0.3, 1.2) * self.x + self.rng.uniform(0, 6.3))
        inside = thickness / 2 - np.abs(self.y - curve)
        self.blend(self.edge(inside, 1.2 if self.flat else 6) * (1.0 if self.flat else 0.7), colour)

    def bokeh(self, count: int) -> None:
        for _ in range(count):
            colour = np.minimum(self.palette[int(self.rng.integers(len(self.palette)))] + 0.25, 1)
            cx, cy = self.rng.uniform(0, self.aspect), self.rng.uniform(0, 0.6)
            radius = self.rng.uniform(0.01, 0.04)
            distance = np.sqrt((self.x - cx) ** 2 + (self.y - cy) ** 2)
            self.blend(self.edge(radius - distance, 3) * self.rng.uniform(0.1, 0.3), colour)


def _vignette(picture: np.ndarray, x: np.ndarray, y: np.ndarray, aspect: float) -> np.ndarray:
    radius2 = ((x - aspect / 2) / aspect) ** 2 + (y - 0.5) ** 2
    return picture * (1 - 0.35 * radius2)[..., None]


def saturate(palette: np.ndarray, factor: float) -> np.ndarray:
    """Scale each colour's distance from its grey by `factor` (cfgScale's effect)."""
    grey = luminance(palette)[:, None]
    return np.clip(grey + (palette - grey) * factor, 0, 1).astype(np.float32)


# --- conditioning -----------------------------------------------------------------------


def apply_condition(
    picture: np.ndarray, condition: np.ndarray, palette: np.ndarray, *, mode: str, strength: float
) -> np.ndarray:
    """Make `picture` follow the structure of `condition` (same size), by `strength` 0..1."""
    if mode == "SEGMENTATION":
        return _follow_segments(picture, condition, palette, strength)
    return _follow_edges(picture, condition, palette, strength)


def canny_edges(image: np.ndarray) -> np.ndarray:
    """`cv2.Canny` edges (uint8 0/255) of a float RGB image, thresholds from its median."""
    grey = cv2.GaussianBlur(to_uint8(luminance(image)), (5, 5), 1.2)
    median = float(np.median(grey))
    low, high = max(20.0, 0.66 * median), max(60.0, min(255.0, 1.33 * median))
    return cv2.Canny(grey, low, high, L2gradient=True)


def _follow_edges(picture: np.ndarray, condition: np.ndarray, palette: np.ndarray, strength: float) -> np.ndarray:
    """Draw the condition's Canny edges as ink lines and take on its light and shade, by `strength`."""
    height, width = picture.shape[:2]
    work = downscale(condition, 768)
    edges = canny_edges(work).astype(np.float32) / 255.0
    thickness = max(1, round(max(work.shape[:2]) / 400))
    if thickness > 1:
        edges = cv2.dilate(edges, np.ones((thickness, thickness), np.uint8))
    edges = (
        cv2.resize(edges, (width, height), interpolation=cv2.INTER_LINEAR) if edges.shape != (height, width) else edges
    )
    edges = cv2.GaussianBlur(edges, (3, 3), 0.6)
    ink = by_luminance(palette)[0] * 0.4
    alpha = np.clip(edges * 1.4, 0, 1)[..., None] * strength
    # the regions between edges take the condition's light and shade, too
    shade = cv2.GaussianBlur(luminance(condition), (0, 0), max(height, width) / 200)[..., None]
    shaded = picture * (0.55 + 0.9 * shade)
    picture = picture * (1 - 0.5 * strength) + np.clip(shaded, 0, 1) * 0.5 * strength
    return picture * (1 - alpha) + ink * alpha


def _follow_segments(picture: np.ndarray, condition: np.ndarray, palette: np.ndarray, strength: float) -> np.ndarray:
    """Cluster the condition into regions and paint each with a palette colour."""
    height, width = picture.shape[:2]
    small_labels = segment(condition, max(3, min(5, len(palette))))
    colours = _segment_colours(condition, small_labels, palette)
    labels = upscale_labels(small_labels, width, height)
    painted = cv2.GaussianBlur(colours[labels], (0, 0), 0.8)
    border = cv2.morphologyEx(labels.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    border = cv2.GaussianBlur(border.astype(np.float32), (0, 0), 0.8)[..., None]
    shading = 0.8 + 0.4 * luminance(picture)[..., None]
    painted = np.clip(painted * shading, 0, 1) * (1 - 0.35 * border)
    return picture * (1 - strength) + painted * strength


def segment(image: np.ndarray, k: int, *, work_side: int = 192) -> np.ndarray:
    """Region labels (int, at ≤`work_side` px) from k-means in Lab plus a median clean-up.

    The image is smoothed first so texture and noise do not split flat regions.
    """
    small = downscale(image, work_side)
    small = cv2.GaussianBlur(small, (0, 0), max(1.0, max(small.shape[:2]) / 160))
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    lab = lab * np.array([1.0, 0.6, 0.6], dtype=np.float32)  # lightness matters most
    labels, _ = kmeans(lab, k)
    labels = labels.reshape(small.shape[:2]).astype(np.uint8)
    return cv2.medianBlur(labels, 7).astype(np.int32)


def upscale_labels(labels: np.ndarray, width: int, height: int) -> np.ndarray:
    """Labels resized to width×height with smooth borders (argmax of upscaled one-hot maps)."""
    if labels.shape == (height, width):
        return labels
    count = int(labels.max()) + 1
    best = np.full((height, width), -1.0, dtype=np.float32)
    out = np.zeros((height, width), dtype=np.int32)
    for i in range(count):
        one_hot = cv2.GaussianBlur((labels == i).astype(np.float32), (0, 0), 1.5)  # rounds off pixel steps
        score = cv2.resize(one_hot, (width, height), interpolation=cv2.INTER_LINEAR)
        better = score > best
        out[better], best[better] = i, score[better]
    return out


def _segment_colours(condition: np.ndarray, labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """One palette colour per label: darker regions get darker colours."""
    small = cv2.resize(condition, labels.shape[::-1], interpolation=cv2.INTER_AREA)
    count = int(labels.max()) + 1
    light = np.array([luminance(small[labels == i]).mean() if (labels == i).any() else 0.0 for i in range(count)])
    ordered = by_luminance(palette)
    if len(ordered) < count:  # add tints so neighbouring regions stay distinct
        extra = [np.clip(c * f, 0, 1) for f in (0.6, 1.35) for c in ordered]
        ordered = by_luminance(np.vstack([ordered, np.array(extra)])[: max(count, len(ordered))])
    picks = np.round(np.linspace(0, len(ordered) - 1, count)).astype(int)
    colours = np.zeros((count, 3), dtype=np.float32)
    colours[np.argsort(light, kind="stable")] = ordered[picks]
    return colours
