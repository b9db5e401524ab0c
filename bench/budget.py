"""Budget ledgers under concurrency: how many requests get through against a limit, and how fast.

For each ledger (memory, file, DynamoDB on a local moto_server when it can start), N threads
start together and each reserves one request's price against a day limit with room for
`--room` requests; every granted reservation is settled in full. Prints how many got through
against the room and the money spent against the limit (target: both ratios exactly 1.00),
then reserve+settle pairs per second with no limit in the way.
Run: python bench/budget.py [--reservers 50] [--room 10] [--cost 0.01] [--cycles 20]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_budget_ledgers import MOTO_ONE_REQUEST_AT_A_TIME, dynamo_client, free_port

from titan.budget import DynamoLedger, FileLedger, Ledger, MemoryLedger

DAY = "2031-05-17"


def together(workers: int, work: Callable[[int], None]) -> float:
    """Run `work(index)` on `workers` threads released at once; seconds until the last ends."""
    start = threading.Barrier(workers + 1)

    def worker(index: int) -> None:
        start.wait()
        work(index)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def race(ledger: Ledger, *, reservers: int, cost: float, limit: float) -> int:
    """Every reserver asks once at the same moment; returns how many were let through."""
    granted: list[str] = []

    def one(index: int) -> None:
        token = ledger.reserve(
            day=DAY, person=f"person-{index % 7}", amount=cost, day_limit=limit, person_limit=None, ttl_s=600
        )
        if isinstance(token, str):
            ledger.settle(token, cost)
            granted.append(token)

    together(reservers, one)
    return len(granted)


def pairs_per_second(ledger: Ledger, *, reservers: int, cycles: int) -> float:
    """Reserve+settle pairs per second, `reservers` threads doing `cycles` each, no limit."""

    def cycle(index: int) -> None:
        for _ in range(cycles):
            token = ledger.reserve(
                day="2031-05-18", person=f"person-{index}", amount=0.01, day_limit=None, person_limit=None, ttl_s=600
            )
            ledger.settle(token, 0.01)

    return reservers * cycles / together(reservers, cycle)


@contextmanager
def moto_server() -> Iterator[str | None]:
    """A local moto_server serving one request at a time (see tests/test_budget_ledgers.py), or None."""
    port = free_port()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", MOTO_ONE_REQUEST_AT_A_TIME, "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        yield None
        return
    try:
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}" if proc.poll() is None else None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def ledgers(folder: Path, moto_url: str | None) -> Iterator[tuple[str, Callable[[], Ledger]]]:
    """(name, a maker of a fresh empty ledger) for each ledger that can run here."""
    yield "memory", MemoryLedger
    yield "file", lambda: FileLedger(folder / f"{uuid.uuid4().hex}.json")
    if moto_url is None:
        print("dynamodb: moto_server did not start; skipped")
        return

    def fresh_table() -> Ledger:
        ledger = DynamoLedger(f"spend-{uuid.uuid4().hex[:12]}", client=dynamo_client(moto_url))
        ledger.create_table()
        return ledger

    yield "dynamodb", fresh_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reservers", type=int, default=50, help="threads racing for the budget")
    parser.add_argument("--room", type=int, default=10, help="requests the day limit has room for")
    parser.add_argument("--cost", type=float, default=0.01, help="price of one request in dollars")
    parser.add_argument("--cycles", type=int, default=20, help="reserve+settle pairs per thread for the rate")
    args = parser.parse_args()
    limit = round(args.room * args.cost, 6)
    print(f"{args.reservers} reservers of ${args.cost:.3f} each against a day limit of ${limit:.3f}\n")
    print(f"{'ledger':<9} {'granted/room':>13} {'spent/limit':>18} {'ratio':>6} {'pairs/s':>9}")
    with tempfile.TemporaryDirectory() as folder, moto_server() as moto_url:
        for name, make in ledgers(Path(folder), moto_url):
            ledger = make()
            granted = race(ledger, reservers=args.reservers, cost=args.cost, limit=limit)
            spent = ledger.totals(day=DAY, person="")[0]
            rate = pairs_per_second(make(), reservers=min(args.reservers, 10), cycles=args.cycles)
            print(
                f"{name:<9} {f'{granted}/{args.room}':>13} {f'${spent:.3f}/${limit:.3f}':>18} "
                f"{spent / limit:>6.2f} {rate:>9.0f}"
            )


if __name__ == "__main__":
    main()
