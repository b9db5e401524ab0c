"""Load: the same simulated users against the playground and against a minimal Gradio app, side by side.

One emulator (placeholder answers after `--delay` s, like a quick Bedrock call) serves
both. For each user count, a fresh playground (`app.py --engine bedrock`) and then a fresh
bench/minimal_app.py (one Interface calling invoke_model: the floor) get the same load:
`--users` people, each its own gradio_client session asking `--requests` times in a row
(Stable Image Core text-to-image, one image). Users are spread over `--processes` client
processes; every client connects before a common start (a barrier), so the clock measures
the requests, not the connections.

Printed for each app: throughput as a fraction of the ideal, min(users, concurrency) /
delay (each user asks one at a time, so fewer users than slots cannot fill them; with
users ≥ concurrency this is the plain concurrency / delay), p50/p95 wait per request,
failures, the server's peak RSS (VmHWM), the page config's size (target ≤ 150 kB), the
time one `Client()` takes to connect to the idle server, and the ratios playground/minimal
(targets: throughput ≥ 0.95, p95 ≤ 1.15; of the ideal ≥ 0.8, issue 12).

`--mixed` instead measures isolation on the playground alone: the emulator adds 600 s to
bodies containing "hang" (the `slow:600@hang` fault), the app runs with
`--request-timeout 20`; 20 normal users run once alone, then again beside 2 users whose
prompts contain "hang" (one request each). Printed: how many of the 20 finished, their
p95 with and without the hanging users, and what each hanging user got after how long
(a timeout message after ≈ 20 s). Target: the 20 finish as if the 2 were not there.

Run: python bench/load.py [--users 30 | --users 20,50] [--requests 3] [--concurrency 30] [--delay 2]
                          [--processes 4] [--mixed]
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import statistics
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # titan
sys.path.insert(0, str(Path(__file__).resolve().parent))  # serving (bench/)

from serving import (
    Server,
    bedrock_env,
    config_size,
    start_emulator,
    start_minimal_app,
    start_playground,
)

PLAYGROUND, MINIMAL = "playground", "minimal"
HANG_TEXT, HANG_SECONDS = "hang", 600.0
MIXED_NORMAL_USERS, MIXED_HANGING_USERS, MIXED_REQUEST_TIMEOUT = 20, 2, 20
CALL_TIMEOUT = 300.0  # a request the server never answers counts as a failure instead of stalling the bench
BARRIER_TIMEOUT = 600.0  # 50 clients connecting on a busy 2-core machine take a while
CONFIG_TARGET_KB = 150


# --- one simulated user (runs in a client process) -----------------------------------------


@dataclass
class UserPlan:
    prompt: str
    requests: int
    hanging: bool = False


@dataclass
class UserResult:
    hanging: bool
    connect: float | None  # seconds Client() took; None when it failed
    waits: list[float] = field(default_factory=list)  # answered requests
    failures: list[tuple[float, str]] = field(default_factory=list)  # (seconds waited, what the user got)
    started: float = 0.0  # time.monotonic(): one clock for every process on the machine
    finished: float = 0.0


def ask(client: Any, app: str, prompt: str, seed: int) -> Any:
    """One request the way each app's API takes it."""
    if app == MINIMAL:
        job = client.submit(prompt, api_name="/generate")
    else:
        job = client.submit(text=prompt, seed=seed, number_of_images=1, api_name="/text_image")
    return job.result(timeout=CALL_TIMEOUT)


def describe(exc: BaseException) -> str:
    """What the user got, and the function it came from (a client-side timeout reads differently from an AppError)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}".replace("\n", " ")[:240]


def connect(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)  # measure the app, not our downloads


def simulate_user(url: str, app: str, plan: UserPlan, barrier: Any) -> UserResult:
    """One person: connects, waits for everyone else, then asks `plan.requests` times in a row."""
    began = time.perf_counter()
    try:
        client, problem = connect(url), ""
    except Exception as exc:  # counted: every request of this user fails
        client, problem = None, f"could not connect: {describe(exc)}"
    result = UserResult(plan.hanging, time.perf_counter() - began if client else None)
    barrier.wait(timeout=BARRIER_TIMEOUT)
    result.started = time.monotonic()
    for index in range(plan.requests):
        asked = time.perf_counter()
        try:
            if client is None:
                raise ConnectionError(problem)
            ask(client, app, f"{plan.prompt}, take {index}", seed=index + 1)
            result.waits.append(time.perf_counter() - asked)
        except Exception as exc:  # counted and printed, the run goes on
            result.failures.append((time.perf_counter() - asked, describe(exc)))
    result.finished = time.monotonic()
    return result


def user_group(url: str, app: str, plans: list[UserPlan], barrier: Any, results: Any) -> None:
    """Several users in one client process (threads), like several browsers on one machine."""
    with ThreadPoolExecutor(len(plans)) as pool:
        outcomes = list(pool.map(lambda plan: simulate_user(url, app, plan, barrier), plans))
    results.put([dataclasses.asdict(outcome) for outcome in outcomes])


# --- a load: users spread over processes, one common start ----------------------------------


def run_load(url: str, app: str, plans: list[UserPlan], processes: int) -> list[UserResult]:
    """Every plan as one user, spread round-robin over `processes` client processes; their results."""
    context = multiprocessing.get_context("spawn")  # clean client processes, whatever this one holds
    barrier, queue = context.Barrier(len(plans) + 1), context.Queue()
    groups = [plans[index :: min(processes, len(plans))] for index in range(min(processes, len(plans)))]
    workers = [context.Process(target=user_group, args=(url, app, group, barrier, queue)) for group in groups]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=BARRIER_TIMEOUT)  # everyone is connected: the requests start now
        outcomes = [UserResult(**row) for _ in workers for row in queue.get(timeout=CALL_TIMEOUT * 3)]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    return outcomes


def normal_plans(users: int, requests: int) -> list[UserPlan]:
    return [UserPlan(f"a lighthouse at dusk, user {user}", requests) for user in range(users)]


def hanging_plans(users: int) -> list[UserPlan]:
    return [UserPlan(f"a {HANG_TEXT}ing bridge in fog, user {user}", 1, hanging=True) for user in range(users)]


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- one app under one load -----------------------------------------------------------------


@dataclass
class Figures:
    """What one app did under one load."""

    throughput: float  # answered requests per second
    of_ideal: float
    p50: float
    p95: float
    failures: list[str]
    peak_rss_mb: float
    idle_rss_mb: float
    config_kb: float
    connect_s: float  # one Client() on the idle server, median of 3
    crowd_connect_max_s: float  # the slowest of the load's clients


def connect_seconds(server: Server, app: str) -> float:
    """Median of 3 `Client()` connections to the idle server; the last one makes a warm-up request."""
    times = []
    for _ in range(3):
        began = time.perf_counter()
        client = connect(server.url)
        times.append(time.perf_counter() - began)
    ask(client, app, "a warm-up lighthouse", seed=1)  # first-call imports and caches are not the load
    return statistics.median(times)


def measure(server: Server, app: str, plans: list[UserPlan], processes: int, ideal: float) -> Figures:
    connect_s = connect_seconds(server, app)
    config_kb = config_size(server) / 1000
    idle_rss = server.memory_mb("VmRSS")
    users = run_load(server.url, app, plans, processes)
    waits = [wait for user in users for wait in user.waits]
    elapsed = max(user.finished for user in users) - min(user.started for user in users)
    throughput = len(waits) / max(elapsed, 1e-9)
    return Figures(
        throughput=throughput,
        of_ideal=throughput / ideal,
        p50=median(waits),
        p95=p95(waits),
        failures=[message for user in users for _, message in user.failures],
        peak_rss_mb=server.memory_mb("VmHWM"),
        idle_rss_mb=idle_rss,
        config_kb=config_kb,
        connect_s=connect_s,
        crowd_connect_max_s=max((user.connect or float("nan")) for user in users),
    )


def side_by_side(args: argparse.Namespace, users: int, emulator: Server, workdir: Path) -> dict[str, Figures]:
    """A fresh playground, then a fresh minimal app, under the same load."""
    ideal = min(users, args.concurrency) / args.delay
    env = bedrock_env(emulator)
    starters = {
        PLAYGROUND: lambda run: start_playground(run, engine="bedrock", concurrency=args.concurrency, env=env),
        MINIMAL: lambda run: start_minimal_app(run, concurrency=args.concurrency, env=env),
    }
    figures = {}
    for app, starter in starters.items():
        server = starter(workdir / f"{app}-{users}")
        try:
            figures[app] = measure(server, app, normal_plans(users, args.requests), args.processes, ideal)
        finally:
            server.stop()
    return figures


# --- printing -------------------------------------------------------------------------------


ROWS = (
    # label, attribute, format, target of the ratio playground/minimal (or of the value)
    ("throughput, requests/s", "throughput", "{:.2f}", "ratio ≥ 0.95"),
    ("  of the ideal", "of_ideal", "{:.2f}", "each ≥ 0.8 (issue 12)"),
    ("wait p50, s", "p50", "{:.2f}", ""),
    ("wait p95, s", "p95", "{:.2f}", "ratio ≤ 1.15"),
    ("peak RSS (VmHWM), MB", "peak_rss_mb", "{:.0f}", ""),
    ("RSS before the load, MB", "idle_rss_mb", "{:.0f}", ""),
    ("page config, kB", "config_kb", "{:.1f}", f"playground ≤ {CONFIG_TARGET_KB}"),
    ("one Client() connects, s", "connect_s", "{:.2f}", ""),
    ("slowest client of the crowd, s", "crowd_connect_max_s", "{:.2f}", ""),
)


def print_side_by_side(args: argparse.Namespace, users: int, figures: dict[str, Figures]) -> None:
    ideal = min(users, args.concurrency) / args.delay
    print(
        f"\n{users} users × {args.requests} requests, concurrency {args.concurrency}, emulated Bedrock "
        f"{args.delay:g} s; ideal {ideal:.2f}/s = min({users}, {args.concurrency}) / {args.delay:g} s"
    )
    play, floor = figures[PLAYGROUND], figures[MINIMAL]
    print(f"  {'':32}{'playground':>12}{'minimal':>12}{'ratio':>9}   target")
    for label, name, shape, target in ROWS:
        mine, theirs = getattr(play, name), getattr(floor, name)
        ratio = mine / theirs if theirs else float("nan")
        print(f"  {label:32}{shape.format(mine):>12}{shape.format(theirs):>12}{ratio:>8.2f}×   {target}")
    for app, result in figures.items():
        print(f"  failures, {app}: {len(result.failures)} of {users * args.requests}")
        for message in sorted(set(result.failures))[:5]:
            print(f"    {message}")


def print_summary(results: dict[int, dict[str, Figures]]) -> None:
    print("\nSummary (playground / minimal; targets: throughput ≥ 0.95, p95 ≤ 1.15, of ideal ≥ 0.8)")
    print(f"  {'users':>6}{'throughput':>12}{'p95':>8}{'of ideal':>10}{'minimal of ideal':>18}{'failures':>10}")
    for users, figures in results.items():
        play, floor = figures[PLAYGROUND], figures[MINIMAL]
        print(
            f"  {users:>6}{play.throughput / floor.throughput:>11.2f}×{play.p95 / floor.p95:>7.2f}×"
            f"{play.of_ideal:>10.2f}{floor.of_ideal:>18.2f}{len(play.failures):>6} / {len(floor.failures)}"
        )


# --- the mixed load: two users whose calls hang ----------------------------------------------


def run_mixed(args: argparse.Namespace, workdir: Path) -> None:
    emulator = start_emulator(workdir, delay=args.delay, slow_match=(HANG_SECONDS, HANG_TEXT))
    try:
        app = start_playground(
            workdir,
            engine="bedrock",
            concurrency=args.concurrency,
            env=bedrock_env(emulator),
            extra=("--request-timeout", str(MIXED_REQUEST_TIMEOUT)),
        )
        try:
            connect_seconds(app, PLAYGROUND)
            alone = run_load(app.url, PLAYGROUND, normal_plans(MIXED_NORMAL_USERS, args.requests), args.processes)
            plans = normal_plans(MIXED_NORMAL_USERS, args.requests) + hanging_plans(MIXED_HANGING_USERS)
            beside = run_load(app.url, PLAYGROUND, plans, args.processes)
            peak = app.memory_mb("VmHWM")
        finally:
            app.stop()
    finally:
        emulator.stop()
    print_mixed(args, alone, beside, peak)


def print_mixed(args: argparse.Namespace, alone: list[UserResult], beside: list[UserResult], peak: float) -> None:
    print(
        f"Mixed: {MIXED_NORMAL_USERS} users × {args.requests} requests, alone and beside {MIXED_HANGING_USERS} users "
        f"whose prompts contain {HANG_TEXT!r} (emulator --fault slow:{HANG_SECONDS:g}@{HANG_TEXT}); "
        f"app --request-timeout {MIXED_REQUEST_TIMEOUT}, concurrency {args.concurrency}, delay {args.delay:g} s"
    )
    for label, users in (("alone", alone), ("beside the hanging users", beside)):
        normal = [user for user in users if not user.hanging]
        finished = sum(1 for user in normal if not user.failures)
        waits = [wait for user in normal for wait in user.waits]
        print(
            f"  {label:26} finished {finished}/{len(normal)} users, {len(waits)}/{len(normal) * args.requests} "
            f"requests · wait p50 {median(waits):.2f} s · p95 {p95(waits):.2f} s"
        )
    ratio = p95(_normal_waits(beside)) / p95(_normal_waits(alone))
    print(f"  p95 beside / alone: {ratio:.2f}×   target: ≈ 1 (as if they were not there)")
    for number, user in enumerate((user for user in beside if user.hanging), start=1):
        for seconds, message in user.failures:
            print(f"  hanging user {number}: after {seconds:.1f} s got {message}")
        for seconds in user.waits:
            print(f"  hanging user {number}: after {seconds:.1f} s got an image (the hang did not apply?)")
    print(f"  playground peak RSS {peak:.0f} MB")


def _normal_waits(users: list[UserResult]) -> list[float]:
    return [wait for user in users if not user.hanging for wait in user.waits]


# --- main -----------------------------------------------------------------------------------


def user_counts(text: str) -> list[int]:
    """--users 30 or --users 20,50 (each count is one side-by-side run)."""
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("give one or more user counts ≥ 1, e.g. 30 or 20,50")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=user_counts, default=[30], help="simulated users; 20,50 runs both (default 30)")
    parser.add_argument("--requests", type=int, default=3, help="requests per user, one after another (default 3)")
    parser.add_argument("--concurrency", type=int, default=30, help="the servers' running requests (default 30)")
    parser.add_argument("--delay", type=float, default=2.0, help="emulated Bedrock latency, seconds (default 2)")
    parser.add_argument("--processes", type=int, default=4, help="client processes the users are spread over")
    parser.add_argument("--mixed", action="store_true", help="2 users whose calls hang among 20: see the docstring")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="titan-load-") as folder:
        workdir = Path(folder)
        if args.mixed:
            run_mixed(args, workdir)
            return
        emulator = start_emulator(workdir, delay=args.delay)
        try:
            results = {}
            for users in args.users:
                results[users] = side_by_side(args, users, emulator, workdir)
                print_side_by_side(args, users, results[users])
            print_summary(results)
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()
