"""Load: simulated users through gradio_client against the running app, Bedrock emulated.

The emulator answers every request after a fixed delay (2 s, like a quick Bedrock call),
so the ideal throughput is `concurrency / delay` requests per second. Prints the measured
throughput as a ratio of that ideal (target ≥ 0.9) and the p50/p95 time each user waited.
Run: python bench/load.py [--users 20] [--requests 2] [--concurrency 4] [--delay 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_user(url: str, requests: int, waits: list[float], failures: list[str], start: threading.Event) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    for index in range(requests):
        began = time.perf_counter()
        try:
            client.predict(
                prompt=f"a lighthouse, take {index}",
                number_of_images=1,
                size="512x512",
                seed=index,
                lock_seed=True,
                api_name="/text_image",
            )
        except Exception as exc:  # counted and printed, the run goes on
            failures.append(f"{type(exc).__name__}: {exc}"[:120])
        waits.append(time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2, help="requests per user")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--delay", type=float, default=2.0, help="emulated Bedrock latency, seconds")
    args = parser.parse_args()

    from titan.emulator import start_emulator
    from ui import AppSettings, build_app, launch_options

    emulator = start_emulator(delay=args.delay, quiet=True)
    os.environ.update(
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME=emulator.url, AWS_ACCESS_KEY_ID="load", AWS_SECRET_ACCESS_KEY="load"
    )
    workdir = Path(tempfile.mkdtemp(prefix="titan-load-"))
    settings = AppSettings.from_args(
        ["--engine", "bedrock", "--region", "us-east-1", "--concurrency", str(args.concurrency),
         "--port", str(free_port()), "--history-dir", str(workdir / "history"),
         "--spend-file", str(workdir / "spend.json")]
    )  # fmt: skip
    demo = build_app(settings)
    options = launch_options(settings) | {"prevent_thread_lock": True, "quiet": True}
    _, url, _ = demo.launch(**options)
    waits: list[float] = []
    failures: list[str] = []
    start = threading.Event()
    users = [
        threading.Thread(target=one_user, args=(url, args.requests, waits, failures, start)) for _ in range(args.users)
    ]
    try:
        for user in users:
            user.start()
        time.sleep(2)  # let every client connect before the clock starts
        began = time.perf_counter()
        start.set()
        for user in users:
            user.join()
        elapsed = time.perf_counter() - began
    finally:
        demo.close()
        emulator.stop()

    total = args.users * args.requests
    ideal = args.concurrency / args.delay
    measured = (total - len(failures)) / elapsed
    p95 = statistics.quantiles(waits, n=20)[-1]
    print(
        f"{args.users} users × {args.requests} requests, concurrency {args.concurrency}, Bedrock delay {args.delay:g} s"
    )
    print(f"elapsed {elapsed:.1f} s · throughput {measured:.2f}/s · ideal {ideal:.2f}/s · ratio {measured / ideal:.2f}")
    print(f"wait p50 {statistics.median(waits):.1f} s · p95 {p95:.1f} s · failures {len(failures)}")
    for failure in failures[:5]:
        print("  ", failure)
    print("target: ratio ≥ 0.9")


if __name__ == "__main__":
    main()
