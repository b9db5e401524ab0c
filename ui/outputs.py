"""Where generated images go. One function writes them, so the history store can replace it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from titan import GenerationResult
from titan.history import with_metadata
from titan.requests import display_body


def save_result(result: GenerationResult, folder: Path) -> list[Path]:
    """Write every image of `result` into `folder` and return the paths.

    The model's PNG bytes are kept unchanged (the offline engine's own marks included);
    an iTXt chunk adds the model, engine, the image's seed and the request that made it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    request = json.dumps(display_body(result.body), ensure_ascii=False)
    paths = []
    for index, (png, seed) in enumerate(zip(result.raw_images, result.image_seeds, strict=True)):
        text = {"titan:model": result.model_id, "titan:engine": result.engine, "titan:request": request}
        if seed is not None:
            text["titan:image_seed"] = str(seed)
        path = _free_path(folder, f"{stamp}-{result.task.value.lower()}-{index + 1}")
        path.write_bytes(with_metadata(png, text))
        paths.append(path)
    return paths


def _free_path(folder: Path, stem: str) -> Path:
    path, n = folder / f"{stem}.png", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.png"
    return path
