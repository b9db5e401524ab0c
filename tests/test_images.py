"""Request-body images: valid uploads go out byte for byte, the rest is converted once,
every bad file is refused with a sentence, and huge uploads are scaled at bounded memory."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from titan import TitanValidationError, images
from titan.images import BodyImage, body_image, body_mask, fit_image, load_image, peek_b64, peek_size

ROOT = Path(__file__).resolve().parents[1]


def encoded(image: Image.Image, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def sent(body: BodyImage) -> Image.Image:
    """The image a body carries, decoded as the service would."""
    image = Image.open(io.BytesIO(base64.b64decode(body.b64)))
    image.load()
    return image


def quadrants(width: int = 64, height: int = 48) -> np.ndarray:
    """An RGB picture whose orientation is obvious: red top-left, blue bottom-right."""
    pixels = np.full((height, width, 3), 255, np.uint8)
    pixels[: height // 2, : width // 2] = (255, 0, 0)
    pixels[height // 2 :, width // 2 :] = (0, 0, 255)
    return pixels


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def handmade_png(width: int, height: int, *, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def rgb48_png(pixels: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one)."""
    height = pixels.shape[0]
    big_endian = pixels.astype(">u2").reshape(height, -1).tobytes()
    row_bytes = len(big_endian) // height
    rows = b"".join(b"\0" + big_endian[y * row_bytes : (y + 1) * row_bytes] for y in range(height))
    return handmade_png(pixels.shape[1], height, bit_depth=16, colour_type=2, rows=rows)


def turned_jpeg(pixels: np.ndarray, orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(Image.fromarray(pixels), "JPEG", quality=95, exif=exif.tobytes())


# --- as it is -----------------------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_valid_rgb_upload_is_sent_byte_for_byte(image_format: str, tmp_path: Path) -> None:
    data = encoded(Image.fromarray(quadrants()), image_format)
    path = tmp_path / f"photo.{image_format.lower()}"
    path.write_bytes(data)
    for value in (data, path, str(path)):
        body = body_image(value, max_side=1408)
        assert base64.b64decode(body.b64) == data
        assert body.size == (64, 48) and body.notice is None


def test_a_jpeg_turned_by_exif_is_never_sent_as_it_is() -> None:
    """Sent as-is, the service might show it lying on its side: the turn goes into the pixels, once."""
    pixels = quadrants()
    expected = np.rot90(pixels, k=-1)  # orientation 6: turn a quarter clockwise to view
    for max_side, size in ((None, (48, 64)), (24, (18, 24))):  # decoded at full size, and at half size
        body = body_image(turned_jpeg(pixels), max_side=max_side)
        picture = sent(body)
        assert 0x0112 not in picture.getexif() and picture.size == body.size == size
        by_hand = np.asarray(Image.fromarray(expected).resize(size, Image.LANCZOS)).astype(int)
        assert np.abs(np.asarray(picture) - by_hand).mean() < 6
    assert body.notice == "image was 48×64 px; reduced to 18×24 px to fit the model's limits"


def test_the_exif_turn_is_applied_once_whatever_the_path() -> None:
    data = turned_jpeg(quadrants())
    via_pil = sent(body_image(load_image(data)))
    via_fit = sent(body_image(fit_image(data, max_side=1408)[0]))
    direct = sent(body_image(data))
    assert via_pil.size == via_fit.size == direct.size == (48, 64)
    assert peek_size(data) == (48, 64)
    assert np.abs(np.asarray(via_pil).astype(int) - np.asarray(direct)).mean() < 4


def test_a_png_turned_by_exif_is_turned_too() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    body = body_image(encoded(Image.fromarray(quadrants()), exif=exif.tobytes()))
    assert np.array_equal(np.asarray(sent(body)), np.rot90(quadrants(), k=1))


# --- converted ----------------------------------------------------------------------------


def _conversions() -> dict[str, tuple[bytes, str]]:
    """Uploads that must be converted, and the format they are sent in."""
    rgb = Image.fromarray(quadrants())
    translucent = rgb.convert("RGBA")
    translucent.putalpha(0)
    grey16 = Image.fromarray((np.arange(48 * 64).reshape(48, 64) * 21).astype(np.uint16))
    palette_with_hole = rgb.convert("P")
    return {
        "alpha": (encoded(translucent), "PNG"),
        "16-bit RGB": (rgb48_png(quadrants().astype(np.uint16) * 257), "PNG"),
        "16-bit grey": (encoded(grey16), "PNG"),
        "CMYK": (encoded(rgb.convert("CMYK"), "JPEG", quality=95), "JPEG"),
        "palette": (encoded(rgb.convert("P")), "PNG"),
        "palette + transparency": (encoded(palette_with_hole, transparency=0), "PNG"),
        "1-bit": (encoded(rgb.convert("1")), "PNG"),
        "grey": (encoded(rgb.convert("L")), "PNG"),
        "grey JPEG": (encoded(rgb.convert("L"), "JPEG"), "JPEG"),
        "WebP": (encoded(rgb, "WEBP", lossless=True), "PNG"),
    }


@pytest.mark.parametrize("kind", list(_conversions()))
def test_other_uploads_are_converted_to_8_bit_rgb(kind: str) -> None:
    data, sent_format = _conversions()[kind]
    body = body_image(data)
    picture = sent(body)
    assert base64.b64decode(body.b64) != data
    assert (picture.format, picture.mode, picture.size, body.size) == (sent_format, "RGB", (64, 48), (64, 48))
    assert body.notice is None


def test_transparency_becomes_white_and_is_told_when_the_model_needs_opaque() -> None:
    translucent = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    translucent.paste((0, 0, 255, 255), (0, 0, 16, 32))
    quiet, told = body_image(encoded(translucent)), body_image(encoded(translucent), opaque=True)
    assert sent(quiet).getpixel((30, 5)) == (255, 255, 255) and sent(quiet).getpixel((5, 5)) == (0, 0, 255)
    assert quiet.notice is None and "filled with white" in (told.notice or "")
    assert body_image(encoded(Image.new("RGBA", (8, 8), "red")), opaque=True).notice is None  # opaque alpha


@pytest.mark.parametrize("mode", ["1", "P"])
def test_scaling_converts_band_by_band_with_the_same_result(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """1-bit and palette uploads change mode before scaling; doing it in bands (no full-size
    copy) must give exactly what converting the whole image would."""
    monkeypatch.setattr(images, "_BAND_PIXELS", 20_000)  # many bands, the last one partial
    noise = np.random.default_rng(3).integers(0, 256, (907, 1203), dtype=np.uint8)
    upload = Image.fromarray(noise).convert(mode)
    body = body_image(encoded(upload), max_side=300)
    whole = upload.convert("L" if mode == "1" else "RGB").resize(body.size, Image.LANCZOS, reducing_gap=2.0)
    assert np.array_equal(np.asarray(sent(body)), np.asarray(whole.convert("RGB")))


def test_16_bit_colour_keeps_its_colours() -> None:
    picture = sent(body_image(rgb48_png(quadrants().astype(np.uint16) * 257)))
    assert np.array_equal(np.asarray(picture), quadrants())


# --- limits -------------------------------------------------------------------------------


def test_a_long_strip_is_scaled_respecting_the_smallest_side() -> None:
    strip = encoded(Image.new("RGB", (8000, 100), "white"))
    body = body_image(strip, max_side=1408, min_side=16)
    assert body.size == sent(body).size == (1408, 18)
    assert body.notice == "image was 8000×100 px; reduced to 1408×18 px to fit the model's limits"
    with pytest.raises(TitanValidationError, match="too unequal") as refused:
        body_image(strip, max_side=1408, min_side=64)
    assert refused.value.field == "image" and "64–1408 px" in refused.value.allowed


def test_small_images_are_enlarged_to_the_smallest_side() -> None:
    body = body_image(encoded(Image.fromarray(quadrants())), min_side=320, max_side=4096)
    assert body.size == (427, 320) and "enlarged" in (body.notice or "")


def test_the_pixel_limit_is_kept_below() -> None:
    body = body_image(encoded(Image.new("RGB", (3000, 2000))), max_side=4096, max_pixels=4_194_304)
    assert body.size[0] * body.size[1] < 4_194_304 and body.size == sent(body).size


def test_without_fit_an_image_out_of_limits_is_refused_not_scaled() -> None:
    with pytest.raises(TitanValidationError) as refused:
        body_image(encoded(Image.new("RGB", (2000, 1000))), field="condition_image", max_side=1408, fit=False)
    error = refused.value
    assert error.field == "condition_image" and error.value == "2000×1000 px" and "1408" in error.allowed
    assert "scale it" in str(error).lower()


# --- refused ------------------------------------------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[object, str]]:
    png = encoded(Image.fromarray(quadrants()))
    rgba = encoded(Image.fromarray(quadrants()).convert("RGBA"))
    jpeg = encoded(Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8)), "JPEG")
    text = tmp_path / "notes.png"
    text.write_text("shopping list: milk, eggs")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    bad_crc = bytearray(png)
    bad_crc[60] ^= 0xFF
    claims_huge = handmade_png(30000, 30000, bit_depth=8, colour_type=2, rows=b"")
    return {
        "0 bytes": (b"", "the file is empty"),
        "empty file": (empty, "the file is empty"),
        "text renamed .png": (text, "not a readable image"),
        "truncated PNG": (png[:-40], "damaged"),
        "truncated PNG to convert": (rgba[: len(rgba) // 2], "damaged"),
        "damaged PNG chunk": (bytes(bad_crc), "damaged"),
        "truncated JPEG": (jpeg[: len(jpeg) // 2], "damaged"),
        "30000² header": (claims_huge, "30000×30000"),
        "GIF": (encoded(Image.new("RGB", (8, 8)), "GIF"), "not accepted"),
        "missing file": (tmp_path / "nope.png", "file not found"),
        "odd array": (np.zeros((4, 4, 2), np.uint8), "H×W"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "0 bytes",
        "empty file",
        "text renamed .png",
        "truncated PNG",
        "truncated PNG to convert",
        "damaged PNG chunk",
        "truncated JPEG",
        "30000² header",
        "GIF",
        "missing file",
        "odd array",
    ],
)
def test_every_bad_input_is_refused_with_a_sentence(kind: str, tmp_path: Path) -> None:
    value, says = _bad_inputs(tmp_path)[kind]
    with pytest.raises(TitanValidationError) as refused:
        body_image(value, field="reference_image", max_side=1408)
    message = str(refused.value)
    assert refused.value.field == "reference_image" and message.startswith("reference_image: ")
    assert says in message and message.endswith(".")


def test_sizes_are_read_from_the_header_alone() -> None:
    """A file whose pixel data is missing still tells its size: nothing was decoded."""
    headless = encoded(Image.fromarray(quadrants()))[:60]
    assert peek_size(headless) == (64, 48)
    assert peek_b64(base64.b64encode(headless).decode()).size == (64, 48)


# --- masks --------------------------------------------------------------------------------


def test_a_valid_mask_is_sent_as_it_is() -> None:
    mask = Image.new("L", (64, 48), 255)
    mask.paste(0, (8, 8, 24, 24))
    data = encoded(mask)
    assert base64.b64decode(body_mask(data, size=(64, 48)).b64) == data


def test_a_mask_follows_its_reduced_image_and_stays_pure() -> None:
    mask = Image.new("RGBA", (3000, 2000), (255, 255, 255, 255))
    mask.paste((0, 0, 0, 255), (0, 0, 1500, 1000))
    image = body_image(encoded(Image.new("RGB", (3000, 2000))), max_side=1408)
    body = body_mask(encoded(mask), size=image.size)
    picture = sent(body)
    assert picture.size == body.size == image.size == (1408, 939) and picture.mode in ("L", "RGB")
    assert set(np.unique(np.asarray(picture))) == {0, 255} and "to match the image" in (body.notice or "")


# --- memory -------------------------------------------------------------------------------

_MEASURE = """
import json, sys
from concurrent.futures import ThreadPoolExecutor

def megabytes(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) // 1024

from titan.images import body_image
data = open(sys.argv[1], "rb").read()
before = megabytes("VmRSS:")
with ThreadPoolExecutor(4) as pool:
    bodies = list(pool.map(lambda _: body_image(data, max_side=1408), range(4)))
print(json.dumps({"before": before, "peak": megabytes("VmHWM:"), "after": megabytes("VmRSS:"),
                  "sizes": [body.size for body in bodies], "notice": bodies[0].notice}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux process memory figures")
def test_huge_one_bit_uploads_are_scaled_at_bounded_memory(tmp_path: Path) -> None:
    """Four 7999² 1-bit PNGs (16 KB each, 64 MB each decoded) at once, in a fresh process.

    Without the decode budget they took ~1.2 GB here; with it, two decode at a time (~250 MB)."""
    upload = tmp_path / "scan.png"
    Image.new("1", (7999, 7999), 1).save(upload)
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_MEASURE), str(upload)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    figures = json.loads(run.stdout)
    assert figures["sizes"] == [[1408, 1408]] * 4
    assert figures["notice"] == "image was 7999×7999 px; reduced to 1408×1408 px to fit the model's limits"
    assert figures["peak"] - figures["before"] < 400, figures
    assert figures["after"] - figures["before"] < 150, figures


# --- the work budget ------------------------------------------------------------------------


def test_work_after_the_upload_never_holds_more_than_the_work_budget() -> None:
    import threading

    budget = images._WORK_BUDGET
    release = threading.Event()
    inside: list[int] = []
    changed = threading.Condition()

    def job(number: int) -> None:
        with images.work_memory(images.WORK_BUDGET_BYTES // 4):
            with changed:
                inside.append(number)
                changed.notify_all()
            release.wait(60)

    threads = [threading.Thread(target=job, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    with changed:
        assert changed.wait_for(lambda: len(inside) == 4, 60)  # four quarters fill the budget...
    assert budget._used == images.WORK_BUDGET_BYTES and len(inside) == 4  # ...and the fifth waits
    release.set()
    for thread in threads:
        thread.join(60)
    assert len(inside) == 5 and budget._used == 0
