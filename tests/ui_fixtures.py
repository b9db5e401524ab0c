"""Helpers for the UI tests: a client on the offline engine (or a small placeholder engine
while that is not there), sample images, editor values, and the app launched in-process."""

from __future__ import annotations

import base64
import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from titan import FunctionEngine, TitanClient
from ui.settings import AppSettings


def offline_available() -> bool:
    try:
        from titan.engines.offline import OfflineEngine  # noqa: F401
    except ImportError:
        return False
    return True


def _decode(data: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data)))


def _png_b64(image: Image.Image, seed: int | None) -> str:
    info = PngImagePlugin.PngInfo()
    if seed is not None:
        info.add_itxt("titan:seed", str(seed))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return base64.b64encode(buffer.getvalue()).decode()


def placeholder_handler(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Answers any valid body with flat images of the size the real service would return."""
    task = body["taskType"]
    params = body[next(key for key in body if key.endswith("Params"))]
    config = body.get("imageGenerationConfig", {})
    if "image" in params:
        size = _decode(params["image"]).size
    elif "width" in config:
        size = (config["width"], config["height"])
    else:
        size = (1024, 1024)
    if task == "BACKGROUND_REMOVAL":
        cut = Image.new("RGBA", size, (0, 0, 0, 0))
        cut.paste((200, 80, 40, 255), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
        return {"images": [_png_b64(cut, None)], "error": None}
    seed = int(config.get("seed", 42))
    count = int(config.get("numberOfImages", 1))
    seeds = [seed + i for i in range(count)]
    images = [_png_b64(Image.new("RGB", size, (value % 256, 120, 160)), value) for value in seeds]
    return {"images": images, "error": None, "seeds": seeds}


def make_client(model_id: str = "amazon.titan-image-generator-v2:0") -> TitanClient:
    """The offline engine when it is installed, else the placeholder engine."""
    engine: Any = "offline" if offline_available() else FunctionEngine(placeholder_handler)
    return TitanClient(engine=engine, model_id=model_id)


def rgb_image(width: int = 512, height: int = 512, color: tuple[int, int, int] = (90, 140, 200)) -> np.ndarray:
    array = np.zeros((height, width, 3), np.uint8)
    array[:] = color
    array[height // 3 : height // 2, width // 3 : width // 2] = (230, 120, 40)
    return array


def save_png(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).save(path, format="PNG")
    return path


def editor_value(
    width: int = 512, height: int = 512, *, box: tuple[int, int, int, int] | None = (100, 120, 220, 260)
) -> dict[str, Any]:
    """What gr.ImageEditor(type="numpy") passes: RGBA background, one RGBA layer, composite.

    `box` (x0, y0, x1, y1) is painted on the layer (alpha 140, like the brush); None = nothing painted.
    """
    background = np.dstack([rgb_image(width, height), np.full((height, width), 255, np.uint8)])
    layer = np.zeros((height, width, 4), np.uint8)
    if box is not None:
        x0, y0, x1, y1 = box
        layer[y0:y1, x0:x1] = (255, 45, 111, 140)
    composite = background.copy()
    return {"background": background, "layers": [layer], "composite": composite}


@contextmanager
def emulator_client() -> Iterator[TitanClient]:
    """A client on the Bedrock engine pointed at the local Bedrock-runtime emulator."""
    from titan.emulator import start_emulator, wait_until_healthy

    emulator = start_emulator(quiet=True)
    try:
        wait_until_healthy(emulator.url)
        yield TitanClient(engine="bedrock", region="us-east-1", endpoint_url=emulator.url, max_attempts=1)
    finally:
        emulator.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def launched_app(tmp_path: Path, *, client: TitanClient | None = None, **settings: Any) -> Iterator[str]:
    """Build the app (default: on the offline engine), launch it in-process, yield its URL."""
    from ui import build_app, launch_options

    app_settings = AppSettings(history_dir=tmp_path / "history", port=free_port(), **settings)
    demo = build_app(app_settings, client=client or make_client(app_settings.model))
    options = launch_options(app_settings, demo)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **options)
    try:
        yield url
    finally:
        demo.close()


def input_files(folder: Path) -> dict[str, Path]:
    """Upload-ready files: a 512×384 photo, a 512×512 square and a translucent painted layer."""
    layer = np.zeros((384, 512, 4), np.uint8)
    layer[100:200, 150:300] = (255, 45, 111, 140)
    Image.fromarray(layer, "RGBA").save(folder / "layer.png")
    return {
        "photo": save_png(rgb_image(512, 384), folder / "photo.png"),
        "square": save_png(rgb_image(512, 512, (40, 160, 90)), folder / "square.png"),
        "layer": folder / "layer.png",
    }
