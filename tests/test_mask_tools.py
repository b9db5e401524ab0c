"""Mask editing helpers: they keep Titan's convention (black = inside) and pure black/white."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from titan.errors import TitanValidationError
from titan.mask_tools import feather_mask, grow_mask, mask_from_subject, shrink_mask
from titan.masks import check_mask_pixels


def square(size: int = 64, box: tuple[int, int, int, int] = (20, 20, 44, 44)) -> Image.Image:
    """Titan mask with a black square `box` (x0, y0, x1, y1) on white."""
    mask = np.full((size, size), 255, np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 0
    return Image.fromarray(mask, mode="L")


def inside(mask: Image.Image) -> np.ndarray:
    return np.asarray(mask) == 0


def distance_outside(mask: Image.Image) -> np.ndarray:
    """Distance of every pixel to the mask's inside (0 inside)."""
    return cv2.distanceTransform((~inside(mask)).astype(np.uint8), cv2.DIST_L2, 5)


def test_grow_widens_the_inside_by_the_given_pixels() -> None:
    mask = square()
    grown = grow_mask(mask, 3)
    assert grown.mode == "L" and grown.size == mask.size
    check_mask_pixels(grown)
    assert (inside(grown) >= inside(mask)).all()
    added = inside(grown) & ~inside(mask)
    assert added.any()
    assert distance_outside(mask)[added].max() <= 3.5
    assert inside(grown)[30, 17] and not inside(grown)[30, 16]


def test_shrink_narrows_the_inside_and_undoes_grow() -> None:
    mask = square()
    shrunk = shrink_mask(mask, 3)
    check_mask_pixels(shrunk)
    assert (inside(shrunk) <= inside(mask)).all()
    assert inside(shrunk)[23:41, 23:41].all() and not inside(shrunk)[22, 30]
    assert np.array_equal(shrink_mask(grow_mask(mask, 4), 4), mask)


def test_zero_pixels_is_a_copy_and_negative_is_refused() -> None:
    mask = square()
    assert np.array_equal(np.asarray(grow_mask(mask, 0)), np.asarray(mask))
    assert np.array_equal(np.asarray(shrink_mask(mask, 0)), np.asarray(mask))
    with pytest.raises(TitanValidationError, match="pixels"):
        grow_mask(mask, -1)
    with pytest.raises(TitanValidationError):
        shrink_mask(mask, 2.5)  # type: ignore[arg-type]


def test_thin_parts_vanish_when_shrunk() -> None:
    line = square(box=(10, 30, 54, 32))  # 2 px tall
    assert not inside(shrink_mask(line, 2)).any()


def test_feather_gives_a_soft_alpha_not_a_titan_mask() -> None:
    mask = square()
    alpha = np.asarray(feather_mask(mask, 8))
    assert feather_mask(mask, 8).mode == "L"
    assert alpha[32, 32] == 255, "deep inside is fully selected (white, like an alpha channel)"
    assert alpha[0, 0] == 0 and alpha[63, 63] == 0
    greys = (alpha > 0) & (alpha < 255)
    assert greys.sum() > 100, "the edge fades"
    assert alpha[32, 22] > alpha[32, 19] > alpha[32, 17] > alpha[32, 10] == 0, "fades outward over ~8 px"
    with pytest.raises(TitanValidationError):
        check_mask_pixels(feather_mask(mask, 8))
    assert np.array_equal(np.asarray(feather_mask(mask, 0)), 255 - np.asarray(mask))


def disc_picture(size: int = 256) -> np.ndarray:
    image = np.full((size, size, 3), (200, 212, 226), np.uint8)
    cv2.circle(image, (size // 2, size // 2), size // 4, (30, 140, 60), -1, cv2.LINE_AA)
    return image


def test_mask_from_subject_selects_the_subject_or_the_background() -> None:
    picture = disc_picture()
    subject = mask_from_subject(Image.fromarray(picture))
    check_mask_pixels(subject)
    assert subject.size == (256, 256)
    assert inside(subject)[128, 128] and not inside(subject)[5, 5]
    disc = np.zeros((256, 256), np.uint8)
    cv2.circle(disc, (128, 128), 64, 1, -1)
    iou = (inside(subject) & disc.astype(bool)).sum() / (inside(subject) | disc.astype(bool)).sum()
    assert iou > 0.9
    background = mask_from_subject(picture, select="background")
    assert np.array_equal(inside(background), ~inside(subject))


def test_mask_from_subject_refuses_unknown_selections() -> None:
    with pytest.raises(TitanValidationError, match="select"):
        mask_from_subject(disc_picture(64), select="sky")  # type: ignore[arg-type]
