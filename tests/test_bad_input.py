"""Bad input through the running app's API: every case gets the app's own sentence, never Gradio's
"upstream app has raised an exception", a bare `{"error": null}` or a Python exception name.

One app on the offline engine serves the module, called with gradio_client (as scripts do)
and raw HTTP (for what a client library would not send, like NaN).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.served import app_from_flags
from titan import request_types

GRADIO_WORDS = ("upstream Gradio app", "'error': None", "Traceback", "ValueError", "KeyError", "TypeError")
WAIT_S = 120.0


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_from_flags(tmp_path_factory.mktemp("bad-input"), "--model", "amazon.titan-image-generator-v2:0") as served:
        yield served


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[Client]:
    client = Client(url, verbose=False)
    yield client
    client.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


def written(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def png(image: Image.Image, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A valid PNG signature and header claiming width×height, with one tiny (broken) data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(call: Any) -> str:
    with pytest.raises(AppError) as refused:
        call()
    message = str(refused.value)
    assert not any(word in message for word in GRADIO_WORDS), message
    return message


# --- unreadable uploads: one sentence each -------------------------------------------------


UNREADABLE = {
    "empty.png": (b"", "the file is empty"),
    "notes.png": (b"shopping list: eggs, flour\n" * 20, "not a readable image"),
    "huge.png": (huge_png_header(30_000, 30_000), "30000×30000"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_an_unreadable_upload_gets_its_own_sentence(client: Client, files: Path, name: str) -> None:
    data, words = UNREADABLE[name]
    upload = handle_file(written(files, name, data))
    message = refusal(lambda: client.predict(image=upload, api_name="/remove_background"))
    assert words in message and "image" in message


def test_a_file_of_another_kind_is_named(client: Client, files: Path) -> None:
    gif = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(gif, format="GIF")
    message = refusal(lambda: client.predict(image=handle_file(written(files, "a.gif", gif.getvalue())),
                                             api_name="/remove_background"))  # fmt: skip
    assert "GIF" in message and "PNG" in message


# --- prompts and numbers ------------------------------------------------------------------


def test_an_empty_prompt_says_what_to_write(client: Client) -> None:
    message = refusal(lambda: client.predict(text="   ", api_name="/text_image"))
    assert "prompt" in message.lower() and "describe" in message.lower()


def test_a_ten_thousand_character_prompt_is_refused_with_the_limit(client: Client) -> None:
    message = refusal(lambda: client.predict(text="fox " * 2500, api_name="/text_image"))
    assert "10,000" in message or "10000" in message
    assert "512" in message  # Titan's limit, as the model states it


def test_nul_bytes_are_refused_before_any_request(client: Client) -> None:
    message = refusal(lambda: client.predict(text="a red\x00 fox", seed=1, api_name="/text_image"))
    assert "control character" in message and "Remove it" in message


def raw_call(url: str, api_name: str, **named: Any) -> tuple[str, Any]:
    """A raw POST of every field in declared order (JSON allows what clients would not send), then its result."""
    [request_type] = [kind for kind in request_types() if kind.api_name == api_name]
    data = [named.get(name) for name in request_type.options()] + [None]
    with httpx.Client(base_url=url, timeout=WAIT_S, trust_env=False) as http:
        answer = http.post(f"gradio_api/call/{api_name}", content=json.dumps({"data": data}),
                           headers={"content-type": "application/json"})  # fmt: skip
        if answer.status_code != 200:
            return f"http {answer.status_code}", answer.text
        kind = ""
        with http.stream("GET", f"gradio_api/call/{api_name}/{answer.json()['event_id']}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind in ("complete", "error"):
                    return kind, json.loads(line.removeprefix("data: "))
    return kind, None


@pytest.mark.parametrize("name", ["seed", "number_of_images", "cfg_scale"])
def test_nan_is_refused_with_a_sentence(url: str, name: str) -> None:
    kind, answer = raw_call(url, "text_image", text="a fox", **{name: float("nan")})
    said = json.dumps(answer)
    assert kind == "error" or kind.startswith("http 4"), said
    assert not any(word in said for word in GRADIO_WORDS) and said != "null"
    assert name in said and "number" in said.lower()


# --- sizes --------------------------------------------------------------------------------


def test_a_long_strip_is_cut_out_after_being_scaled(client: Client, files: Path) -> None:
    strip = written(files, "strip.png", png(Image.new("RGB", (8000, 100), (30, 120, 200))))
    images, run = client.predict(image=handle_file(strip), api_name="/remove_background")
    assert images and any("reduced" in note for note in run["notes"])


def test_inpainting_a_long_strip_is_scaled_and_says_so(client: Client, files: Path) -> None:
    strip = written(files, "strip.png", png(Image.new("RGB", (8000, 100), (30, 120, 200))))
    mask = written(files, "strip-mask.png", png(Image.new("L", (8000, 100), 0)))
    images, run = client.predict(image=handle_file(strip), mask_image=handle_file(mask), text="sky",
                                 api_name="/inpaint")  # fmt: skip
    assert images and any("8000×100" in note and "reduced" in note for note in run["notes"])


def test_outpainting_a_large_image_scales_it_so_the_canvas_fits(client: Client, files: Path) -> None:
    big = written(files, "big.png", png(Image.new("RGB", (1408, 1408), (90, 140, 60))))
    images, run = client.predict(image=handle_file(big), text="more meadow", left=64, right=64, api_name="/outpaint")
    width, height = run["size"]
    assert width > height and max(width, height) <= 4096 and images


def test_a_mask_of_another_size_is_scaled_to_the_image(client: Client, files: Path) -> None:
    photo = written(files, "photo.png", png(Image.new("RGB", (512, 512), (200, 30, 30))))
    mask = Image.new("L", (256, 256), 255)
    mask.paste(0, (64, 64, 192, 192))
    small_mask = written(files, "small-mask.png", png(mask))
    images, run = client.predict(image=handle_file(photo), mask_image=handle_file(small_mask), text="a blue cube",
                                 seed=2, api_name="/inpaint")  # fmt: skip
    assert images and run["size"] == [512, 512]


def test_an_exif_turned_photo_is_inpainted_upright(client: Client, files: Path) -> None:
    upright = np.zeros((200, 300, 3), np.uint8)
    upright[:, :150] = (220, 40, 40)  # left half red, as the camera's owner sees it
    stored = Image.fromarray(upright).rotate(90, expand=True)  # the sensor's orientation: 200 wide, 300 tall
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: upright again, 300×200
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    photo = written(files, "turned.jpg", buffer.getvalue())
    corner = Image.new("L", (300, 200), 255)
    corner.paste(0, (250, 0, 300, 40))  # Titan's black = change: the top right corner
    mask = written(files, "corner.png", png(corner))
    images, run = client.predict(image=handle_file(photo), mask_image=handle_file(mask), text="x", seed=1,
                                 api_name="/inpaint")  # fmt: skip
    result = Image.open(images[0]).convert("RGB")
    assert result.size == (300, 200) and run["size"] == [300, 200]
    assert result.getpixel((20, 100))[0] > 180 and result.getpixel((200, 100))[0] < 60  # red stays on the left
