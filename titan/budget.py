"""Spending limits: refuse a request whose estimated cost would pass the day's or the
session's budget, before it is sent. Day totals persist in a small JSON file so a restart
does not reset them; the offline engine costs nothing and is never refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

from .errors import TitanBudgetError


class Budget:
    """`day_limit_usd` / `session_limit_usd` of None mean no limit."""

    def __init__(
        self,
        *,
        day_limit_usd: float | None = None,
        session_limit_usd: float | None = None,
        state_file: str | os.PathLike | None = None,
    ) -> None:
        self.day_limit_usd = day_limit_usd
        self.session_limit_usd = session_limit_usd
        self.state_file = Path(state_file) if state_file else None
        self._lock = threading.Lock()
        self._days: dict[str, float] = self._load()
        self._sessions: dict[str, float] = {}

    def _load(self) -> dict[str, float]:
        if not self.state_file or not self.state_file.exists():
            return {}
        try:
            data = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}
        return {str(day): float(total) for day, total in data.items()} if isinstance(data, dict) else {}

    def _save(self) -> None:
        if not self.state_file:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._days))
        os.replace(temporary, self.state_file)

    @staticmethod
    def today() -> str:
        return dt.datetime.now(dt.UTC).date().isoformat()

    def describe(self, session: str | None) -> str:
        """ "spent $0.030 this session · $0.120 today of $5.00" for the status line."""
        text = f"${self.session_total(session):.3f} this session"
        if self.session_limit_usd is not None:
            text += f" of ${self.session_limit_usd:.2f}"
        text += f" · ${self.day_total():.3f} today"
        if self.day_limit_usd is not None:
            text += f" of ${self.day_limit_usd:.2f}"
        return text

    def day_total(self) -> float:
        with self._lock:
            return round(self._days.get(self.today(), 0.0), 4)

    def session_total(self, session: str | None) -> float:
        with self._lock:
            return round(self._sessions.get(session or "", 0.0), 4)

    def check(self, cost_usd: float, *, session: str | None = None, session_spent_usd: float | None = None) -> None:
        """Raise `TitanBudgetError` when `cost_usd` would pass a limit."""
        if cost_usd <= 0:
            return
        if session_spent_usd is None:
            session_spent_usd = self.session_total(session)
        day = self.day_total()
        if self.day_limit_usd is not None and day + cost_usd > self.day_limit_usd + 1e-9:
            raise TitanBudgetError(
                f"This request (${cost_usd:.3f}) would pass today's budget of ${self.day_limit_usd:.2f} "
                f"(${day:.3f} spent). Ask for fewer images or standard quality, or try again tomorrow (UTC)."
            )
        if self.session_limit_usd is not None and session_spent_usd + cost_usd > self.session_limit_usd + 1e-9:
            raise TitanBudgetError(
                f"This request (${cost_usd:.3f}) would pass this session's budget of "
                f"${self.session_limit_usd:.2f} (${session_spent_usd:.3f} spent). Ask for fewer images or "
                "standard quality."
            )

    def record(self, cost_usd: float, *, session: str | None = None) -> None:
        if cost_usd <= 0:
            return
        with self._lock:
            key = session or ""
            self._sessions[key] = self._sessions.get(key, 0.0) + cost_usd
            today = self.today()
            self._days = {today: self._days.get(today, 0.0) + cost_usd}  # older days are not needed
            self._save()
