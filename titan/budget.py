"""Spending limits that hold under concurrency: reserve a request's price before it is sent,
settle to the actual cost after, release it on failure.

Two limits, both per UTC day: one for the whole server (`day_limit_usd`) and one per person
(`person_limit_usd`; the person is whatever string the caller keys by — the logged-in user,
else the browser session id). A request goes through only if its price fits under both limits
counting everything settled *and* every live reservation, and the check and the hold are one
atomic step, so 20 simultaneous $0.010 requests against $0.05 let exactly 5 through. Money is
counted in integer micro-dollars, so float drift (0.1 + 0.2) never decides a refusal.

Where the spending lives is a `Ledger`; `open_ledger` picks one from a location:

    None                      MemoryLedger  one process (a lock); forgotten on restart
    "/path/spend.json"        FileLedger    processes sharing a file on one machine: fcntl.flock
                                            on "<file>.lock", atomic replace, the newest 7 days kept
    "dynamodb://TABLE"        DynamoLedger  replicas on several machines sharing a DynamoDB table
    "dynamodb://TABLE?region=eu-west-1"

Every reservation carries an expiry (`hold_s`, default 10 minutes): the hold of a process that
died between reserve and settle stops counting once it has expired — no janitor: expired holds
are ignored when counting and cleaned lazily by the next writer. `hold_s` must be longer than
the slowest Bedrock call; a call that outlives its hold still records its actual cost when it
settles (the money was spent), and only then can a day end above its limit, by that request.

DynamoDB table (`DynamoLedger.create_table()` makes it, on-demand billing). One item per day for
the whole server and one per (day, person):

    pk          S  partition key: "day#2025-06-01" or "person#2025-06-01#alice"
    used        N  micro-dollars settled plus held; the one number the limit condition reads
    spent       N  micro-dollars settled
    hold_<id>   M  {amount: N, expires: N (epoch seconds)}, one per reservation in flight
    expires_at  N  epoch seconds 8 days after the day; enable TTL on it to drop old counters

A reservation is `UpdateItem SET hold_<id> = … ADD used :amount` with
`ConditionExpression: attribute_not_exists(used) OR used <= :room` (room = limit − amount),
first on the person's item, then on the day's item; when the day is full the person's hold is
removed again. Settling removes the hold (conditional on it still existing, so a hold is
subtracted exactly once) and adds the actual amount to `spent` and `used`. When a condition
fails, the item is read, expired holds are removed, and the write is tried again.
IAM on the table: dynamodb:UpdateItem and dynamodb:GetItem; add dynamodb:CreateTable and
dynamodb:DescribeTable only to let `create_table()` make it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import math
import os
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from .errors import TitanBudgetError, TitanValidationError

log = logging.getLogger(__name__)

MICROS_PER_USD = 1_000_000
DEFAULT_HOLD_S = 600.0
ADVICE = "Ask for fewer images or standard quality, or try again tomorrow (UTC)."

Clock = Callable[[], float]


def to_micros(usd: float) -> int:
    """Dollars as integer micro-dollars: rounding once here keeps every later sum exact."""
    return round(usd * MICROS_PER_USD)


def to_usd(micros: int) -> float:
    return micros / MICROS_PER_USD


# --- the ledger interface --------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRefusal:
    """Why a reservation was refused: which limit, and what it already counts (settled + held)."""

    limit: Literal["day", "person"]
    spent_usd: float
    limit_usd: float


class Ledger(Protocol):
    """Where spending lives; every method is atomic across threads and processes sharing it.

    Amounts are dollars at this interface and integer micro-dollars inside. A token is opaque;
    settle or release each token once (`Reservation` does that). Settling a token whose hold
    has expired still records the actual amount: the money was spent.
    """

    def reserve(
        self,
        *,
        day: str,
        person: str,
        amount: float,
        day_limit: float | None,
        person_limit: float | None,
        ttl_s: float,
    ) -> str | LedgerRefusal:
        """Hold `amount` for `ttl_s` seconds if it fits under both limits; a token, or why not."""
        ...

    def settle(self, token: str, actual: float) -> None:
        """Replace the hold with the actual amount spent (less returns the rest)."""
        ...

    def release(self, token: str) -> None:
        """Drop the hold: nothing was spent."""
        ...

    def totals(self, *, day: str, person: str) -> tuple[float, float]:
        """(whole server, this person) for `day`: settled plus live (unexpired) holds."""
        ...


@dataclass(frozen=True)
class _Ticket:
    """What a token says: enough to settle a hold even after it expired and was cleaned."""

    day: str
    person: str
    amount: int
    hold_id: str

    def encode(self) -> str:
        return f"{self.day}|{self.amount}|{self.hold_id}|{self.person}"  # person last: it may hold "|"

    @classmethod
    def decode(cls, token: str) -> _Ticket:
        day, amount, hold_id, person = token.split("|", 3)
        return cls(day, person, int(amount), hold_id)

    @classmethod
    def new(cls, day: str, person: str, amount: int) -> _Ticket:
        return cls(day, person, amount, uuid.uuid4().hex)


def _fits(used: int, amount: int, limit: int | None) -> bool:
    return limit is None or used + amount <= limit


def _limit_micros(limit: float | None) -> int | None:
    return None if limit is None else to_micros(limit)


# --- memory and file: one book of recent days under a lock ------------------------------


@dataclass
class _Hold:
    day: str
    person: str
    amount: int
    expires: float


@dataclass
class _Book:
    """Settled spending of recent days and the holds in flight, in micro-dollars.

    Not thread-safe by itself: `MemoryLedger` and `FileLedger` call it under their locks.
    """

    spent: dict[str, int] = field(default_factory=dict)  # day -> settled, whole server
    people: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> person -> settled
    holds: dict[str, _Hold] = field(default_factory=dict)  # hold id -> hold

    def used(self, day: str, person: str, now: float) -> tuple[int, int]:
        """(whole server, person) on `day`: settled plus unexpired holds."""
        live = [hold for hold in self.holds.values() if hold.day == day and hold.expires > now]
        day_used = self.spent.get(day, 0) + sum(hold.amount for hold in live)
        person_used = self.people.get(day, {}).get(person, 0)
        person_used += sum(hold.amount for hold in live if hold.person == person)
        return day_used, person_used

    def reserve(
        self, ticket: _Ticket, *, day_limit: int | None, person_limit: int | None, expires: float, now: float
    ) -> LedgerRefusal | None:
        self.holds = {key: hold for key, hold in self.holds.items() if hold.expires > now}
        day_used, person_used = self.used(ticket.day, ticket.person, now)
        if not _fits(person_used, ticket.amount, person_limit):  # person first, as DynamoLedger does
            return LedgerRefusal("person", to_usd(person_used), to_usd(person_limit or 0))
        if not _fits(day_used, ticket.amount, day_limit):
            return LedgerRefusal("day", to_usd(day_used), to_usd(day_limit or 0))
        self.holds[ticket.hold_id] = _Hold(ticket.day, ticket.person, ticket.amount, expires)
        return None

    def settle(self, ticket: _Ticket, actual: int) -> None:
        self.holds.pop(ticket.hold_id, None)
        self.spent[ticket.day] = self.spent.get(ticket.day, 0) + actual
        people = self.people.setdefault(ticket.day, {})
        people[ticket.person] = people.get(ticket.person, 0) + actual

    def release(self, ticket: _Ticket) -> None:
        self.holds.pop(ticket.hold_id, None)

    def prune(self, keep_days: int) -> None:
        """Keep the newest `keep_days` days (ISO dates sort as days do)."""
        days = sorted(set(self.spent) | set(self.people) | {hold.day for hold in self.holds.values()})
        old = set(days[:-keep_days])
        self.spent = {day: micros for day, micros in self.spent.items() if day not in old}
        self.people = {day: people for day, people in self.people.items() if day not in old}
        self.holds = {key: hold for key, hold in self.holds.items() if hold.day not in old}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "titan-spend/1",
            "unit": "micro-USD",
            "spent": self.spent,
            "people": self.people,
            "holds": {key: vars(hold) for key, hold in self.holds.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> _Book:
        """Read a saved book; the first format ({day: dollars}) is read as settled dollars."""
        if isinstance(data, dict) and data.get("format") == "titan-spend/1":
            return cls(
                spent={str(day): int(micros) for day, micros in data["spent"].items()},
                people={
                    str(day): {str(person): int(micros) for person, micros in people.items()}
                    for day, people in data["people"].items()
                },
                holds={str(key): _Hold(**hold) for key, hold in data["holds"].items()},
            )
        if isinstance(data, dict) and all(isinstance(usd, int | float) for usd in data.values()):
            return cls(spent={str(day): to_micros(usd) for day, usd in data.items()})
        raise ValueError("not a spend file")


class _BookLedger:
    """The `Ledger` methods over a `_Book` that a subclass opens under its lock."""

    keep_days = 7

    def __init__(self, *, clock: Clock = time.time) -> None:
        self.clock = clock

    @contextmanager
    def _open(self, *, write: bool) -> Iterator[_Book]:
        raise NotImplementedError

    def reserve(
        self,
        *,
        day: str,
        person: str,
        amount: float,
        day_limit: float | None,
        person_limit: float | None,
        ttl_s: float,
    ) -> str | LedgerRefusal:
        ticket = _Ticket.new(day, person, to_micros(amount))
        now = self.clock()
        with self._open(write=True) as book:
            refusal = book.reserve(
                ticket,
                day_limit=_limit_micros(day_limit),
                person_limit=_limit_micros(person_limit),
                expires=now + ttl_s,
                now=now,
            )
            book.prune(self.keep_days)
        return refusal or ticket.encode()

    def settle(self, token: str, actual: float) -> None:
        with self._open(write=True) as book:
            book.settle(_Ticket.decode(token), to_micros(actual))
            book.prune(self.keep_days)

    def release(self, token: str) -> None:
        with self._open(write=True) as book:
            book.release(_Ticket.decode(token))

    def totals(self, *, day: str, person: str) -> tuple[float, float]:
        with self._open(write=False) as book:
            day_used, person_used = book.used(day, person, self.clock())
        return to_usd(day_used), to_usd(person_used)


class MemoryLedger(_BookLedger):
    """Spending of one process, kept in memory behind a lock; a restart forgets it."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        super().__init__(clock=clock)
        self._lock = threading.Lock()
        self._book = _Book()

    @contextmanager
    def _open(self, *, write: bool) -> Iterator[_Book]:
        with self._lock:
            yield self._book

    def describe(self) -> str:
        return "memory (this process)"


class FileLedger(_BookLedger):
    """Spending in a JSON file shared by processes on one machine; survives restarts.

    Every operation holds an exclusive `fcntl.flock` on "<file>.lock" (and a thread lock, so
    threads of one process queue without relying on flock semantics), reads the file, and
    writes it back through an fsync'd temporary file and an atomic rename. A file that cannot
    be read is kept as "<file>.corrupt" and spending starts again from zero.
    """

    def __init__(self, path: str | os.PathLike, *, clock: Clock = time.time) -> None:
        super().__init__(clock=clock)
        self.path = Path(path).expanduser()
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._temporary = self.path.with_name(self.path.name + ".tmp")
        self._thread_lock = threading.Lock()

    def describe(self) -> str:
        return str(self.path)

    @contextmanager
    def _open(self, *, write: bool) -> Iterator[_Book]:
        with self._thread_lock, self._file_lock():
            book = self._load()
            yield book
            if write:
                self._save(book)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing drops the lock

    def _load(self) -> _Book:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return _Book()
        try:
            return _Book.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError):
            kept = self.path.with_name(self.path.name + ".corrupt")
            os.replace(self.path, kept)
            log.warning("Spend file %s could not be read; kept as %s, counting from zero.", self.path, kept)
            return _Book()

    def _save(self, book: _Book) -> None:
        # Replaced whole, never half written; not forced to disk: every request writes it twice under
        # one lock, and a machine that loses power forgets at most its last moments' spending.
        with open(self._temporary, "w") as file:
            json.dump(book.to_json(), file)
        os.replace(self._temporary, self.path)


# --- DynamoDB: conditional writes shared by replicas -------------------------------------


class _ConditionFailed(Exception):
    """A DynamoDB condition did not hold; handled inside `DynamoLedger`."""


class DynamoLedger:
    """Spending in a DynamoDB table shared by every replica (see the module docstring).

    `client` is a boto3 DynamoDB client (tests pass one for moto_server); otherwise one is
    made for `region` / `endpoint_url`, or boto3's own defaults.
    """

    attempts = 5  # rounds of write → read → clean when a condition fails before refusing
    keep_s = 8 * 86400  # counters of a day expire this long after it (with TTL enabled)

    def __init__(
        self,
        table_name: str,
        *,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.table_name = table_name
        self.clock = clock
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 4})
            client = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url, config=config)
        self.client = client

    def describe(self) -> str:
        return f"dynamodb://{self.table_name}"

    def create_table(self) -> None:
        """Make the table (on-demand billing) and wait until it is active; for tests and first setup."""
        self._call(
            "create_table",
            TableName=self.table_name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.client.get_waiter("table_exists").wait(TableName=self.table_name)

    # --- Ledger ---

    def reserve(
        self,
        *,
        day: str,
        person: str,
        amount: float,
        day_limit: float | None,
        person_limit: float | None,
        ttl_s: float,
    ) -> str | LedgerRefusal:
        ticket = _Ticket.new(day, person, to_micros(amount))
        expires = self.clock() + ttl_s
        person_limit_micros = _limit_micros(person_limit)
        refused = self._hold(self._person_key(day, person), ticket, person_limit_micros, expires)
        if refused is not None:
            return LedgerRefusal("person", to_usd(refused), to_usd(person_limit_micros or 0))
        day_limit_micros = _limit_micros(day_limit)
        refused = self._hold(self._day_key(day), ticket, day_limit_micros, expires)
        if refused is not None:
            self._drop(self._person_key(day, person), ticket.hold_id, ticket.amount)
            return LedgerRefusal("day", to_usd(refused), to_usd(day_limit_micros or 0))
        return ticket.encode()

    def settle(self, token: str, actual: float) -> None:
        ticket = _Ticket.decode(token)
        actual_micros = to_micros(actual)
        for key in self._keys(ticket):
            try:
                self._update(
                    key,
                    "REMOVE #hold ADD used :change, spent :actual",
                    names={"#hold": self._hold_name(ticket.hold_id)},
                    values={":change": _number(actual_micros - ticket.amount), ":actual": _number(actual_micros)},
                    condition="attribute_exists(#hold)",
                )
            except _ConditionFailed:  # the hold expired and was cleaned: record the spend alone
                values = {":actual": _number(actual_micros)}
                self._update(key, "ADD used :actual, spent :actual", values=values)

    def release(self, token: str) -> None:
        ticket = _Ticket.decode(token)
        for key in self._keys(ticket):
            self._drop(key, ticket.hold_id, ticket.amount)

    def totals(self, *, day: str, person: str) -> tuple[float, float]:
        now = self.clock()
        day_used = self._live_used(self._get(self._day_key(day)), now)
        person_used = self._live_used(self._get(self._person_key(day, person)), now)
        return to_usd(day_used), to_usd(person_used)

    # --- items ---

    @staticmethod
    def _day_key(day: str) -> str:
        return f"day#{day}"

    @staticmethod
    def _person_key(day: str, person: str) -> str:
        return f"person#{day}#{person}"

    def _keys(self, ticket: _Ticket) -> tuple[str, str]:
        return self._person_key(ticket.day, ticket.person), self._day_key(ticket.day)

    @staticmethod
    def _hold_name(hold_id: str) -> str:
        return f"hold_{hold_id}"

    def _hold(self, key: str, ticket: _Ticket, limit: int | None, expires: float) -> int | None:
        """Add the hold to `key` if it fits; None when held, else what the item counts now.

        Writes first (one call when there is room); after a failed condition, reads the item,
        cleaning expired holds, and tries again while the amount fits what is really live.
        """
        if limit is not None and ticket.amount > limit:  # the condition below would pass on a new item
            return self._live_used(self._get(key), self.clock())
        used = 0
        for _ in range(self.attempts):
            try:
                self._add_hold(key, ticket, limit, expires)
                return None
            except _ConditionFailed:
                used = self._live_used(self._get(key), self.clock())
                if not _fits(used, ticket.amount, limit):
                    return used
        return used

    def _add_hold(self, key: str, ticket: _Ticket, limit: int | None, expires: float) -> None:
        values = {
            ":amount": _number(ticket.amount),
            ":hold": {"M": {"amount": _number(ticket.amount), "expires": _number(expires)}},
            ":drop": _number(int(self._day_start(ticket.day) + self.keep_s)),
        }
        condition = None
        if limit is not None:
            condition = "attribute_not_exists(used) OR used <= :room"
            values[":room"] = _number(limit - ticket.amount)
        self._update(
            key,
            "SET #hold = :hold, expires_at = :drop ADD used :amount",
            names={"#hold": self._hold_name(ticket.hold_id)},
            values=values,
            condition=condition,
        )

    def _drop(self, key: str, hold_id: str, amount: int) -> None:
        """Remove a hold and its amount from `used`, once: whoever removes it first subtracts it."""
        with suppress(_ConditionFailed):
            self._update(
                key,
                "REMOVE #hold ADD used :minus",
                names={"#hold": self._hold_name(hold_id)},
                values={":minus": _number(-amount)},
                condition="attribute_exists(#hold)",
            )

    def _live_used(self, item: dict[str, Any], now: float) -> int:
        """`used` without expired holds, which are cleaned on the way (no janitor needed)."""
        used = int(item.get("used", {}).get("N", "0"))
        for name, value in item.items():
            if not name.startswith("hold_"):
                continue
            hold = value["M"]
            if float(hold["expires"]["N"]) <= now:
                amount = int(hold["amount"]["N"])
                self._drop(item["pk"]["S"], name.removeprefix("hold_"), amount)
                used -= amount
        return used

    @staticmethod
    def _day_start(day: str) -> float:
        return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp()

    # --- the one boundary to botocore ---

    def _get(self, key: str) -> dict[str, Any]:
        answer = self._call("get_item", TableName=self.table_name, Key={"pk": {"S": key}}, ConsistentRead=True)
        return answer.get("Item", {})

    def _update(
        self,
        key: str,
        expression: str,
        *,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        condition: str | None = None,
    ) -> None:
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": {"pk": {"S": key}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        if condition:
            request["ConditionExpression"] = condition
        self._call("update_item", **request)

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed from None
            raise TitanBudgetError(
                f"The spending ledger {self.describe()} answered {code}, so spending cannot be checked "
                "and nothing was sent. Check the table name, its region and the IAM permissions "
                "(dynamodb:UpdateItem, dynamodb:GetItem)."
            ) from exc
        except BotoCoreError as exc:
            raise TitanBudgetError(
                f"The spending ledger {self.describe()} could not be reached ({type(exc).__name__}), "
                "so nothing was sent. Try again in a moment."
            ) from exc


def _number(value: float) -> dict[str, str]:
    return {"N": str(value)}


def open_ledger(location: str | os.PathLike | None) -> Ledger:
    """None → `MemoryLedger`; "dynamodb://TABLE" (optionally "?region=REGION") → `DynamoLedger`;
    anything else is the path of a `FileLedger`."""
    if location is None:
        return MemoryLedger()
    text = str(location)
    if not text.startswith("dynamodb://"):
        return FileLedger(text)
    parts = urllib.parse.urlsplit(text)
    query = urllib.parse.parse_qs(parts.query)
    if not parts.netloc or parts.path.strip("/") or set(query) - {"region"}:
        raise TitanValidationError("spend_ledger", text, "dynamodb://TABLE or dynamodb://TABLE?region=REGION")
    return DynamoLedger(parts.netloc, region=query.get("region", [None])[0])


# --- what callers use --------------------------------------------------------------------


class Reservation:
    """Money held for one request. Settle it with the actual cost, or release it.

    As a context manager: an exception inside the with-block releases it, and so does leaving
    the block without settling. Owned by one request; not for sharing between threads.
    """

    def __init__(self, ledger: Ledger | None, token: str | None, cost_usd: float) -> None:
        self.cost_usd = cost_usd
        self._ledger = ledger
        self._token = token
        self._open = True

    @classmethod
    def free(cls) -> Reservation:
        """A request that costs nothing: never touches a ledger."""
        return cls(None, None, 0.0)

    def settle(self, actual_usd: float) -> None:
        """Record what the request really cost (fewer images may have come back)."""
        _check_amount(actual_usd, "actual_usd")
        if not self._open:
            raise RuntimeError("This reservation was already settled or released.")
        self._open = False
        if self._ledger is None or self._token is None:
            if to_micros(actual_usd):
                raise ValueError("A free reservation cannot be settled with a cost; reserve the price first.")
            return
        self._ledger.settle(self._token, actual_usd)

    def release(self) -> None:
        """Give the held money back: nothing was spent. Does nothing once settled or released."""
        if not self._open:
            return
        self._open = False
        if self._ledger is not None and self._token is not None:
            self._ledger.release(self._token)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if kind is None:
            self.release()
            return
        try:
            self.release()
        except TitanBudgetError:  # the original error matters more; the hold expires by itself
            log.warning("Could not release a reservation after an error; it expires on its own.", exc_info=True)


def _check_amount(usd: float, name: str) -> None:
    if not math.isfinite(usd) or usd < 0:
        raise ValueError(f"{name} must be a finite amount of dollars ≥ 0, got {usd!r}")


def _money(usd: float) -> str:
    """Limits as people write them: $5.00, but $0.005 when cents would hide it."""
    return f"${usd:.2f}" if to_micros(usd) % 10_000 == 0 else f"${usd:.3f}"


class Budget:
    """The spending limits of one server: per UTC day for everyone, and per person per day.

    A limit of None means no limit; spending is counted either way. `hold_s` is how long a
    reservation holds its money if its process never settles or releases it.
    """

    def __init__(
        self,
        *,
        day_limit_usd: float | None = None,
        person_limit_usd: float | None = None,
        ledger: Ledger | None = None,
        hold_s: float = DEFAULT_HOLD_S,
        clock: Clock = time.time,
    ) -> None:
        self.day_limit_usd = day_limit_usd
        self.person_limit_usd = person_limit_usd
        self.ledger: Ledger = ledger if ledger is not None else MemoryLedger()
        self.hold_s = hold_s
        self.clock = clock

    def today(self) -> str:
        """The UTC day that spending counts against."""
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).date().isoformat()

    def reserve(self, cost_usd: float, *, person: str) -> Reservation:
        """Hold `cost_usd` for `person`, or raise `TitanBudgetError` saying which limit it would pass."""
        _check_amount(cost_usd, "cost_usd")
        if to_micros(cost_usd) == 0:
            return Reservation.free()
        outcome = self.ledger.reserve(
            day=self.today(),
            person=person,
            amount=cost_usd,
            day_limit=self.day_limit_usd,
            person_limit=self.person_limit_usd,
            ttl_s=self.hold_s,
        )
        if isinstance(outcome, LedgerRefusal):
            raise TitanBudgetError(self._refusal_text(cost_usd, outcome))
        return Reservation(self.ledger, outcome, cost_usd)

    @staticmethod
    def _refusal_text(cost_usd: float, refusal: LedgerRefusal) -> str:
        whose = "today's budget for everyone" if refusal.limit == "day" else "your budget for today"
        if to_micros(refusal.limit_usd) == 0:
            return f"Spending on Bedrock is switched off ({whose} is $0). Use the offline engine, or raise the budget."
        if to_micros(cost_usd) > to_micros(refusal.limit_usd):
            return (
                f"This request (${cost_usd:.3f}) costs more than {whose} of {_money(refusal.limit_usd)}. "
                "Ask for fewer images or standard quality."
            )
        return (
            f"This request (${cost_usd:.3f}) would pass {whose} of {_money(refusal.limit_usd)} "
            f"(${refusal.spent_usd:.3f} spent or in progress). {ADVICE}"
        )

    def describe(self, person: str) -> str:
        """ "$0.030 by you today of $1.00 · $0.120 today of $5.00" for the status line."""
        day_used, person_used = self.ledger.totals(day=self.today(), person=person)
        mine = f"${person_used:.3f} by you today" + self._of(self.person_limit_usd)
        return f"{mine} · ${day_used:.3f} today" + self._of(self.day_limit_usd)

    @staticmethod
    def _of(limit: float | None) -> str:
        return "" if limit is None else f" of {_money(limit)}"

    def day_total(self) -> float:
        """Spent today by everyone, including requests in flight."""
        return self.ledger.totals(day=self.today(), person="")[0]

    def person_total(self, person: str) -> float:
        """Spent today by `person`, including their requests in flight."""
        return self.ledger.totals(day=self.today(), person=person)[1]
