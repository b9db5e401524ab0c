"""Spending limits: a request's price is reserved before it is sent, atomically, so no
concurrency lets spending pass a limit; settled to the actual cost after; released on failure;
kept across restarts."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from titan import TitanBudgetError
from titan.budget import Budget, FileLedger, Ledger, MemoryLedger

DAY_S = 86400.0


class Clock:
    """A settable wall clock, so expiry and new days need no waiting."""

    def __init__(self, now: float = 20_000 * DAY_S) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def race(budget: Budget, *, people: list[str], cost: float) -> list[float]:
    """Every person reserves `cost` at the same moment (one thread each) and settles it in full."""
    start = threading.Barrier(len(people))
    reserved: list[float] = []

    def one(person: str) -> None:
        start.wait()
        try:
            with budget.reserve(cost, person=person) as reservation:
                reserved.append(reservation.cost_usd)
                reservation.settle(cost)
        except TitanBudgetError:
            pass

    threads = [threading.Thread(target=one, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reserved


@pytest.fixture(params=["memory", "file"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Ledger:
    return MemoryLedger() if request.param == "memory" else FileLedger(tmp_path / "spend.json")


def test_day_budget_refuses_the_request_that_would_pass_it(ledger: Ledger) -> None:
    budget = Budget(day_limit_usd=0.05, ledger=ledger)
    budget.reserve(0.04, person="ann").settle(0.04)
    with pytest.raises(TitanBudgetError, match=r"today's budget for everyone of \$0.05 \(\$0.040 spent") as refused:
        budget.reserve(0.012, person="bob")
    assert "try again tomorrow (UTC)" in str(refused.value)
    budget.reserve(0.01, person="bob").settle(0.01)  # exactly up to the limit is fine
    assert budget.day_total() == 0.05


def test_twenty_simultaneous_requests_spend_exactly_the_day_budget(ledger: Ledger) -> None:
    budget = Budget(day_limit_usd=0.05, ledger=ledger)
    reserved = race(budget, people=[f"person-{i}" for i in range(20)], cost=0.010)
    assert len(reserved) == 5
    assert budget.day_total() == 0.05


def test_one_person_cannot_pass_their_limit_by_racing(ledger: Ledger) -> None:
    budget = Budget(person_limit_usd=0.03, ledger=ledger)
    assert len(race(budget, people=["ann"] * 10, cost=0.010)) == 3
    assert budget.person_total("ann") == 0.03
    budget.reserve(0.03, person="bob").settle(0.03)  # people are counted apart


def test_person_limit_names_whose_budget(ledger: Ledger) -> None:
    budget = Budget(person_limit_usd=0.02, day_limit_usd=1, ledger=ledger)
    budget.reserve(0.01, person="ann").settle(0.01)
    with pytest.raises(TitanBudgetError, match=r"your budget for today of \$0.02 \(\$0.010 spent"):
        budget.reserve(0.012, person="ann")
    budget.reserve(0.012, person="bob").release()
    assert budget.describe("ann") == "$0.010 by you today of $0.02 · $0.010 today of $1.00"
    assert Budget(ledger=ledger).describe("ann") == "$0.010 by you today · $0.010 today"


def test_a_request_dearer_than_the_whole_budget_says_so() -> None:
    with pytest.raises(TitanBudgetError, match=r"costs more than your budget for today of \$0.005") as refused:
        Budget(person_limit_usd=0.005).reserve(0.08, person="ann")
    assert "tomorrow" not in str(refused.value)  # waiting would not help


def test_a_zero_budget_says_bedrock_is_switched_off() -> None:
    with pytest.raises(TitanBudgetError, match=r"switched off \(today's budget for everyone is \$0\)"):
        Budget(day_limit_usd=0).reserve(0.01, person="ann")


def test_cents_add_up_exactly() -> None:
    """0.1 + 0.2 + ... in floats drifts past 0.3 or 0.6; counted in micro-dollars it does not."""
    budget = Budget(day_limit_usd=0.6)
    for _ in range(6):
        budget.reserve(0.1, person="ann").settle(0.1)
    assert budget.day_total() == 0.6
    with pytest.raises(TitanBudgetError):
        budget.reserve(0.000001, person="ann")


def test_settling_for_less_gives_the_rest_back(ledger: Ledger) -> None:
    budget = Budget(day_limit_usd=0.04, ledger=ledger)
    reservation = budget.reserve(0.04, person="ann")  # four images asked
    with pytest.raises(TitanBudgetError):
        budget.reserve(0.01, person="bob")
    reservation.settle(0.02)  # two came back
    assert budget.day_total() == 0.02
    budget.reserve(0.02, person="bob").settle(0.02)


def test_an_error_inside_the_block_releases_the_money(ledger: Ledger) -> None:
    budget = Budget(day_limit_usd=0.05, ledger=ledger)
    with pytest.raises(RuntimeError), budget.reserve(0.05, person="ann"):
        assert budget.day_total() == 0.05  # held while the call runs
        raise RuntimeError("Bedrock failed")
    assert budget.day_total() == 0.0
    with budget.reserve(0.05, person="ann"):
        pass  # left without settling: nothing was spent
    assert budget.day_total() == 0.0


def test_a_reservation_settles_or_releases_once() -> None:
    reservation = Budget().reserve(0.01, person="ann")
    reservation.settle(0.01)
    reservation.release()  # harmless after settling, so `finally: release()` is safe
    with pytest.raises(RuntimeError, match="already settled"):
        reservation.settle(0.01)


def test_a_dead_reservation_stops_counting_after_its_hold() -> None:
    clock = Clock()
    budget = Budget(day_limit_usd=0.05, ledger=MemoryLedger(clock=clock), hold_s=600, clock=clock)
    budget.reserve(0.05, person="ann")  # its process died: never settled, never released
    with pytest.raises(TitanBudgetError):
        budget.reserve(0.01, person="bob")
    clock.now += 601
    assert budget.day_total() == 0.0
    budget.reserve(0.05, person="bob").settle(0.05)


def test_a_call_that_outlives_its_hold_still_records_what_it_cost() -> None:
    clock = Clock()
    budget = Budget(ledger=MemoryLedger(clock=clock), hold_s=600, clock=clock)
    slow = budget.reserve(0.04, person="ann")
    clock.now += 700
    slow.settle(0.04)
    assert budget.day_total() == 0.04


def test_each_utc_day_starts_from_zero_and_late_settles_count_for_their_day() -> None:
    clock = Clock(20_000 * DAY_S + DAY_S - 1)  # one second before midnight UTC
    budget = Budget(day_limit_usd=0.05, ledger=MemoryLedger(clock=clock), clock=clock)
    before_midnight = budget.reserve(0.05, person="ann")
    clock.now += 2
    before_midnight.settle(0.05)
    assert budget.day_total() == 0.0
    budget.reserve(0.05, person="ann").settle(0.05)


def test_free_requests_are_never_refused_and_touch_no_ledger(tmp_path: Path) -> None:
    spend_file = tmp_path / "not-made" / "spend.json"
    budget = Budget(day_limit_usd=0, person_limit_usd=0, ledger=FileLedger(spend_file))
    with budget.reserve(0.0, person="ann") as free:
        free.settle(0.0)
    assert not spend_file.parent.exists()
    with pytest.raises(ValueError, match="free reservation"):
        budget.reserve(0.0, person="ann").settle(0.01)


def test_day_total_persists_across_restarts(tmp_path: Path) -> None:
    Budget(ledger=FileLedger(tmp_path / "spend.json")).reserve(0.6, person="ann").settle(0.6)
    again = Budget(day_limit_usd=1, person_limit_usd=1, ledger=FileLedger(tmp_path / "spend.json"))
    assert (again.day_total(), again.person_total("ann")) == (0.6, 0.6)
    with pytest.raises(TitanBudgetError):
        again.reserve(0.5, person="bob")


def test_the_first_spend_file_format_is_read(tmp_path: Path) -> None:
    path = tmp_path / "spend.json"
    budget = Budget(day_limit_usd=1, ledger=FileLedger(path))
    path.write_text(json.dumps({budget.today(): 0.6}))
    assert budget.day_total() == 0.6


def test_corrupt_state_file_starts_fresh_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "spend.json"
    path.write_text("{not json")
    budget = Budget(day_limit_usd=1, ledger=FileLedger(path))
    assert budget.day_total() == 0.0
    assert (tmp_path / "spend.json.corrupt").read_text() == "{not json"
    budget.reserve(0.5, person="ann").settle(0.5)
    assert Budget(ledger=FileLedger(path)).day_total() == 0.5


@pytest.mark.parametrize("cost", [-0.01, float("nan"), float("inf")])
def test_nonsense_costs_are_a_programming_error(cost: float) -> None:
    with pytest.raises(ValueError, match="cost_usd"):
        Budget().reserve(cost, person="ann")
