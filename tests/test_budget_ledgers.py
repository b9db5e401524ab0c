"""Every ledger keeps the same promises — atomic reservations, expiry, totals after a restart —
with threads, with several processes, and for DynamoDB against a real moto_server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from titan import TitanBudgetError, TitanValidationError
from titan.budget import DynamoLedger, FileLedger, Ledger, LedgerRefusal, MemoryLedger, open_ledger

ROOT = Path(__file__).resolve().parents[1]
DAY = "2031-05-17"
HOLD_S = 600.0

Opener = Callable[..., Ledger]  # opener(clock=...) -> a new ledger on the same storage


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def reserve(ledger: Ledger, amount: float, *, person: str = "ann", day_limit=None, person_limit=None):
    return ledger.reserve(
        day=DAY, person=person, amount=amount, day_limit=day_limit, person_limit=person_limit, ttl_s=HOLD_S
    )


# --- a real DynamoDB-compatible server ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dynamo_client(url: str):
    return boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


# DynamoDB applies the writes to one item one at a time; moto_server's threads do not (a
# conditional update checks, then another request's update lands, then it writes: 17 of 40
# races overshot with a short switch interval). Serving one request at a time gives moto the
# per-item atomicity the real service has, which is all DynamoLedger relies on.
MOTO_ONE_REQUEST_AT_A_TIME = """
import sys, threading
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main

lock = threading.Lock()
serve = DomainDispatcherApplication.__call__

def serve_alone(self, environ, start_response):
    with lock:
        return serve(self, environ, start_response)

DomainDispatcherApplication.__call__ = serve_alone
main(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto_server in a subprocess, answering DynamoDB at the returned URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", MOTO_ONE_REQUEST_AT_A_TIME, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    client = dynamo_client(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.list_tables()
            break
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:  # pragma: no cover
                proc.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def table(moto_url: str) -> str:
    name = f"spend-{uuid.uuid4().hex[:12]}"
    DynamoLedger(name, client=dynamo_client(moto_url)).create_table()
    return name


# --- one fixture, three ledgers -----------------------------------------------------------


@pytest.fixture(params=["memory", "file", "dynamodb"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    if request.param == "memory":
        shared = MemoryLedger()
        return lambda clock=time.time: _with_clock(shared, clock)
    if request.param == "file":
        return lambda clock=time.time: FileLedger(tmp_path / "spend.json", clock=clock)
    url = request.getfixturevalue("moto_url")
    name = request.getfixturevalue("table")
    return lambda clock=time.time: DynamoLedger(name, client=dynamo_client(url), clock=clock)


def _with_clock(ledger: MemoryLedger, clock: Callable[[], float]) -> MemoryLedger:
    ledger.clock = clock  # one memory ledger is its own storage: "reopening" only changes its clock
    return ledger


@pytest.fixture
def ledger(opener: Opener) -> Ledger:
    return opener()


def test_a_hold_counts_until_settled_to_the_actual_amount(ledger: Ledger) -> None:
    token = reserve(ledger, 0.04)
    assert isinstance(token, str)
    assert ledger.totals(day=DAY, person="ann") == (0.04, 0.04)
    assert ledger.totals(day=DAY, person="bob") == (0.04, 0.0)
    ledger.settle(token, 0.03)
    assert ledger.totals(day=DAY, person="ann") == (0.03, 0.03)
    released = reserve(ledger, 0.02, person="bob")
    ledger.release(released)
    assert ledger.totals(day=DAY, person="bob") == (0.03, 0.0)


def test_a_refusal_says_which_limit_and_what_it_counts(ledger: Ledger) -> None:
    reserve(ledger, 0.03, day_limit=0.05)  # still held
    assert reserve(ledger, 0.03, day_limit=0.05, person="bob") == LedgerRefusal("day", 0.03, 0.05)
    assert reserve(ledger, 0.02, person_limit=0.04) == LedgerRefusal("person", 0.03, 0.04)
    assert reserve(ledger, 0.08, day_limit=0.05, person="bob") == LedgerRefusal("day", 0.03, 0.05)


def test_a_refused_request_holds_nothing(ledger: Ledger) -> None:
    reserve(ledger, 0.05, person="bob", day_limit=0.05)
    assert isinstance(reserve(ledger, 0.01, day_limit=0.05, person_limit=1), LedgerRefusal)  # day full
    assert isinstance(reserve(ledger, 0.01, person="bob", person_limit=0.05), LedgerRefusal)
    assert ledger.totals(day=DAY, person="ann") == (0.05, 0.0)
    assert ledger.totals(day=DAY, person="bob") == (0.05, 0.05)


def test_people_with_separators_in_their_names_are_kept_apart(ledger: Ledger) -> None:
    ledger.settle(reserve(ledger, 0.01, person="team|ann#1"), 0.01)
    assert ledger.totals(day=DAY, person="team|ann#1") == (0.01, 0.01)
    assert ledger.totals(day=DAY, person="team") == (0.01, 0.0)


def test_an_expired_hold_stops_counting_and_a_late_settle_still_counts(opener: Opener) -> None:
    clock = Clock()
    ledger = opener(clock=clock)
    abandoned = reserve(ledger, 0.05, day_limit=0.05)
    slow = reserve(ledger, 0.02)
    assert isinstance(reserve(ledger, 0.01, day_limit=0.05), LedgerRefusal)
    clock.now += HOLD_S + 1
    assert ledger.totals(day=DAY, person="ann") == (0.0, 0.0)
    fresh = reserve(ledger, 0.05, day_limit=0.05, person="bob")
    assert isinstance(fresh, str)
    ledger.release(abandoned)  # too late: it was already not counted, and is not taken off twice
    ledger.settle(slow, 0.02)  # the call outlived its hold, but the money was spent
    assert ledger.totals(day=DAY, person="ann") == (0.07, 0.02)


def test_racing_threads_never_pass_either_limit(ledger: Ledger) -> None:
    people = [f"person-{i % 4}" for i in range(20)]
    start = threading.Barrier(len(people))
    granted: list[str] = []

    def one(person: str) -> None:
        start.wait()
        token = reserve(ledger, 0.010, person=person, day_limit=0.05, person_limit=0.02)
        if isinstance(token, str):
            granted.append(person)
            ledger.settle(token, 0.010)

    threads = [threading.Thread(target=one, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 5
    assert max(granted.count(person) for person in set(granted)) <= 2
    assert ledger.totals(day=DAY, person="nobody")[0] == 0.05


def test_a_restart_reads_the_totals_back(opener: Opener) -> None:
    first = opener()
    first.settle(reserve(first, 0.03), 0.03)
    held = reserve(first, 0.01, person="bob")
    again = opener()
    assert again.totals(day=DAY, person="ann") == (0.04, 0.03)
    again.settle(held, 0.01)  # a token outlives the object that made it
    assert opener().totals(day=DAY, person="bob") == (0.04, 0.01)


# --- several processes sharing one ledger -------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, sys, threading
    from titan.budget import open_ledger

    location, mode, day = sys.argv[1:4]
    ledger = open_ledger(location)
    if mode == "die":  # reserve, then vanish without settling or releasing
        print(ledger.reserve(day=day, person="ghost", amount=0.04, day_limit=None, person_limit=None, ttl_s=600))
        sys.stdout.flush()
        os._exit(0)
    print("ready", flush=True)
    sys.stdin.readline()
    start = threading.Barrier(10)
    granted = []

    def one(index):
        start.wait()
        token = ledger.reserve(
            day=day, person=f"{os.getpid()}-{index % 3}", amount=0.01, day_limit=0.05, person_limit=None, ttl_s=600
        )
        if isinstance(token, str):
            ledger.settle(token, 0.01)
            granted.append(token)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(len(granted), flush=True)
    """
)


@pytest.fixture(params=["file", "dynamodb"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str], Opener]:
    """A ledger location a child process can open, its environment, and an opener for this process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if request.param == "file":
        path = tmp_path / "spend.json"
        return str(path), env, lambda clock=time.time: FileLedger(path, clock=clock)
    url = request.getfixturevalue("moto_url")
    name = request.getfixturevalue("table")
    env |= {
        "AWS_ENDPOINT_URL_DYNAMODB": url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    return f"dynamodb://{name}", env, lambda clock=time.time: DynamoLedger(name, client=dynamo_client(url), clock=clock)


def child(location: str, mode: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, location, mode, DAY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_two_processes_racing_never_pass_the_day_limit(shared: tuple[str, dict[str, str], Opener]) -> None:
    location, env, opener = shared
    racers = [child(location, "race", env) for _ in range(2)]
    for racer in racers:
        assert racer.stdout.readline().strip() == "ready"
    for racer in racers:  # both are waiting: let them go together
        racer.stdin.write("go\n")
        racer.stdin.flush()
    granted = [int(racer.communicate(timeout=30)[0]) for racer in racers]
    assert sum(granted) == 5
    assert opener().totals(day=DAY, person="nobody")[0] == 0.05


def test_the_hold_of_a_dead_process_expires(shared: tuple[str, dict[str, str], Opener]) -> None:
    location, env, opener = shared
    output, _ = child(location, "die", env).communicate(timeout=30)
    assert "|" in output  # it got a token, then died holding it
    assert opener().totals(day=DAY, person="ghost") == (0.04, 0.04)
    later = Clock()
    later.now += HOLD_S + 1
    assert opener(clock=later).totals(day=DAY, person="ghost") == (0.0, 0.0)
    assert isinstance(reserve(opener(clock=later), 0.05, day_limit=0.05), str)


# --- files, DynamoDB and locations --------------------------------------------------------


def test_a_spend_file_keeps_only_recent_days(tmp_path: Path) -> None:
    ledger = FileLedger(tmp_path / "spend.json")
    days = [f"2031-05-{day:02d}" for day in range(1, 11)]
    for day in days:
        token = ledger.reserve(day=day, person="ann", amount=0.01, day_limit=None, person_limit=None, ttl_s=HOLD_S)
        ledger.settle(token, 0.01)
    assert [ledger.totals(day=day, person="ann")[0] for day in days] == [0.0] * 3 + [0.01] * 7


def test_a_missing_table_is_a_plain_refusal(moto_url: str) -> None:
    ledger = DynamoLedger("no-such-table", client=dynamo_client(moto_url))
    with pytest.raises(TitanBudgetError, match=r"dynamodb://no-such-table answered ResourceNotFoundException"):
        reserve(ledger, 0.01)


def test_open_ledger_reads_the_location(tmp_path: Path) -> None:
    assert isinstance(open_ledger(None), MemoryLedger)
    assert open_ledger(tmp_path / "spend.json").path == tmp_path / "spend.json"
    dynamo = open_ledger("dynamodb://team-spend?region=eu-west-1")
    assert (dynamo.table_name, dynamo.client.meta.region_name) == ("team-spend", "eu-west-1")
    for wrong in ("dynamodb://", "dynamodb://team/spend", "dynamodb://team?regoin=eu-west-1"):
        with pytest.raises(TitanValidationError, match="dynamodb://TABLE"):
            open_ledger(wrong)
