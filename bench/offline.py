"""Time each offline-preview task on a 1024×1024 image and print a small table.

Usage: ``python bench/offline.py [--size 1024] [--repeat 3]``. Target: ≤ 1 s per task on
2 cores. Inputs are synthetic (a sky, hills, a red disc, some texture) so the benchmark
needs no files; each task runs once to warm up, then the best of `--repeat` runs counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from titan.images import encode_png_b64
from titan.offline import run


def synthetic_photo(size: int) -> Image.Image:
    """A photo-like test picture: sky gradient, hills, a red disc, a little noise."""
    rng = np.random.default_rng(0)
    y = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    sky = np.array([0.45, 0.65, 0.9], np.float32) * (1 - y) + np.array([0.9, 0.85, 0.75], np.float32) * y
    image = np.broadcast_to(sky, (size, size, 3)).copy()
    x = np.arange(size)
    ridge = (0.65 + 0.05 * np.sin(x / size * 9)) * size
    image[np.arange(size)[:, None] > ridge[None, :]] = (0.25, 0.45, 0.2)
    image = (image * 255).astype(np.uint8)
    cv2.circle(image, (size // 2, size // 2), size // 5, (200, 30, 30), -1, cv2.LINE_AA)
    noise = rng.normal(0, 4, image.shape)
    return Image.fromarray(np.clip(image + noise, 0, 255).astype(np.uint8))


def bodies(size: int) -> dict[str, dict[str, Any]]:
    """One representative request body per task (and a conditioned TEXT_IMAGE)."""
    photo = synthetic_photo(size)
    photo_b64 = encode_png_b64(photo)
    hole = Image.new("L", (size, size), 255)
    hole.paste(0, (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    keep = Image.new("L", (size, size), 255)
    keep.paste(0, (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    config = {"numberOfImages": 1, "width": size, "height": size, "seed": 42}
    return {
        "TEXT_IMAGE": {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a teal lake at sunset"},
            "imageGenerationConfig": config,
        },
        "TEXT_IMAGE + CANNY_EDGE": {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a teal lake", "conditionImage": photo_b64, "controlMode": "CANNY_EDGE"},
            "imageGenerationConfig": config,
        },
        "TEXT_IMAGE + SEGMENTATION": {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a teal lake", "conditionImage": photo_b64, "controlMode": "SEGMENTATION"},
            "imageGenerationConfig": config,
        },
        "INPAINTING (removal)": {
            "taskType": "INPAINTING",
            "inPaintingParams": {"image": photo_b64, "maskImage": encode_png_b64(hole)},
            "imageGenerationConfig": config,
        },
        "INPAINTING (text)": {
            "taskType": "INPAINTING",
            "inPaintingParams": {"image": photo_b64, "maskImage": encode_png_b64(hole), "text": "a golden sun"},
            "imageGenerationConfig": config,
        },
        "OUTPAINTING": {
            "taskType": "OUTPAINTING",
            "outPaintingParams": {"image": photo_b64, "maskImage": encode_png_b64(keep), "text": "a green valley"},
            "imageGenerationConfig": config,
        },
        "IMAGE_VARIATION": {
            "taskType": "IMAGE_VARIATION",
            "imageVariationParams": {"images": [photo_b64], "similarityStrength": 0.5},
            "imageGenerationConfig": config,
        },
        "COLOR_GUIDED (reference)": {
            "taskType": "COLOR_GUIDED_GENERATION",
            "colorGuidedGenerationParams": {
                "colors": ["#1b3a4b", "#ff8c42", "#fff3b0"],
                "text": "a poster",
                "referenceImage": photo_b64,
            },
            "imageGenerationConfig": config,
        },
        "COLOR_GUIDED (no reference)": {
            "taskType": "COLOR_GUIDED_GENERATION",
            "colorGuidedGenerationParams": {"colors": ["#1b3a4b", "#ff8c42", "#fff3b0"], "text": "a poster"},
            "imageGenerationConfig": config,
        },
        "BACKGROUND_REMOVAL": {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": photo_b64}},
    }


def time_task(body: dict[str, Any], repeat: int) -> float:
    """Best wall time of `repeat` runs, after one warm-up run."""
    run(body)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(body)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=1.0, help="seconds per task")
    args = parser.parse_args()
    threads = cv2.getNumThreads()
    print(f"offline preview engine, {args.size}×{args.size}, 1 image, best of {args.repeat}, {threads} threads")
    print(f"{'task':<30} {'seconds':>8}  target {args.target:g} s")
    print(f"{'-' * 30} {'-' * 8}  {'-' * 12}")
    for name, body in bodies(args.size).items():
        seconds = time_task(body, args.repeat)
        verdict = "ok" if seconds <= args.target else f"over {args.target:g} s"
        print(f"{name:<30} {seconds:>8.3f}  {verdict}")


if __name__ == "__main__":
    main()
