"""What an uploaded image costs on its way into a request body: time at 1408², memory for huge uploads.

1. Body at 1408² (median over rounds, wall and CPU milliseconds), before and after:
   before = `encode_png_b64(prepare_input(upload))` (decode everything, re-encode PNG),
   after  = `body_image(upload, max_side=1408)`; for a valid RGB PNG, a JPEG, a PNG with
   alpha (must be converted), an EXIF-turned JPEG and a 4032×3024 phone JPEG (scaled).
   The mask half of an inpaint body is timed too: old check (np.unique) vs histogram.
2. Memory: N concurrent 7999² 1-bit PNG uploads (16 KB files, 64 MB decoded each) through
   `body_image(max_side=1408)` in a fresh process: peak RSS (VmHWM) and RSS after, against
   a process that only imports `titan.images`. The same for N painted-mask conversions of
   editor values with two 4000² layer files. With `--before REV`, the huge uploads also go
   through REV's `fit_image` (what the playground used) for comparison.
3. A whole inpaint request at 1408², image and mask uploads → validated plan with its body
   (`TitanClient(engine=FunctionEngine(...)).plan(...)`, nothing sent), for Titan Image
   Generator v2 and Stable Image Core; median wall and CPU ms (issue 16 point 2: ≤ 150 ms).
4. The server: the playground started with `--engine offline`, then N concurrent `/inpaint`
   calls through gradio_client, each its own session uploading the 7999² 1-bit PNG and a
   1-bit mask of the same size; the server's RSS and peak RSS (VmHWM) before and after
   (target: peak < 600 MB) and what each call answered (a refusal or a result: both fine).
   Then the same with `--engine bedrock` against the placeholder emulator: nothing is
   generated in the server, so its peak is what the uploads and the request path cost.

Run: python bench/uploads.py [--rounds 15] [--uploads 10] [--before REV] [--skip-server] [--model ID]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # titan
sys.path.insert(0, str(Path(__file__).resolve().parent))  # serving (bench/)

import numpy as np
from PIL import Image
from serving import Server, base_env, bedrock_env, start_emulator, start_playground

from titan import DEFAULT_MODEL_ID, TitanClient
from titan.engines import FunctionEngine
from titan.images import body_image, body_mask, encode_png_b64, prepare_input
from titan.masks import check_mask_pixels

ROOT = Path(__file__).resolve().parents[1]
SIDE = 1408
HUGE_SIDE = 7999


# --- inputs -------------------------------------------------------------------------------


def photo(width: int = SIDE, height: int = SIDE) -> Image.Image:
    """Photo-like pixels: smooth gradients, shapes and sensor noise (compresses like a photo)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack([x / width * 200 + 30, y / height * 180 + 40, (x + y) / (width + height) * 160 + 60], axis=-1)
    for _ in range(12):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(50, 300)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < radius**2
        pixels[inside] = pixels[inside] * 0.5 + rng.uniform(0, 255, 3) * 0.5
    pixels += rng.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def encoded(image: Image.Image, image_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def uploads() -> dict[str, tuple[bytes, int | None]]:
    """name -> (file bytes, max_side for body_image)."""
    picture = photo()
    translucent = picture.convert("RGBA")
    translucent.putalpha(Image.linear_gradient("L").resize(picture.size))
    exif = Image.Exif()
    exif[0x0112] = 6
    return {
        "RGB PNG (sent as is)": (encoded(picture), SIDE),
        "JPEG (sent as is)": (encoded(picture, "JPEG", quality=92), SIDE),
        "RGBA PNG (converted)": (encoded(translucent), SIDE),
        "EXIF-turned JPEG": (encoded(picture, "JPEG", quality=92, exif=exif.tobytes()), SIDE),
        "4032×3024 JPEG (scaled)": (encoded(photo(4032, 3024), "JPEG", quality=92), SIDE),
    }


# --- 1. time ------------------------------------------------------------------------------


def median_ms(call: Callable[[], object], rounds: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this thread); CPU time is steadier on a busy machine."""
    call()
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.thread_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def old_mask_check(mask: Image.Image) -> None:
    """The check as it was: np.unique sorts every pixel."""
    array = np.asarray(mask)
    [int(v) for v in np.unique(array) if v not in (0, 255)]


def time_bodies(rounds: int) -> None:
    print(f"1. Request body from an upload at {SIDE}² (median of {rounds}; wall ms / CPU ms)")
    print(f"   {'upload':26} {'before':>17} {'after':>17} {'ratio (CPU)':>12}")
    for name, (data, max_side) in uploads().items():
        before = median_ms(lambda data=data: encode_png_b64(prepare_input(data)), rounds)
        after = median_ms(lambda data=data, side=max_side: body_image(data, max_side=side), rounds)
        print(f"   {name:26} {_pair(before)} {_pair(after)} {before[1] / max(after[1], 0.01):11.1f}×")
    mask = Image.new("L", (SIDE, SIDE), 255)
    mask.paste(0, (300, 300, 900, 1000))
    mask_file = encoded(mask)
    before = median_ms(lambda: (encode_png_b64(prepare_input(mask_file)), old_mask_check(mask)), rounds)
    after = median_ms(lambda: (body_mask(mask_file, size=(SIDE, SIDE)), check_mask_pixels(mask)), rounds)
    print(f"   {'mask: body + pixel check':26} {_pair(before)} {_pair(after)} {before[1] / max(after[1], 0.01):11.1f}×")


def _pair(figures: tuple[float, float]) -> str:
    return f"{figures[0]:7.1f} / {figures[1]:7.1f}"


# --- 2. memory ----------------------------------------------------------------------------

_MEASURE = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, sys.argv[1])

def megabytes(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

mode, count, files = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
from titan import images, masks
work = {
    "import only": None,
    "body_image": lambda: images.body_image(files[0], max_side=1408),
    "painted mask": lambda: masks.painted_to_titan_mask({"layers": files}, size=(1408, 1408)),
    "before: fit_image": lambda: images.fit_image(open(files[0], "rb").read(), max_side=1408),
}[mode]
imported = megabytes("VmRSS:")
started = time.perf_counter()
if work:
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: work(), range(count)))
print(json.dumps({"imported": imported, "peak": megabytes("VmHWM:"), "after": megabytes("VmRSS:"),
                  "seconds": time.perf_counter() - started}))
"""


def measure(root: Path, mode: str, count: int, files: list[Path]) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_MEASURE), str(root), mode, str(count), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def checkout_before(revision: str, into: Path) -> Path:
    """A copy of this tree with titan/images.py and titan/masks.py as they were at `revision`."""
    shutil.copytree(ROOT / "titan", into / "titan")
    for name in ("images.py", "masks.py"):
        old = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:titan/{name}"], capture_output=True)
        (into / "titan" / name).write_bytes(old.check_returncode() or old.stdout)
    return into


def memory(count: int, before: str | None) -> None:
    print(f"\n2. Memory of {count} concurrent uploads in a fresh process (MB)")
    with tempfile.TemporaryDirectory() as folder:
        scan = Path(folder) / "scan.png"
        Image.new("1", (HUGE_SIDE, HUGE_SIDE), 1).save(scan)
        layers = []
        for index in range(2):
            layer = Image.new("RGBA", (4000, 4000), (0, 0, 0, 0))
            layer.paste((255, 255, 255, 255), (500 * index, 500, 1500 + 500 * index, 2000))
            layers.append(Path(folder) / f"layer{index}.png")
            layer.save(layers[-1])
        baseline = measure(ROOT, "import only", count, [scan])
        print(f"   {'what':42} {'peak':>7} {'after':>7} {'peak − import':>14} {'seconds':>8}")
        print(f"   {'import titan.images only':42} {baseline['peak']:7.0f} {baseline['after']:7.0f}")
        rows = [
            (f"{HUGE_SIDE}² 1-bit PNG ({scan.stat().st_size // 1024} KB) → body_image", ROOT, "body_image", [scan]),
            ("editor value, 2 layers of 4000² → mask", ROOT, "painted mask", layers),
        ]
        if before:
            old_root = checkout_before(before, Path(folder) / "before")
            rows.append((f"{HUGE_SIDE}² 1-bit PNG → fit_image at {before}", old_root, "before: fit_image", [scan]))
        for label, root, mode, files in rows:
            figures = measure(root, mode, count, files)
            peak, after, grown = figures["peak"], figures["after"], figures["peak"] - baseline["imported"]
            print(f"   {label:42} {peak:7.0f} {after:7.0f} {grown:14.0f} {figures['seconds']:8.1f}")


# --- 3. a whole request body, validated ------------------------------------------------------

PLAN_MODELS = {"Titan Image Generator v2": "amazon.titan-image-generator-v2:0", "Stable Image Core": DEFAULT_MODEL_ID}
PLAN_TARGET_MS = 150


def inpaint_mask(side: int, mode: str = "L") -> Image.Image:
    """White (keep) with a black rectangle (change): Titan's convention, what the playground takes."""
    mask = Image.new(mode, (side, side), 255 if mode == "L" else 1)
    mask.paste(0, (side // 4, side // 4, side // 2, side // 2))
    return mask


def plan_inpaint(client: TitanClient, image: bytes, mask: bytes) -> object:
    return client.plan(client.request("inpaint", image=image, mask_image=mask, text="a boat"))


def time_plans(rounds: int) -> None:
    print(f"\n3. A whole inpaint request at {SIDE}², uploads → validated plan with its body (median of {rounds})")
    picture, mask = photo(), encoded(inpaint_mask(SIDE))
    images = {name: data for name, (data, side) in uploads().items() if side == SIDE and "4032" not in name}
    print(f"   {'model':26} {'image':24} {'wall ms':>8} {'CPU ms':>8}")
    for label, model_id in PLAN_MODELS.items():
        client = TitanClient(engine=FunctionEngine(lambda model, body: {}), model_id=model_id)  # nothing is sent
        for name, data in images.items():
            wall, cpu = median_ms(lambda client=client, data=data: plan_inpaint(client, data, mask), rounds)
            print(f"   {label:26} {name:24} {wall:8.1f} {cpu:8.1f}")
    print(f"   target: ≤ {PLAN_TARGET_MS} ms (issue 16 point 2); the {picture.size[0]}² photo as above")


# --- 4. the server under concurrent huge uploads ---------------------------------------------

SERVER_PEAK_TARGET_MB = 600


def one_inpaint(url: str, image: Path, mask: Path) -> tuple[float, str]:
    """One person's /inpaint call with two uploads; (seconds, what they got)."""
    from gradio_client import Client, handle_file

    began = time.perf_counter()
    try:
        client = Client(url, verbose=False, download_files=False)
        images, run = client.predict(
            image=handle_file(image), mask_image=handle_file(mask), text="a red boat", api_name="/inpaint"
        )
    except Exception as exc:  # a refusal is an answer too: printed, not counted as a crash
        return time.perf_counter() - began, f"{type(exc).__name__}: {exc}".replace("\n", " ")[:240]
    notes = "; ".join([*run.get("notes", []), *run.get("warnings", [])])
    size = "×".join(map(str, run.get("size", [])))
    return time.perf_counter() - began, f"{len(images)} image(s) at {size} px, {run.get('model')}; {notes}"[:240]


def server_uploads(count: int, model: str | None) -> None:
    chosen = f"--model {model}" if model else "its default model"
    print(f"\n4. The playground ({chosen}) under {count} concurrent /inpaint calls, each uploading")
    with tempfile.TemporaryDirectory(prefix="titan-uploads-") as folder:
        workdir = Path(folder)
        scan, mask = workdir / "scan.png", workdir / "scan-mask.png"
        Image.new("1", (HUGE_SIDE, HUGE_SIDE), 1).save(scan)
        inpaint_mask(HUGE_SIDE, mode="1").save(mask)
        sizes = [path.stat().st_size // 1024 for path in (scan, mask)]
        print(f"   a {HUGE_SIDE}² 1-bit PNG ({sizes[0]} KB) and its mask ({sizes[1]} KB)")
        for engine in ("offline", "bedrock"):
            run = workdir / engine
            run.mkdir()
            print(f"   --engine {engine}{SERVER_ENGINES[engine]}")
            with uploads_server(run, engine, count, model) as server:
                before = server.memory_mb("VmRSS"), server.memory_mb("VmHWM")
                with ThreadPoolExecutor(count) as pool:
                    answers = list(pool.map(lambda _, url=server.url: one_inpaint(url, scan, mask), range(count)))
                after = server.memory_mb("VmRSS"), server.memory_mb("VmHWM")
            print_server_run(before, after, answers)


SERVER_ENGINES = {
    "offline": " (the offline preview engine generates in the server; what the brief asks)",
    "bedrock": " against the placeholder emulator, no delay (no generation in the server: the upload path alone)",
}


@contextmanager
def uploads_server(workdir: Path, engine: str, count: int, model: str | None) -> Iterator[Server]:
    """The playground on `engine`; for "bedrock" with the placeholder emulator in front, stopped after."""
    extra = ("--model", model) if model else ()
    emulator = start_emulator(workdir, delay=0) if engine == "bedrock" else None
    try:
        env = bedrock_env(emulator) if emulator else base_env()
        server = start_playground(workdir, engine=engine, concurrency=max(16, count), env=env, extra=extra)
        try:
            yield server
        finally:
            server.stop()
    finally:
        if emulator:
            emulator.stop()


def print_server_run(before: tuple[float, float], after: tuple[float, float], answers: list[tuple[float, str]]) -> None:
    print(f"     server RSS before {before[0]:.0f} MB (peak so far {before[1]:.0f})")
    print(f"     server RSS after  {after[0]:.0f} MB (peak so far {after[1]:.0f})   target: < {SERVER_PEAK_TARGET_MB}")
    for number, (seconds, answer) in enumerate(answers, start=1):
        print(f"     call {number:2}: {seconds:5.1f} s  {answer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per upload (default 15)")
    parser.add_argument("--uploads", type=int, default=10, help="concurrent huge uploads (default 10)")
    parser.add_argument("--before", metavar="REV", help="also measure fit_image as it was at this git revision")
    parser.add_argument("--skip-server", action="store_true", help="leave out part 4 (the app under uploads)")
    parser.add_argument("--model", help="the app's model in part 4 (default: the app's default, Stable Image Core)")
    arguments = parser.parse_args()
    time_bodies(arguments.rounds)
    memory(arguments.uploads, arguments.before)
    time_plans(arguments.rounds)
    if not arguments.skip_server:
        server_uploads(arguments.uploads, arguments.model)


if __name__ == "__main__":
    main()
