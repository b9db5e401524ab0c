"""All image handling for `titan`: decoding any input, base64, masks, canvas padding.

Tasks and engines never touch PIL directly for these chores; they call the functions
here, so the rules about modes, orientation, transparency and mask colours live in one
place.

Request bodies are built with `body_image` / `body_mask`: an upload that is already what
Bedrock takes (an 8-bit RGB PNG or JPEG within the limits, upright, opaque, complete) is
sent byte for byte after reading only its header; anything else is decoded at reduced
size, with at most `DECODE_BUDGET_BYTES` of full-size pixels held at once across threads.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import functools
import io
import math
import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

#: Full-size decoded pixels (bytes, estimated) that may be held at once by all threads together.
#: One 64-megapixel 1-bit upload (128 MB with its reduction) at a time; a bigger decode runs alone.
DECODE_BUDGET_BYTES = 160 * 2**20
_REDUCING_GAP = 2.0  # Pillow's advice: box-reduce to twice the target, then Lanczos
_BAND_PIXELS = 4_000_000  # rows converted at a time when a mode must change before scaling
#: After a decode this large, freed memory is handed back to the system (see `_give_back_memory`).
_GIVE_BACK_AFTER_BYTES = 32 * 2**20

# Phones save multi-picture JPEGs; Pillow calls them MPO and reads their first picture.
_READABLE_FORMATS = (*ACCEPTED_FORMATS, "MPO")
_JPEG_FORMATS = ("JPEG", "MPO")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_END = b"\xff\xd9"
_ORIENTATION = 0x0112
_SWAPS_SIDES = (5, 6, 7, 8)  # EXIF orientations that turn the picture a quarter
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
#: Encoded bytes beyond the raw pixels an as-is upload may carry (EXIF, ICC, thumbnails).
_METADATA_ALLOWANCE = 1 * 2**20
#: Re-encoding a JPEG upload: it was lossy already, and JPEG is ~20× faster to write than PNG.
_JPEG_OPTIONS = {"quality": 95}


# --- opening ------------------------------------------------------------------------------


class _DecodeBudget:
    """Bytes of decoded pixels threads may hold together; a decode waits for its share."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, amount: int) -> Iterator[None]:
        amount = min(amount, self.limit)  # a decode bigger than the budget runs alone
        with self._changed:
            self._changed.wait_for(lambda: self._used + amount <= self.limit)
            self._used += amount
        try:
            yield
        finally:
            with self._changed:
                self._used -= amount
                self._changed.notify_all()


_DECODE_BUDGET = _DecodeBudget(DECODE_BUDGET_BYTES)

#: Working memory (bytes, estimated) that image work after the upload may hold at once across
#: threads: the offline engine's arrays, result thumbnails. Separate from the decode budget, which
#: that work may take inside it (never the other way round), so the two never wait on each other.
WORK_BUDGET_BYTES = 192 * 2**20
_WORK_BUDGET = _DecodeBudget(WORK_BUDGET_BYTES)


@contextmanager
def work_memory(amount: int) -> Iterator[None]:
    """Hold `amount` bytes of the work budget while the block runs (waiting for them if need be);
    larger work runs alone. Freed memory is handed back to the system after large work."""
    try:
        with _WORK_BUDGET.hold(amount):
            yield
    finally:
        if amount >= _GIVE_BACK_AFTER_BYTES:
            _give_back_memory()


@dataclass
class _Upload:
    """An input opened for reading: header parsed, pixels not decoded unless given decoded."""

    image: Image.Image
    field: str
    data: bytes | None = None  # the encoded file; None when given decoded (PIL image, array)
    owned: bool = True  # opened here, so closed here; a caller's PIL image is never closed

    @property
    def encoded(self) -> bool:
        return self.data is not None

    def close(self) -> None:
        if self.owned:
            self.image.close()


def _open_upload(value: ImageInput, field: str) -> _Upload:
    """Open `value` without decoding encoded pixels; refuse what can never be an image."""
    if isinstance(value, BodyImage):
        value = value.data
    if isinstance(value, Image.Image):
        return _Upload(value, field, owned=False)
    if isinstance(value, np.ndarray):
        return _Upload(_from_array(value, field), field)
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.is_file():
            raise TitanValidationError(field, str(value), "an existing image file", problem="file not found")
        value = path.read_bytes()  # encoded files are small; their decoded pixels are what is bounded
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        return _Upload(_open_header(data, field), field, data=data)
    raise TitanValidationError(field, type(value).__name__, "a PIL image, numpy array, PNG/JPEG bytes or a file path")


def _open_header(
    data: bytes, field: str, formats: tuple[str, ...] = _READABLE_FORMATS, named: str = "PNG, JPEG or WebP"
) -> Image.Image:
    """PIL's lazy open: format, mode and size read from the header, no pixels decoded.
    `formats` are the PIL format names accepted, `named` the same for a person."""
    if not data:
        raise TitanValidationError(field, "an empty file (0 bytes)", f"a {named} image", problem="the file is empty")
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise _too_large(field, _png_header_size(data) or "over 179 million pixels") from exc
    except Exception as exc:  # PIL raises many types for garbage input
        raise TitanValidationError(
            field,
            f"{len(data)} bytes",
            f"a {named} image",
            problem="not a readable image",
            hint="open it in an image editor and save it as PNG or JPEG",
        ) from exc
    if image.format not in formats:
        shown = image.format or "unknown format"
        image.close()
        raise TitanValidationError(
            field, shown, named, problem="this file type is not accepted", hint="save it as PNG or JPEG"
        )
    return image


def _png_header_size(data: bytes) -> str | None:
    """The "W×H px" in a PNG's IHDR, to name the size of a file too large to open."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE):
        return None
    width, height = struct.unpack(">II", data[16:24])
    return f"{width}×{height} px"


def _too_large(field: str, shown: str) -> TitanValidationError:
    return TitanValidationError(
        field,
        shown,
        f"at most {MAX_DECODE_PIXELS // 1_000_000} million pixels",
        problem="image too large to open safely",
        hint="scale it down before uploading",
    )


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


# --- decoding -----------------------------------------------------------------------------


def _orientation(image: Image.Image) -> int:
    """EXIF orientation (1 = upright). Reads metadata only, except for a PNG not yet decoded
    (its eXIf chunk may follow the pixels), which callers handle before decoding."""
    try:
        return int(image.getexif().get(_ORIENTATION, 1) or 1)
    except Exception:  # damaged EXIF: show the pixels as stored
        return 1


def _header_orientation(image: Image.Image) -> int:
    """Orientation known without decoding; a PNG's is only known after decoding, so 1 here."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    return _orientation(image)


def _upright(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in _SWAPS_SIDES else size


def _pixel_bytes(mode: str) -> int:
    """Bytes PIL keeps per pixel: 1-bit, L and P use a byte, 16-bit two, the rest four."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


@contextmanager
def _decoded(upload: _Upload, stored_size: tuple[int, int] | None = None) -> Iterator[tuple[Image.Image, int]]:
    """Gives (the upload's pixels at `stored_size`, turned upright; the EXIF orientation applied).

    `stored_size` is in the stored orientation (None = as stored). A JPEG is decoded
    already reduced. The full-size pixels are released as soon as they are reduced, and
    the caller finishes (converts, encodes) inside the `with`, still under the decode
    budget, so concurrent uploads never hold more than the budget between them. A caller
    that keeps the picture beyond the `with` sets `upload.owned = False`."""
    image = upload.image
    target = stored_size or image.size
    if upload.encoded and image.format in _JPEG_FORMATS and target != image.size:
        image.draft(None, target)  # DCT scaling: decodes at 1/2, 1/4 or 1/8 size, never below target
    width, height = image.size
    if upload.encoded and width * height > MAX_DECODE_PIXELS:
        raise _too_large(upload.field, f"{width}×{height} px")
    cost = width * height * _pixel_bytes(image.mode) * 2 if upload.encoded else 0
    try:
        with _DECODE_BUDGET.hold(cost):
            _load(upload)
            orientation = _orientation(image)
            picture = _resized(image, target)
            if picture is not image:
                upload.close()
            if orientation != 1:
                picture = ImageOps.exif_transpose(picture)  # also removes the tag: never turned twice
            yield picture, orientation
    finally:
        if cost >= _GIVE_BACK_AFTER_BYTES:
            _give_back_memory()


def _give_back_memory() -> None:
    """Return freed memory to the system. glibc keeps what a thread frees in that thread's
    own pool, where other threads cannot reuse it: ten uploads on ten server threads would
    otherwise hold ten full-size decodes' worth of memory long after they finished."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only; None elsewhere
    except OSError:
        return None


def _load(upload: _Upload) -> None:
    try:
        upload.image.load()
    except Exception as exc:
        raise _damaged(upload, "a complete PNG, JPEG or WebP file") from exc


def _damaged(upload: _Upload, allowed: str) -> TitanValidationError:
    shown = f"{len(upload.data)} bytes" if upload.data is not None else f"{upload.image.width}×{upload.image.height} px"
    return TitanValidationError(
        upload.field,
        shown,
        allowed,
        problem="image data is damaged",
        hint="the file may be cut short; export or download it again",
    )


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` at `size`, resampled in the smallest mode that averages well."""
    if image.size == size:
        return image
    mode = _resampling_mode(image)
    if mode == image.mode:
        return image.resize(size, Image.LANCZOS, reducing_gap=_REDUCING_GAP)
    factor = _reduction(image.size, size)
    box = (0, 0, image.width / factor[0], image.height / factor[1])  # a partial last block is not a whole pixel
    return _converted_reduced(image, mode, factor).resize(size, Image.LANCZOS, box=box)


def _resampling_mode(image: Image.Image) -> str:
    """A mode PIL resamples smoothly: 1-bit and palette images would be resized by nearest pixel."""
    if image.mode == "1":
        return "L"
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    if image.mode == "PA":
        return "RGBA"
    return "I" if image.mode.startswith("I;16") else image.mode


def _reduction(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The whole-number box reduction Pillow makes before Lanczos (its `reducing_gap`)."""
    return (
        max(1, int(size[0] / target[0] / _REDUCING_GAP)),
        max(1, int(size[1] / target[1] / _REDUCING_GAP)),
    )


def _converted_reduced(image: Image.Image, mode: str, factor: tuple[int, int]) -> Image.Image:
    """`image` converted to `mode` and box-reduced by `factor`, one band of rows at a time,
    so no full-size converted copy exists (a 64-megapixel 1-bit scan would need 64 MB more)."""
    if factor == (1, 1):
        return image.convert(mode)
    width, height = image.size
    rows = max(1, _BAND_PIXELS // width // factor[1]) * factor[1]
    reduced = Image.new(mode, (-(-width // factor[0]), -(-height // factor[1])))
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(top + rows, height))).convert(mode)
        reduced.paste(band.reduce(factor), (0, top // factor[1]))
    return reduced


# --- the functions callers use ------------------------------------------------------------


def load_image(value: ImageInput, *, field: str = "image") -> Image.Image:
    """Return `value` as a PIL image, EXIF orientation applied, without changing its mode.

    Raises `TitanValidationError` naming `field` for unreadable data, unsupported formats
    and decompression bombs. The whole image is decoded and returned; to send an image,
    `body_image` is cheaper (it may not decode at all, and decodes large images reduced).
    """
    upload = _open_upload(value, field)
    if not upload.encoded:
        return upload.image if _orientation(upload.image) == 1 else ImageOps.exif_transpose(upload.image)
    with _decoded(upload) as (picture, _):
        upload.owned = False  # the caller keeps the pixels
        return picture


def painted_pixels(value: ImageInput, *, size: tuple[int, int] | None = None, field: str = "mask") -> Image.Image:
    """Where a person painted, as an upright "L" image at `size` (nearest pixel): 255 painted, 0 not.

    Strokes live in alpha when the image has it (an editor layer: any alpha counts, so
    soft brush edges do; the colour under alpha 0 is undefined and never read); without
    alpha, light pixels (over half grey) are painted. Only this channel is kept: the full
    decode runs under the decode budget and is released before returning.
    """
    upload = _open_upload(value, field)
    try:
        with _decoded(upload) as (picture, _):
            painted = _strokes(picture)
            return (
                painted if size is None or painted.size == tuple(size) else painted.resize(tuple(size), Image.NEAREST)
            )
    finally:
        upload.close()


_PAINTED_IF_ANY = [0] + [255] * 255
_PAINTED_IF_LIGHT = [0] * 128 + [255] * 128


def _strokes(image: Image.Image) -> Image.Image:
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if "A" in image.getbands():
        return image.getchannel("A").point(_PAINTED_IF_ANY)
    return image.convert("L").point(_PAINTED_IF_LIGHT)


def check_image_bytes(data: bytes, *, field: str = "image") -> None:
    """Cheap check that `data` is a PNG/JPEG/WebP: reads the header, decodes no pixels."""
    _open_header(bytes(data), field, ACCEPTED_FORMATS).close()


def peek_size(value: ImageInput, *, field: str = "image") -> tuple[int, int]:
    """(width, height) as the image will be shown, upright; encoded inputs are read from
    their header only. (A PNG's rare EXIF turn after its pixels is not seen here.)"""
    if isinstance(value, BodyImage):
        return value.size
    upload = _open_upload(value, field)
    try:
        return _upright(upload.image.size, _header_orientation(upload.image))
    finally:
        upload.close()


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
    return _open_header(raw, field, ("PNG", *_JPEG_FORMATS), "PNG or JPEG")


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


# --- fitting into a model's limits --------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    max_side: int | None
    min_side: int
    max_pixels: int | None  # exclusive: width × height must stay below it

    def allow(self, size: tuple[int, int]) -> bool:
        width, height = size
        if self.max_side and max(size) > self.max_side:
            return False
        return min(size) >= self.min_side and not (self.max_pixels and width * height >= self.max_pixels)

    def describe(self) -> str:
        sides = f"{self.min_side}–{self.max_side} px" if self.max_side else f"at least {self.min_side} px"
        total = f", under {self.max_pixels:,} pixels in total" if self.max_pixels else ""
        return f"each side {sides}{total}"


def _fitted_size(size: tuple[int, int], limits: _Limits, field: str) -> tuple[int, int]:
    """The size `size` is scaled to, keeping its aspect, to fit `limits`; itself when it fits."""
    if limits.allow(size):
        return size
    width, height = size
    scale = 1.0
    if limits.max_side:
        scale = min(scale, limits.max_side / max(size))
    if limits.max_pixels:
        scale = min(scale, math.sqrt((limits.max_pixels - 1) / (width * height)))
    fitted = (max(1, math.floor(width * scale + 0.5)), max(1, math.floor(height * scale + 0.5)))
    if limits.max_pixels and fitted[0] * fitted[1] >= limits.max_pixels:
        fitted = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    if min(fitted) < limits.min_side:
        scale = limits.min_side / min(size)
        fitted = (max(limits.min_side, round(width * scale)), max(limits.min_side, round(height * scale)))
    if not limits.allow(fitted):
        raise TitanValidationError(
            field,
            f"{width}×{height} px",
            limits.describe(),
            problem="its sides are too unequal to scale into the allowed range",
            hint="crop it to a less elongated shape first",
        )
    return fitted


def _scaling_notice(field: str, size: tuple[int, int], fitted: tuple[int, int]) -> str | None:
    if fitted == size:
        return None
    verb = "reduced" if fitted[0] * fitted[1] < size[0] * size[1] else "enlarged"
    return f"{field} was {size[0]}×{size[1]} px; {verb} to {fitted[0]}×{fitted[1]} px to fit the model's limits"


def _target(upload: _Upload, limits: _Limits, *, fit: bool) -> tuple[int, int]:
    """The size to decode at, in the stored orientation (the limits do not care which side is
    which); refuses instead of scaling when not `fit`."""
    turn = _header_orientation(upload.image)
    size = _upright(upload.image.size, turn)
    fitted = _fitted_size(size, limits, upload.field)
    if fitted != size and not fit:
        raise TitanValidationError(
            upload.field,
            f"{size[0]}×{size[1]} px",
            limits.describe(),
            problem="the image does not fit the model's limits",
            hint=f"scale it to fit, e.g. to {fitted[0]}×{fitted[1]} px (get_model(model_id).fit_input does this)",
        )
    return _upright(fitted, turn)


def fit_image(
    image: ImageInput, *, max_side: int, min_side: int = 1, max_pixels: int | None = None, field: str = "image"
):
    """Scale an input so every side is within [min_side, max_side] (and under `max_pixels`).

    Returns (RGB image, notice or None); the notice tells the person what changed, e.g.
    "image was 4032×3024 px; reduced to 1408×1056 px to fit the model's limits".
    Large uploads are decoded reduced and under the decode budget.
    """
    upload = _open_upload(image, field)
    try:
        target = _target(upload, _Limits(max_side, min_side, max_pixels), fit=True)
        stored = upload.image.size  # before a JPEG draft shrinks it
        with _decoded(upload, target) as (picture, turn):
            rgb = to_rgb(picture)
            upload.owned = rgb is not upload.image  # the caller keeps these pixels
            return rgb, _scaling_notice(field, _upright(stored, turn), rgb.size)
    finally:
        upload.close()


# --- request bodies -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BodyImage:
    """An image ready for a request body. Two are equal when they carry the same picture (the same
    pixels), however each was encoded: a body read back equals the request that was sent."""

    b64: str
    """Base64 PNG or JPEG, exactly what goes into the body."""
    size: tuple[int, int]
    """(width, height) of what is sent."""
    notice: str | None = None
    """Set when the image was scaled or visibly changed: a sentence for the person, e.g.
    "image was 4032×3024 px; reduced to 1408×1056 px to fit the model's limits"."""

    @classmethod
    def from_b64(cls, data: object, *, field: str) -> BodyImage:
        """From a body's base64 string (as received): the header is read, the pixels are not decoded."""
        return cls(data, peek_b64(data, field=field).size)  # type: ignore[arg-type]

    @property
    def data(self) -> bytes:
        return base64.b64decode(self.b64)

    def open(self, *, field: str = "image") -> Image.Image:
        return load_image(self.data, field=field)

    def transparent(self) -> bool:
        return has_transparency(peek_b64(self.b64))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BodyImage):
            return NotImplemented
        if self.b64 == other.b64:
            return True
        if self.size != other.size:
            return False
        mine, theirs = self.open(), other.open()
        return mine.mode == theirs.mode and mine.tobytes() == theirs.tobytes()

    def __hash__(self) -> int:
        return hash(self.size)


def body_image(
    value: ImageInput,
    *,
    field: str = "image",
    max_side: int | None = None,
    min_side: int = 1,
    max_pixels: int | None = None,
    opaque: bool = False,
    fit: bool = True,
) -> BodyImage:
    """`value` as Bedrock takes it: 8-bit RGB PNG or JPEG, upright, opaque, within the limits.

    An upload that already is that (RGB PNG or JPEG, no EXIF turn, no alpha, complete file,
    within the limits) is sent as it is: only its header is read and its chunks checked.
    Greyscale uploads are converted to RGB, as the Bedrock contract asks for colour
    channels. Anything else is decoded (reduced while decoding for JPEG), scaled into
    [min_side, max_side] and under `max_pixels`, composited on white where transparent,
    and encoded: JPEG uploads as JPEG (quality 95), everything else as fast PNG.

    `fit=False` refuses an image outside the limits instead of scaling it (the Python
    client's rule; the playground scales). `opaque=True` is for models that refuse
    transparency: the notice then tells the person their transparent areas became white.
    Raises `TitanValidationError` naming `field` with a sentence for every bad input.
    """
    upload = _open_upload(value, field)
    try:
        target = _target(upload, _Limits(max_side, min_side, max_pixels), fit=fit)
        as_is = _sendable_bytes(upload, ("RGB",)) if target == upload.image.size else None
        if as_is is not None:
            return BodyImage(_b64(as_is), upload.image.size, None)
        image_format = "JPEG" if upload.encoded and upload.image.format in _JPEG_FORMATS else "PNG"
        stored = upload.image.size  # before a JPEG draft shrinks it
        with _decoded(upload, target) as (picture, turn):
            size, filled = picture.size, opaque and has_transparency(picture)
            b64 = _encoded_b64(to_rgb(picture), image_format)
    finally:
        upload.close()
    notices = [_scaling_notice(field, _upright(stored, turn), size)]
    if filled:
        notices.append(f"{field} had transparent areas; they were filled with white, as this model needs them opaque")
    return BodyImage(b64, size, "; ".join(filter(None, notices)) or None)


def body_mask(value: ImageInput, *, size: tuple[int, int] | None = None, field: str = "mask_image") -> BodyImage:
    """A mask for a request body, pixels as given (grey pixels are left for the checks to name).

    A PNG or JPEG mask in L or RGB, upright, opaque and already `size` is sent as it is;
    otherwise it is decoded, made L (or RGB), and scaled to `size` by nearest pixel so its
    colours stay pure, e.g. when the image it belongs to was reduced by `body_image`.
    Always PNG when re-encoded: JPEG would blur the edges into grey.
    """
    upload = _open_upload(value, field)
    try:
        stored = upload.image.size
        as_is = _sendable_bytes(upload, ("L", "RGB")) if size is None or tuple(size) == stored else None
        if as_is is not None:
            return BodyImage(_b64(as_is), stored, None)
        with _decoded(upload) as (picture, turn):
            mask = _mask_pixels(picture, size)
            sent, b64 = mask.size, _encoded_b64(mask, "PNG")
    finally:
        upload.close()
    width, height = _upright(stored, turn)
    scaled = f"{field} was {width}×{height} px; scaled to {sent[0]}×{sent[1]} px to match the image"
    return BodyImage(b64, sent, scaled if sent != (width, height) else None)


def _mask_pixels(mask: Image.Image, size: tuple[int, int] | None) -> Image.Image:
    """L or RGB at `size`, resized by nearest pixel so black and white stay pure."""
    if mask.mode not in ("L", "RGB"):
        mask = mask.convert("L") if mask.mode == "1" else to_rgb(mask)
    return mask if size is None or mask.size == tuple(size) else mask.resize(tuple(size), Image.NEAREST)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encoded_b64(image: Image.Image, image_format: str) -> str:
    """Base64 of an "L" or "RGB" image as JPEG, or as PNG written for speed: sent, not stored.

    PNG goes through OpenCV's libpng with one fixed row filter and zlib level 1 run-length
    matching: ~3× faster than Pillow (whose per-row filter search is slow) for a 1408²
    photo, at the size of Pillow's level 1. OpenCV is imported here, not with the module,
    as most uploads are sent as they are and `import titan` stays light.
    """
    if image_format == "PNG":
        import cv2

        pixels = np.asarray(image)
        if pixels.ndim == 3:
            pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
        options = [
            cv2.IMWRITE_PNG_COMPRESSION, 1,
            cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
            cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
        ]  # fmt: skip
        written, encoded = cv2.imencode(".png", pixels, options)
        if written:
            return _b64(encoded.tobytes())
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **(_JPEG_OPTIONS if image_format == "JPEG" else {"compress_level": 1}))
    return _b64(buffer.getvalue())


def _sendable_bytes(upload: _Upload, modes: tuple[str, ...]) -> bytes | None:
    """The upload's file when it can go into a body unchanged: PNG or JPEG, 8 bits per
    channel in one of `modes`, upright, opaque, complete; else None. Only the header and
    the chunk framing are read, no pixels."""
    image, data = upload.image, upload.data
    if data is None or image.format not in ("PNG", "JPEG") or image.mode not in modes:
        return None
    if getattr(image, "is_animated", False) or _header_orientation(image) != 1:
        return None
    width, height = image.size
    if len(data) > width * height * len(image.getbands()) + height + _METADATA_ALLOWANCE:
        return None  # mostly metadata: re-encoding drops it
    if image.format == "JPEG":
        # A JPEG cut short lacks its end marker; one that has it may still carry trailing junk,
        # so a missing marker means "decode and see", not "damaged".
        return data if data.rstrip(b"\0")[-2:] == _JPEG_END else None
    return data if _plain_png(upload, data) else None


def _plain_png(upload: _Upload, data: bytes) -> bool:
    """An 8-bit PNG without transparency or an EXIF turn; refuses damaged or truncated files."""
    image = upload.image
    rawmode = image.tile[0][3] if image.tile else None
    if rawmode != image.mode or "transparency" in image.info:
        return False  # 16-bit ("RGB;16B") or a transparent colour
    if "Raw profile type exif" in image.info or "Orientation" in str(image.info.get("XML:com.adobe.xmp", "")):
        return False
    chunks = _png_chunks(data)
    if chunks is None:
        raise _damaged(upload, "a complete PNG file")
    after_pixels = chunks[chunks.index(b"IDAT") :] if b"IDAT" in chunks else []
    return b"eXIf" not in chunks and not any(kind in _TEXT_CHUNKS for kind in after_pixels)


def _png_chunks(data: bytes) -> list[bytes] | None:
    """Chunk types of a PNG up to IEND with every CRC checked; None when cut short or damaged."""
    view = memoryview(data)
    kinds: list[bytes] = []
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if end > len(data):
            return None
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(view[position + 4 : end - 4]) != crc:
            return None
        kinds.append(kind)
        if kind == b"IEND":
            return kinds
        position = end
    return None
