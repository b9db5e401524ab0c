"""Editing Titan masks: grow, shrink, feather, and a mask from the picture's subject.

Every function takes and returns masks in Titan's convention — mode "L", black (0) =
inside the mask, white (255) = outside — except `feather_mask`, whose soft result is for
display and compositing only. (`titan.masks` converts painted strokes and checks masks;
this module changes their shape.)
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from PIL import Image

from .errors import TitanValidationError
from .images import CHANGE, KEEP, ImageInput, load_image, prepare_input

__all__ = ["feather_mask", "grow_mask", "mask_from_subject", "shrink_mask"]


def grow_mask(mask: ImageInput, pixels: int) -> Image.Image:
    """Widen the inside (black) area by `pixels` in every direction (round corners).

    Useful before removal: a slightly larger mask also covers an object's halo and shadow.
    """
    return _morph(mask, pixels, cv2.dilate, field="pixels")


def shrink_mask(mask: ImageInput, pixels: int) -> Image.Image:
    """Narrow the inside (black) area by `pixels` from every side; thin parts may vanish."""
    return _morph(mask, pixels, cv2.erode, field="pixels")


def feather_mask(mask: ImageInput, radius: float) -> Image.Image:
    """A soft alpha ("L", 255 = inside, 0 = outside) fading over `radius` px across the edge.

    The fade is centred on the mask's edge: pixels more than radius/2 inside are 255,
    more than radius/2 outside are 0, with a smooth ramp between.

    NOT a Titan mask: it is inverted relative to Titan (white = inside, as an alpha
    channel) and holds greys, which Titan refuses. Use it to preview the masked area over
    the picture or to composite a result back smoothly; send the hard mask to Titan.
    """
    if not isinstance(radius, (int, float, np.integer, np.floating)) or radius < 0:
        raise TitanValidationError("radius", radius, "0 or more pixels")
    selected = _inside(mask)
    if radius == 0 or selected.all() or not selected.any():
        return Image.fromarray(np.where(selected, 255, 0).astype(np.uint8), mode="L")
    u8 = selected.astype(np.uint8)
    depth_in = cv2.distanceTransform(u8, cv2.DIST_L2, 5)
    depth_out = cv2.distanceTransform(1 - u8, cv2.DIST_L2, 5)
    signed = np.where(selected, depth_in - 0.5, 0.5 - depth_out)  # px from the edge, + inside
    ramp = np.clip(0.5 + signed / float(radius), 0, 1)
    alpha = ramp * ramp * (3 - 2 * ramp)
    return Image.fromarray(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8), mode="L")


def mask_from_subject(image: ImageInput, *, select: Literal["subject", "background"] = "subject") -> Image.Image:
    """A Titan mask of the picture's main subject (or of its background).

    Uses the offline background remover's alpha (subject = alpha ≥ 128), so it works
    without AWS. ``select="subject"`` makes the subject the inside (black): inpainting
    then changes or removes the subject. ``select="background"`` makes the background the
    inside: inpainting then replaces the background and keeps the subject.
    """
    if select not in ("subject", "background"):
        raise TitanValidationError("select", select, "'subject' or 'background'")
    from .offline.background_removal import subject_alpha

    pixels = np.asarray(prepare_input(image), dtype=np.uint8)
    subject = subject_alpha(pixels) >= 128
    inside = subject if select == "subject" else ~subject
    return _to_mask(inside)


def _morph(mask: ImageInput, pixels: int, operation, *, field: str) -> Image.Image:
    if not isinstance(pixels, (int, np.integer)) or isinstance(pixels, bool) or pixels < 0:
        raise TitanValidationError(field, pixels, "a whole number of pixels, 0 or more")
    inside = _inside(mask)
    if pixels == 0:
        return _to_mask(inside)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
    changed = operation(inside.astype(np.uint8), kernel, borderType=cv2.BORDER_REPLICATE)
    return _to_mask(changed.astype(bool))


def _inside(mask: ImageInput) -> np.ndarray:
    """Boolean array, True where a Titan mask is black (below 128)."""
    return np.asarray(load_image(mask, field="mask").convert("L")) < 128


def _to_mask(inside: np.ndarray) -> Image.Image:
    return Image.fromarray(np.where(inside, CHANGE, KEEP).astype(np.uint8), mode="L")
