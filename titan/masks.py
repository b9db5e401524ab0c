"""Titan masks: painted strokes to Titan's convention, checks and edits.

Titan's convention: black (0) = inside the mask, white (255) = outside. INPAINTING
changes the inside; OUTPAINTING keeps it. DALL-E and SDXL use the opposite, so callers
never invert colours by hand: they pass what a person painted to
`painted_to_titan_mask`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageOps

from .errors import TitanValidationError
from .images import CHANGE, KEEP, ImageInput, load_image, painted_pixels


def painted_to_titan_mask(painted: Any, *, size: tuple[int, int] | None = None) -> Image.Image:
    """Turn what a person painted (strokes = area to change) into a Titan mask.

    Accepts a Gradio ImageEditor value (dict with "layers": file paths, arrays or PILs),
    a single RGBA layer (painted where alpha > 0), or a greyscale/RGB image where
    non-black is painted. Returns an "L" image at `size` (default: the layers' size): 0
    (black) where painted, 255 (white) elsewhere — Titan's convention for INPAINTING, the
    opposite of DALL-E/SDXL. Each layer file is decoded under the image decode budget
    and only its alpha channel is kept, so large editor canvases stay cheap.
    """
    painted_area = _painted_image(painted, size)
    if painted_area is None:
        raise TitanValidationError("mask", "nothing painted", "a painted area", problem="the mask is empty")
    return ImageOps.invert(painted_area)  # painted (255) becomes CHANGE (0), the rest KEEP (255)


def painted_area_of(painted: Any) -> np.ndarray | None:
    """Boolean array, True where something was painted; None when nothing was."""
    area = _painted_image(painted, None)
    return None if area is None else np.asarray(area) > 0


def _painted_image(painted: Any, size: tuple[int, int] | None) -> Image.Image | None:
    """An "L" image, 255 where painted and 0 elsewhere, at `size` when given; None when empty."""
    if painted is None:
        return None
    if isinstance(painted, dict):
        return _union(_painted_image(layer, size) for layer in painted.get("layers") or [])
    area = painted_pixels(painted, size=size, field="mask")
    return area if area.getbbox() else None  # no box: nothing painted


def _union(areas: Iterable[Image.Image | None]) -> Image.Image | None:
    """Every painted pixel of every layer; a layer of another size than the first is left out."""
    union = None
    for area in areas:
        if area is None:
            continue
        if union is None:
            union = area
        elif area.size == union.size:
            union = ImageChops.lighter(union, area)
    return union


def titan_mask_to_painted(mask: Image.Image) -> np.ndarray:
    """Boolean array, True where a Titan mask is black (the inside)."""
    return np.asarray(mask.convert("L")) < 128


def check_mask_pixels(mask: Image.Image, *, field: str = "mask_image") -> None:
    """Titan masks hold pure black and pure white only.

    Reads a 256-bin histogram (and compares channels for RGB), never sorting the pixels.
    """
    if mask.mode not in ("L", "RGB"):
        mask = mask.convert("RGB")
    grey = mask
    if mask.mode == "RGB":
        red, green, blue = mask.split()
        if ImageChops.difference(red, green).getbbox() or ImageChops.difference(red, blue).getbbox():
            raise TitanValidationError(field, "coloured pixels", "pure black (0) and pure white (255) only")
        grey = red
    stray = [level for level, count in enumerate(grey.histogram()) if count and level not in (CHANGE, KEEP)]
    if stray:
        raise TitanValidationError(
            field,
            f"{len(stray)} grey level(s), e.g. {stray[0]}",
            "pure black (0) and pure white (255) only",
            hint="save masks as PNG (JPEG adds grey edges) or use titan.binarize_mask()",
        )


def binarize_mask(mask: ImageInput, *, threshold: int = 128) -> Image.Image:
    """Snap a greyscale mask to pure black/white (below `threshold` becomes black)."""
    grey = np.asarray(load_image(mask, field="mask_image").convert("L"))
    return Image.fromarray(np.where(grey < threshold, CHANGE, KEEP).astype(np.uint8), mode="L")


def invert_mask(mask: Image.Image) -> Image.Image:
    """Swap black and white: the area to change becomes the area to keep."""
    return ImageOps.invert(mask.convert("L"))
