"""Painted strokes become Titan masks (black = change) without anyone inverting by hand."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from titan import TitanValidationError, binarize_mask, invert_mask, pad_for_outpaint, painted_to_titan_mask
from titan.masks import check_mask_pixels, titan_mask_to_painted


def stroke_layer(size=(8, 6), box=(2, 1, 5, 4)) -> np.ndarray:
    """An RGBA editor layer: transparent, with an opaque stroke in `box`; RGB under alpha 0 is junk."""
    width, height = size
    layer = np.zeros((height, width, 4), dtype=np.uint8)
    layer[..., :3] = 200  # undefined colour under alpha 0 must be ignored
    x0, y0, x1, y1 = box
    layer[y0:y1, x0:x1] = (255, 255, 255, 255)
    return layer


def test_editor_value_becomes_black_where_painted() -> None:
    editor = {"background": np.zeros((6, 8, 4), np.uint8), "layers": [stroke_layer()], "composite": None}
    mask = np.asarray(painted_to_titan_mask(editor))
    assert mask.shape == (6, 8)
    assert (mask[1:4, 2:5] == 0).all()
    outside = np.ones_like(mask, dtype=bool)
    outside[1:4, 2:5] = False
    assert (mask[outside] == 255).all()


def test_several_layers_are_united() -> None:
    editor = {"layers": [stroke_layer(box=(0, 0, 2, 2)), stroke_layer(box=(6, 4, 8, 6))]}
    mask = np.asarray(painted_to_titan_mask(editor))
    assert mask[0, 0] == 0 and mask[5, 7] == 0 and mask[3, 4] == 255


def test_faint_strokes_count_as_painted() -> None:
    layer = stroke_layer()
    layer[1:4, 2:5, 3] = 10  # a soft brush edge
    assert (np.asarray(painted_to_titan_mask(layer))[1:4, 2:5] == 0).all()


def test_greyscale_painting_white_means_change() -> None:
    painted = Image.new("L", (10, 10), 0)
    painted.paste(255, (0, 0, 5, 5))
    mask = np.asarray(painted_to_titan_mask(painted))
    assert mask[0, 0] == 0 and mask[9, 9] == 255


def test_empty_painting_is_refused_plainly() -> None:
    for empty in (None, {"layers": []}, {"layers": [np.zeros((4, 4, 4), np.uint8)]}):
        with pytest.raises(TitanValidationError, match="mask is empty"):
            painted_to_titan_mask(empty)


def test_resize_to_image_size_keeps_pure_colours() -> None:
    mask = painted_to_titan_mask(stroke_layer(), size=(80, 60))
    assert mask.size == (80, 60)
    check_mask_pixels(mask)


def test_round_trip_and_invert() -> None:
    mask = painted_to_titan_mask(stroke_layer())
    painted = titan_mask_to_painted(mask)
    assert painted.sum() == 9
    assert (titan_mask_to_painted(invert_mask(mask)) == ~painted).all()


def test_binarize_snaps_jpeg_edges() -> None:
    grey = Image.fromarray(np.array([[0, 3, 120, 130, 250, 255]], dtype=np.uint8))
    assert list(np.asarray(binarize_mask(grey))[0]) == [0, 0, 0, 255, 255, 255]


def test_outpaint_canvas_and_mask() -> None:
    image = Image.new("RGB", (100, 50), "red")
    canvas, mask = pad_for_outpaint(image, left=10, right=20, top=5, bottom=0)
    assert canvas.size == mask.size == (130, 55)
    assert canvas.getpixel((10, 5)) == (255, 0, 0)
    assert mask.getpixel((10, 5)) == 0 and mask.getpixel((109, 54)) == 0  # original kept (black)
    assert mask.getpixel((0, 0)) == 255 and mask.getpixel((129, 54)) == 255  # new area generated (white)


def test_negative_padding_refused() -> None:
    with pytest.raises(TitanValidationError, match="left"):
        pad_for_outpaint(Image.new("RGB", (10, 10)), left=-1)


def test_editor_value_as_file_paths(tmp_path) -> None:
    """The playground hands the editor over as files; only each layer's alpha is read."""
    paths = {}
    for name, pixels in (
        ("background", np.full((6, 8, 4), 90, np.uint8)),
        ("one", stroke_layer()),
        ("two", stroke_layer(box=(7, 5, 8, 6))),
    ):
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(pixels).save(paths[name])
    editor = {
        "background": str(paths["background"]),
        "layers": [str(paths["one"]), str(paths["two"])],
        "composite": None,
    }
    mask = painted_to_titan_mask(editor, size=(16, 12))
    assert mask.size == (16, 12) and mask.mode == "L"
    pixels = np.asarray(mask)
    assert pixels[2, 4] == 0 and pixels[11, 15] == 0 and pixels[0, 0] == 255
    check_mask_pixels(mask)


def test_mask_checker_accepts_pure_black_and_white() -> None:
    mask = Image.new("L", (40, 30), 255)
    mask.paste(0, (5, 5, 20, 20))
    check_mask_pixels(mask)
    check_mask_pixels(mask.convert("RGB"))
    check_mask_pixels(mask.convert("1"))


def test_mask_checker_names_grey_levels_and_colours() -> None:
    mask = Image.new("L", (40, 30), 255)
    mask.putpixel((3, 3), 7)
    mask.putpixel((4, 3), 200)
    with pytest.raises(TitanValidationError, match=r"2 grey level\(s\), e\.g\. 7") as refused:
        check_mask_pixels(mask)
    assert refused.value.field == "mask_image" and "binarize_mask" in str(refused.value)
    coloured = Image.new("RGB", (40, 30), "white")
    coloured.putpixel((10, 10), (255, 0, 0))
    with pytest.raises(TitanValidationError, match="coloured pixels"):
        check_mask_pixels(coloured)
