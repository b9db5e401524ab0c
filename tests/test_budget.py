"""Spending limits refuse before sending and survive a restart."""

from __future__ import annotations

import pytest

from titan import TitanBudgetError
from titan.budget import Budget


def test_day_budget_refuses_the_request_that_would_pass_it(tmp_path) -> None:
    budget = Budget(day_limit_usd=0.05, state_file=tmp_path / "spend.json")
    budget.check(0.04)
    budget.record(0.04)
    with pytest.raises(TitanBudgetError, match=r"today's budget of \$0.05"):
        budget.check(0.012)
    budget.check(0.01)  # exactly up to the limit is fine


def test_day_total_persists_across_restarts(tmp_path) -> None:
    Budget(day_limit_usd=1, state_file=tmp_path / "spend.json").record(0.6)
    again = Budget(day_limit_usd=1, state_file=tmp_path / "spend.json")
    assert again.day_total() == 0.6
    with pytest.raises(TitanBudgetError):
        again.check(0.5)


def test_session_budget(tmp_path) -> None:
    budget = Budget(session_limit_usd=0.02)
    budget.check(0.01, session_spent_usd=0.01)
    with pytest.raises(TitanBudgetError, match="session's budget"):
        budget.check(0.012, session_spent_usd=0.01)


def test_free_requests_are_never_refused() -> None:
    Budget(day_limit_usd=0, session_limit_usd=0).check(0.0)


def test_corrupt_state_file_starts_fresh(tmp_path) -> None:
    path = tmp_path / "spend.json"
    path.write_text("{not json")
    assert Budget(day_limit_usd=1, state_file=path).day_total() == 0.0


def test_sessions_are_counted_apart() -> None:
    budget = Budget(session_limit_usd=0.05)
    budget.record(0.04, session="a")
    budget.check(0.04, session="b")
    with pytest.raises(TitanBudgetError):
        budget.check(0.02, session="a")
    assert budget.describe("a") == "$0.040 this session of $0.05 · $0.040 today"
