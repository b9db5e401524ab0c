"""History at scale: 10,000 runs of one user in a local store, opened, searched and filtered.

Writes the runs straight into a store folder (small PNGs and thumbnails, realistic run.json
files; kept in `--store`, so reruns skip this), then measures each step in a fresh process:

- cold: the first open with no index (the index is built from the store);
- warm: a new process with the index on disk: first page, then open again, search with a
  match and with none, filter by task, task + search, page 10, the page's thumbnails;
- old: the listing before the index (`runs()` reading every run.json), for the same questions;

and prints times (best of `--repeat`), ratios old/new and RSS (peak, and after the steps).
With `--s3-runs N`, the first N runs are also copied into a local moto_server bucket and the
S3 steps timed (a first build is one GET per run; moto answers in about a millisecond, real
S3 in tens, so take its figures as a floor).
Targets at 10,000 runs: open ≤ 300 ms, search and filter ≤ 200 ms, memory flat.
Run: python bench/history_scale.py [--runs 10000] [--store /tmp/titan-history-scale] [--s3-runs 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from titan.history import History, LocalBlobStore, OutputImage, Run, RunPage, S3BlobStore, safe_user
from titan.history_index import make_thumbnail, thumbnail_name

USER = "bench"
PAGE = 48
RARE = "zeppelin"  # in one run in 500: a search with few matches
WORDS = (  # noqa: SIM905  (a list literal would take 57 lines)
    "red blue green golden misty quiet ancient neon tiny giant lighthouse castle forest river city "
    "mountain harbour cat fox owl robot dragon garden market bridge tower desert ocean storm sunset "
    "dawn winter autumn spring summer portrait watercolor photo sketch oil painting cinematic soft "
    "light shadow glass stone wooden paper velvet silver copper marble cloud rain snow fog"
).split()
#: Each task, how often it is made, and where its Titan body (runs stored before typed requests) keeps its words.
TASKS = [("TEXT_IMAGE", 6), ("INPAINTING", 1), ("OUTPAINTING", 1), ("COLOR_GUIDED_GENERATION", 2)]
PARAMS_KEY = {
    "TEXT_IMAGE": "textToImageParams",
    "INPAINTING": "inPaintingParams",
    "OUTPAINTING": "outPaintingParams",
    "COLOR_GUIDED_GENERATION": "colorGuidedGenerationParams",
}


# --- the store -------------------------------------------------------------------------------


def make_store(root: Path, runs: int) -> None:
    """`runs` runs of USER, one output each, written as History writes them (without fsync)."""
    marker = root / f".complete-{runs}"
    if marker.exists():
        return
    started = time.perf_counter()
    rng = random.Random(7)
    images = [_png(rng) for _ in range(8)]
    thumbs = [make_thumbnail(image) for image in images]
    tasks = [task for task, weight in TASKS for _ in range(weight)]
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for number in range(runs):
        when = first + dt.timedelta(minutes=number)
        run = _run(rng, when, rng.choice(tasks), rare=number % 500 == 250)
        folder = root / "users" / USER / "runs" / run.run_id
        folder.mkdir(parents=True)
        (folder / "output_0.png").write_bytes(images[number % len(images)])
        (folder / thumbnail_name(0)).write_bytes(thumbs[number % len(thumbs)])
        (folder / "run.json").write_text(json.dumps(run.to_json(), indent=1))
    marker.touch()
    print(f"wrote {runs} runs into {root} in {time.perf_counter() - started:.1f} s")


def _png(rng: random.Random) -> bytes:
    image = Image.effect_noise((96, 96), rng.uniform(20, 80)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _run(rng: random.Random, when: dt.datetime, task: str, *, rare: bool) -> Run:
    words = rng.sample(WORDS, rng.randint(4, 12)) + ([RARE] if rare else [])
    params: dict[str, Any] = {"text": " ".join(words)}
    if task in ("INPAINTING", "OUTPAINTING"):
        params |= {"image": "@inputs/image.png", "maskImage": "@inputs/maskImage.png"}
    if task == "COLOR_GUIDED_GENERATION":
        params["colors"] = ["#AA3300", "#2255CC"]
    seed = rng.randrange(2**31)
    config = {"numberOfImages": 1, "width": 1024, "height": 1024, "cfgScale": 6.5, "seed": seed}
    return Run(
        run_id=when.strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3),
        user=safe_user(USER),
        created=when.isoformat(timespec="seconds"),
        task=task,
        model_id="amazon.titan-image-generator-v2:0",
        engine="offline",
        region=None,
        request={"taskType": task, PARAMS_KEY[task]: params, "imageGenerationConfig": config},
        outputs=[OutputImage("output_0.png", seed, 0)],
        cost_usd=0.0,
    )


# --- measuring (in a fresh process per mode) -----------------------------------------------------


def legacy_runs(history: History, task: str | None = None, query: str = "", limit: int = 200) -> list[Run]:
    """The listing before the index, verbatim: every key listed, run.json read until `limit` match."""
    ids = sorted({key.split("/")[3] for key in history.store.keys(f"users/{USER}/runs/") if key.endswith("run.json")})
    found: list[Run] = []
    for run_id in reversed(ids):
        run = history.get(USER, run_id)
        if task and run.task != task:
            continue
        if query and query.lower() not in json.dumps(run.request).lower():
            continue
        found.append(run)
        if len(found) >= limit:
            break
    return found


def timed(step: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(best wall time in ms over `repeat` calls, the last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best, result


def rss_mb() -> tuple[float, float]:
    """(peak, now) resident memory in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return peak, pages * resource.getpagesize() / 2**20


def measure(mode: str, store: Path, index: Path, repeat: int) -> dict[str, Any]:
    baseline = rss_mb()[1]
    history = History(LocalBlobStore(store), index_dir=index)
    figures: dict[str, Any] = {}
    if mode == "old":
        steps = {
            "open": lambda: legacy_runs(history),
            "search, match": lambda: legacy_runs(history, query=RARE),
            "search, no match": lambda: legacy_runs(history, query="submarine"),
            "filter by task": lambda: legacy_runs(history, task="INPAINTING"),
            "task + search": lambda: legacy_runs(history, task="TEXT_IMAGE", query="lighthouse"),
        }
        repeat = 1  # each takes seconds
    else:
        figures["first page"], _ = timed(lambda: history.page(USER, limit=PAGE), 1)  # cold: builds the index
        steps = {
            "open": lambda: history.thumbnails(history.page(USER, limit=PAGE).runs),
            "search, match": lambda: history.page(USER, query=RARE, limit=PAGE),
            "search, no match": lambda: history.page(USER, query="submarine", limit=PAGE),
            "search, 2 words": lambda: history.page(USER, query="misty light", limit=PAGE),
            "filter by task": lambda: history.page(USER, task="INPAINTING", limit=PAGE),
            "task + search": lambda: history.page(USER, task="TEXT_IMAGE", query="lighthouse", limit=PAGE),
            "page 10": lambda: history.page(USER, offset=9 * PAGE, limit=PAGE),
            "runs() 48 full runs": lambda: history.runs(USER, limit=PAGE),
        }
    for name, step in steps.items():
        figures[name], result = timed(step, repeat)
        figures[f"{name} found"] = result.total if isinstance(result, RunPage) else len(result)
    figures["rss peak MB"], figures["rss after MB"] = rss_mb()
    figures["rss baseline MB"] = baseline
    return figures


def run_mode(mode: str, store: Path, index: Path, repeat: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", mode, "--store", str(store), "--index", str(index)]
    done = subprocess.run([*command, "--repeat", str(repeat)], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"measuring {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(cold: dict[str, Any], warm: dict[str, Any], old: dict[str, Any]) -> None:
    print(f"\nfirst page, no index (built from the store): {cold['first page']:8.0f} ms")
    print(f"first page of a new process, index on disk:  {warm['first page']:8.0f} ms\n")
    print(f"{'step':22} {'new ms':>8} {'found':>6} {'old ms':>8} {'found':>6} {'old/new':>8}")
    for name in [key for key in warm if key.endswith(" found")]:
        step = name.removesuffix(" found")
        new_ms, old_ms = warm[step], old.get(step)
        ratio = f"{old_ms / new_ms:8.0f}" if old_ms else ""
        old_text = f"{old_ms:8.0f} {old[name]:6}" if old_ms else f"{'':8} {'':6}"
        print(f"{step:22} {new_ms:8.1f} {warm[name]:6} {old_text} {ratio}")
    print("\nRSS MB (baseline after imports / peak / after the steps):")
    for label, figures in (("new, cold", cold), ("new, warm", warm), ("old", old)):
        print(
            f"  {label:10} {figures['rss baseline MB']:6.0f} {figures['rss peak MB']:6.0f}"
            f" {figures['rss after MB']:6.0f}"
        )
    print("\n'open' = first page of 48 runs plus their thumbnail paths (new) / runs() of 200 (old).")


@contextmanager
def moto_bucket() -> Iterator[Any]:
    """A boto3 S3 client on a fresh local moto_server with the bucket "history"."""
    import boto3

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket="history")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield client
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure_s3(local: Path, runs: int, repeat: int) -> None:
    """Copies the newest `runs` runs into moto_server and times the S3 steps."""
    folders = sorted((local / "users" / USER / "runs").iterdir())[-runs:]
    files = [path for folder in folders for path in folder.iterdir()]
    with moto_bucket() as client, tempfile.TemporaryDirectory(prefix="titan-s3-bench-") as cache:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            keys = [path.relative_to(local).as_posix() for path in files]
            list(
                pool.map(
                    lambda key: client.put_object(Bucket="history", Key=key, Body=(local / key).read_bytes()), keys
                )
            )
        print(f"\nS3 (moto_server): copied {runs} runs ({len(files)} files) in {time.perf_counter() - started:.1f} s")

        def replica(name: str) -> History:
            store = S3BlobStore("s3://history", client=client, cache_dir=Path(cache) / name)
            return History(store, index_dir=Path(cache) / name / "index")

        cold, _ = timed(lambda: replica("cold").page(USER, limit=PAGE), 1)
        history = replica("cold")
        steps = {
            "new process, index on disk: first page": lambda: replica("cold").page(USER, limit=PAGE),
            "page": lambda: history.page(USER, limit=PAGE),
            "search, match": lambda: history.page(USER, query=RARE, limit=PAGE),
            "filter by task": lambda: history.page(USER, task="INPAINTING", limit=PAGE),
            "refresh (a full relist)": lambda: history.refresh(USER),
            "thumbnails of a page, first time": lambda: replica(f"thumbs-{time.monotonic_ns()}").thumbnails(
                history.page(USER, limit=PAGE).runs
            ),
        }
        print(f"  {'first page, no index (one GET per run)':40} {cold:8.0f} ms")
        for name, step in steps.items():
            print(f"  {name:40} {timed(step, repeat)[0]:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "titan-history-scale")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--s3-runs", type=int, default=0, help="also time S3 (moto_server) with this many runs")
    parser.add_argument("--measure", choices=["new", "old"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.store, args.index, args.repeat)))
        return
    store = args.store / f"{args.runs}-runs"
    make_store(store, args.runs)
    with tempfile.TemporaryDirectory(prefix="titan-history-index-") as index:
        cold = run_mode("new", store, Path(index), 1)
        warm = run_mode("new", store, Path(index), args.repeat)
    old = run_mode("old", store, Path(tempfile.gettempdir()) / "unused-index", 1)
    print(f"{args.runs} runs of one user in {store}")
    report(cold, warm, old)
    if args.s3_runs:
        measure_s3(store, min(args.s3_runs, args.runs), args.repeat)


if __name__ == "__main__":
    main()
