"""Titan masks: painted strokes to Titan's convention, checks and edits.

Titan's convention: black (0) = inside the mask, white (255) = outside. INPAINTING
changes the inside; OUTPAINTING keeps it. DALL-E and SDXL use the opposite, so callers
never invert colours by hand: they pass what a person painted to
`painted_to_titan_mask`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageOps

from .errors import TitanValidationError
from .images import CHANGE, KEEP, ImageInput, load_image


def painted_to_titan_mask(painted: Any, *, size: tuple[int, int] | None = None) -> Image.Image:
    """Turn what a person painted (strokes = area to change) into a Titan mask.

    Accepts a Gradio ImageEditor value (dict with "layers", arrays or PILs), a single RGBA
    layer (painted where alpha > 0), or a greyscale/RGB image where non-black is painted.
    Returns an "L" image: 0 (black) where painted, 255 (white) elsewhere — Titan's
    convention for INPAINTING, the opposite of DALL-E/SDXL.
    """
    painted_area = painted_area_of(painted)
    if painted_area is None:
        raise TitanValidationError("mask", "nothing painted", "a painted area", problem="the mask is empty")
    mask = Image.fromarray(np.where(painted_area, CHANGE, KEEP).astype(np.uint8), mode="L")
    if size is not None and mask.size != tuple(size):
        mask = mask.resize(size, Image.NEAREST)
    return mask


def painted_area_of(painted: Any) -> np.ndarray | None:
    """Boolean array, True where something was painted; None when nothing was."""
    if painted is None:
        return None
    if isinstance(painted, dict):
        layers = [layer for layer in painted.get("layers") or [] if layer is not None]
        areas = [painted_area_of(layer) for layer in layers]
        areas = [area for area in areas if area is not None]
        if not areas:
            return None
        union = areas[0].copy()
        for area in areas[1:]:
            if area.shape == union.shape:
                union |= area
        return union
    image = load_image(painted, field="mask")
    # Strokes live in alpha; RGB under alpha 0 is undefined, so never read it.
    has_alpha = "A" in image.getbands()
    area = np.asarray(image.getchannel("A")) > 0 if has_alpha else np.asarray(image.convert("L")) > 127
    return area if area.any() else None


def titan_mask_to_painted(mask: Image.Image) -> np.ndarray:
    """Boolean array, True where a Titan mask is black (the inside)."""
    return np.asarray(mask.convert("L")) < 128


def check_mask_pixels(mask: Image.Image, *, field: str = "mask_image") -> None:
    """Titan masks hold pure black and pure white only."""
    array = np.asarray(mask.convert("RGB") if mask.mode not in ("L", "RGB") else mask)
    if array.ndim == 3:
        channels_equal = (array == array[:, :, :1]).all()
        if not channels_equal:
            raise TitanValidationError(field, "coloured pixels", "pure black (0) and pure white (255) only")
        array = array[:, :, 0]
    grey = np.unique(array)
    stray = [int(v) for v in grey if v not in (CHANGE, KEEP)]
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
