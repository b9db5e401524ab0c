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
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_user(url: str, requests: int, start_at: float) -> tuple[list[float], list[str]]:
    """One simulated person: connects, waits for the common start, then asks `requests` times."""
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)  # measure the app, not our downloads
    waits: list[float] = []
    failures: list[str] = []
    time.sleep(max(0.0, start_at - time.time()))
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
    return waits, failures


def user_group(url: str, users: int, requests: int, start_at: float) -> tuple[list[float], list[str]]:
    """Several users in one process (threads); groups run in separate processes, like browsers."""
    with ThreadPoolExecutor(users) as pool:
        outcomes = list(pool.map(lambda _: one_user(url, requests, start_at), range(users)))
    return [w for waits, _ in outcomes for w in waits], [f for _, fails in outcomes for f in fails]


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2, help="requests per user")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--delay", type=float, default=2.0, help="emulated Bedrock latency, seconds")
    parser.add_argument("--processes", type=int, default=4, help="client processes the users are spread over")
    args = parser.parse_args()

    # The emulator and the app run as their own processes, as in a deployment; the
    # emulator answers with placeholder images, so its CPU does not compete with the app's.
    root = Path(__file__).resolve().parents[1]
    workdir = Path(tempfile.mkdtemp(prefix="titan-load-"))
    emulator_port, app_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=str(root))
    emulator = start(
        [sys.executable, "-m", "titan.emulator", "--port", str(emulator_port), "--delay", str(args.delay),
         "--placeholder"], env
    )  # fmt: skip
    env |= {
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": f"http://127.0.0.1:{emulator_port}",
        "AWS_ACCESS_KEY_ID": "load",
        "AWS_SECRET_ACCESS_KEY": "load",
    }
    app = start(
        [sys.executable, str(root / "app.py"), "--engine", "bedrock", "--region", "us-west-2",
         "--concurrency", str(args.concurrency), "--port", str(app_port),
         "--history-dir", str(workdir / "history"), "--spend-file", str(workdir / "spend.json")], env
    )  # fmt: skip
    url = f"http://127.0.0.1:{app_port}/"
    waits: list[float] = []
    failures: list[str] = []
    try:
        wait_for(f"http://127.0.0.1:{emulator_port}/_emulator/health")
        wait_for(url)
        groups = [len(range(i, args.users, args.processes)) for i in range(args.processes)]
        start_at = time.time() + 8  # every client connects before the clock starts
        with ProcessPoolExecutor(args.processes) as pool:
            futures = [pool.submit(user_group, url, n, args.requests, start_at) for n in groups if n]
            for future in futures:
                group_waits, group_failures = future.result()
                waits += group_waits
                failures += group_failures
        elapsed = max(time.time() - start_at, 1e-9)
    finally:
        for process in (app, emulator):
            process.terminate()
            process.wait(timeout=20)

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
