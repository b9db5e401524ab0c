"""All image handling for `titan`: decoding any input, base64, masks, canvas padding.

Tasks and engines never touch PIL directly for these chores; they call the functions
here, so the rules about modes, orientation, transparency and mask colours live in one
place.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

from .errors import TitanValidationError

ImageInput = Image.Image | np.ndarray | bytes | bytearray | str | os.PathLike
"""Anything `titan` accepts as an image: PIL image, numpy array, encoded bytes or a path."""

#: Refuse to decode more pixels than this (decompression bombs); Titan's own limits are far lower.
MAX_DECODE_PIXELS = 64_000_000
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
KEEP = 255  # Titan mask: white = keep
CHANGE = 0  # Titan mask: black = inside the mask (inpainting changes it)


def load_image(value: ImageInput, *, field: str = "image") -> Image.Image:
    """Return `value` as a PIL image, EXIF orientation applied, without changing its mode.

    Raises `TitanValidationError` naming `field` for unreadable data, unsupported formats
    and decompression bombs.
    """
    if isinstance(value, Image.Image):
        return value
    if isinstance(value, np.ndarray):
        return _from_array(value, field)
    if isinstance(value, (bytes, bytearray)):
        return _open_bytes(bytes(value), field)
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.is_file():
            raise TitanValidationError(field, str(value), "an existing image file", problem="file not found")
        return _open_bytes(path.read_bytes(), field)
    raise TitanValidationError(field, type(value).__name__, "a PIL image, numpy array, PNG/JPEG bytes or a file path")


def _from_array(array: np.ndarray, field: str) -> Image.Image:
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise TitanValidationError(field, f"array of shape {array.shape}", "H×W, H×W×3 or H×W×4")
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating) and array.size and array.max() <= 1.0:
            array = array * 255.0
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    return Image.fromarray(array)


def _open_bytes(data: bytes, field: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise _too_large(field, "over 89 million pixels") from exc
    except Exception as exc:  # PIL raises many types for garbage input
        raise TitanValidationError(
            field, f"{len(data)} bytes", "a PNG, JPEG or WebP image", problem="not a readable image"
        ) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise TitanValidationError(field, image.format or "unknown format", "PNG, JPEG or WebP")
    if image.width * image.height > MAX_DECODE_PIXELS:
        raise _too_large(field, f"{image.width}×{image.height}")
    try:
        image.load()
    except Exception as exc:
        raise TitanValidationError(
            field, f"{len(data)} bytes", "a complete PNG, JPEG or WebP file", problem="image data is damaged"
        ) from exc
    return ImageOps.exif_transpose(image)


def check_image_bytes(data: bytes, *, field: str = "image") -> None:
    """Cheap check that `data` is a PNG/JPEG/WebP: reads the header, decodes no pixels."""
    try:
        image = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise TitanValidationError(
            field, f"{len(data)} bytes", "a PNG, JPEG or WebP image", problem="not a readable image"
        ) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise TitanValidationError(field, image.format or "unknown format", "PNG, JPEG or WebP")


def _too_large(field: str, shown: str) -> TitanValidationError:
    return TitanValidationError(
        field,
        shown,
        f"at most {MAX_DECODE_PIXELS // 1_000_000} million pixels",
        problem="image too large to open safely",
        hint="scale it down before uploading",
    )


def to_rgb(image: Image.Image, *, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """8-bit RGB for any mode: alpha composited on `background`, 16-bit scaled, CMYK converted."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.uint32)
        scale = 257 if array.max(initial=0) > 255 else 1
        return Image.fromarray((array // scale).clip(0, 255).astype(np.uint8)).convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, background)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def has_transparency(image: Image.Image) -> bool:
    """True when any pixel is not fully opaque."""
    if image.mode == "P":
        return "transparency" in image.info
    if "A" not in image.getbands():
        return False
    return image.getchannel("A").getextrema()[0] < 255


def encode_png_b64(image: Image.Image, *, text: dict[str, str] | None = None, compress_level: int = 1) -> str:
    """Base64 of `image` as PNG. Low compression by default: requests are sent, not stored."""
    buffer = io.BytesIO()
    info = None
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_itxt(key, value)
    image.save(buffer, format="PNG", pnginfo=info, compress_level=compress_level)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_b64(data: str, *, field: str = "image") -> bytes:
    """Bytes of a base64 string, or `TitanValidationError` naming `field`."""
    if not isinstance(data, str) or not data:
        raise TitanValidationError(field, type(data).__name__, "a non-empty base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TitanValidationError(field, f"{data[:16]}…", "base64-encoded PNG or JPEG") from exc


def decode_image_b64(data: str, *, field: str = "image") -> Image.Image:
    """PIL image from a base64 PNG/JPEG string, as found in bodies and responses."""
    return load_image(decode_b64(data, field=field), field=field)


def peek_b64(data: str, *, field: str = "image") -> Image.Image:
    """Open a base64 image without decoding its pixels (size, mode and format are read)."""
    raw = decode_b64(data, field=field)
    try:
        image = Image.open(io.BytesIO(raw))
    except Exception as exc:
        raise TitanValidationError(
            field, f"{len(raw)} bytes", "a PNG or JPEG image", problem="not a readable image"
        ) from exc
    if image.format not in ("PNG", "JPEG"):
        raise TitanValidationError(field, image.format or "unknown format", "PNG or JPEG")
    return image


def prepare_input(value: ImageInput, *, field: str = "image") -> Image.Image:
    """Load an input image and make it what Bedrock accepts: 8-bit RGB, orientation applied."""
    return to_rgb(load_image(value, field=field))


def pad_for_outpaint(
    image: ImageInput,
    *,
    left: int = 0,
    right: int = 0,
    top: int = 0,
    bottom: int = 0,
    fill: tuple[int, int, int] = (127, 127, 127),
) -> tuple[Image.Image, Image.Image]:
    """Place `image` on a larger canvas and return (canvas, Titan mask).

    The mask is black over the original (kept by OUTPAINTING) and white over the new
    area (generated).
    """
    for name, amount in (("left", left), ("right", right), ("top", top), ("bottom", bottom)):
        if amount < 0:
            raise TitanValidationError(name, amount, "0 or more pixels")
    source = prepare_input(image)
    width, height = source.width + left + right, source.height + top + bottom
    canvas = Image.new("RGB", (width, height), fill)
    canvas.paste(source, (left, top))
    mask = Image.new("L", (width, height), KEEP)
    mask.paste(CHANGE, (left, top, left + source.width, top + source.height))
    return canvas, mask


def fit_image(
    image: ImageInput, *, max_side: int, min_side: int = 1, max_pixels: int | None = None, field: str = "image"
):
    """Scale an input so every side is within [min_side, max_side] (and under `max_pixels`).

    Returns (RGB image, notice or None); the notice tells the person what changed, e.g.
    "image was 4032×3024; scaled to 1408×1056 (Titan's limit is 1408 px a side)".
    """
    source = prepare_input(image, field=field)
    width, height = source.size
    scale = min(1.0, max_side / max(width, height))
    if max_pixels and width * height * scale * scale >= max_pixels:
        scale = min(scale, (max_pixels / (width * height)) ** 0.5 * 0.999)
    if min(width, height) * scale < min_side:
        scale = min_side / min(width, height)
    if abs(scale - 1.0) < 1e-9:
        return source, None
    size = (max(min_side, round(width * scale)), max(min_side, round(height * scale)))
    resized = source.resize(size, Image.LANCZOS)
    verb = "reduced" if scale < 1 else "enlarged"
    return resized, f"{field} was {width}×{height} px; {verb} to {size[0]}×{size[1]} px to fit the model's limits"


def peek_size(value: object) -> tuple[int, int]:
    """(width, height) of any image input, orientation applied, without decoding pixels where it can."""
    size = getattr(value, "size", None)
    if isinstance(value, Image.Image) or (isinstance(size, tuple) and len(size) == 2):
        return size  # a PIL image, or a body image that knows its size
    if isinstance(value, np.ndarray):
        return int(value.shape[1]), int(value.shape[0])
    data = value if isinstance(value, (bytes, bytearray)) else Path(value).read_bytes()  # type: ignore[arg-type]
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            turned = image.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF orientations that swap the sides
    except Exception as exc:
        raise TitanValidationError(
            "image", f"{len(data)} bytes", "a PNG, JPEG or WebP image", problem="not readable"
        ) from exc
    return (height, width) if turned else (width, height)
