"""The playground's one path for a person's request: fit, seed, price, budget, send, store.

`Playground.run(request, model=..., person=...)`:
1. fits every input image into the model's limits (a notice says what changed);
2. draws a seed when none is set, so the seed used is shown and stored;
3. validates once and plans the calls (`TitanClient.plan`);
4. reserves the price in the budget before sending, settles it to what came back after;
5. sends, then stores every image in History before anything is shown.

`quote()` prices a request as the controls are changed, without reading any pixels.
No Gradio here: the UI turns what comes back into components.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .budget import Budget
from .client import GenerationResult, TitanClient
from .errors import TitanBudgetError
from .families import Price, family_for
from .fields import Kind
from .gate import Gate
from .history import History, Run
from .images import peek_size
from .models import ModelSpec, get_model
from .prompting import prompt_warnings
from .requests import calls_snippet, shown_calls
from .tasks import Request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """Who is asking: the logged-in user (None without logins) and their browser session."""

    user: str | None = None
    session: str | None = None

    @property
    def spender(self) -> str:
        """Whose spending a limit counts: the user with logins, else the browser session."""
        return f"user:{self.user}" if self.user else f"session:{self.session or 'local'}"


@dataclass
class Delivered:
    """A finished run as the page shows it: stored images and everything said about them."""

    result: GenerationResult
    run: Run
    paths: list[Path]
    notices: list[str] = field(default_factory=list)
    """What the playground did for the person (e.g. scaled an input)."""
    warnings: list[str] = field(default_factory=list)
    """Prompt advice, and the partial-result note when a filter withheld images."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    snippet: str = ""
    spent: str | None = None
    """The budget's line ("$0.030 by you today ...") on a billed engine."""

    @property
    def seed(self) -> int | None:
        return self.result.seed


class Playground:
    """Runs requests for people on one client, one History and one Budget (one per app)."""

    def __init__(
        self, client: TitanClient, history: History, budget: Budget | None = None, *, gate: Gate | None = None
    ) -> None:
        self.client = client
        self.history = history
        self.budget = budget or Budget()
        self.gate = gate or Gate()
        """Fair admission to the running slots (`titan.gate`); the UI waits on it before `run`."""

    @property
    def engine(self) -> str:
        return self.client.engine.name

    @property
    def billed(self) -> bool:
        return bool(getattr(self.client.engine, "billed", False))

    @property
    def region(self) -> str | None:
        return self.client.region

    def prepare(self, request: Request, *, model: str) -> tuple[Request, list[str]]:
        """`request` fitted into `model`'s limits and with a seed drawn when none is set; notices say what changed."""
        spec = get_model(model)
        fitted, notices = request.fitted(spec)
        if "seed" in fitted.options() and getattr(fitted, "seed", None) is None:
            fitted = fitted.replace(seed=random_seed(spec))
        return fitted, notices

    def run(
        self,
        request: Request,
        *,
        model: str,
        person: Person,
        deadline: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Delivered:
        """Fit, plan, reserve, send, store: see the module docstring. Raises `TitanError`s."""
        request, notices = self.prepare(request, model=model)
        client = self.client.with_model(model)
        plan = client.plan(request)
        with self.budget.reserve(plan.cost_usd, person=person.spender) as held:
            result = client.send(plan, deadline=deadline or time.monotonic() + self.request_timeout())
            try:
                held.settle(result.cost_usd)
            except TitanBudgetError as err:  # the images exist and were paid for: keep them, say so in the log
                log.warning("could not record the cost of a finished run: %s", err)
        run = self.history.save(result, user=person.user, region=self.region, extra=extra)
        paths = [self.history.output_path(run, index) for index in range(len(run.outputs))]
        warnings = prompt_warnings(getattr(request, "text", None), getattr(request, "negative_text", None))
        return Delivered(
            result=result,
            run=run,
            paths=paths,
            notices=notices,
            warnings=[*warnings, result.error] if result.error else warnings,
            calls=shown_calls(result.calls),
            snippet=calls_snippet(result.calls, self.region),
            spent=self.budget.describe(person.spender) if self.billed else None,
        )

    def request_timeout(self) -> float:
        return float(getattr(self.client.engine, "request_timeout", 90.0))

    def quote(self, request: Request, *, model: str) -> Price | None:
        """The price of `request` on `model` as it stands (no pixels read), or None when it cannot be priced yet."""
        spec = get_model(model)
        if not spec.supports(request.task):
            return None
        try:
            return family_for(spec).price(spec, _sized(request))
        except Exception:  # half-filled controls: no price yet, the Generate click says what is missing
            return None

    def carried(self, request: Request, *, model: str) -> tuple[set[str], str] | None:
        """The fields `request` as it stands would send on `model`, and what serves it; None when unknown yet."""
        spec = get_model(model)
        if not spec.supports(request.task):
            return None
        try:
            return family_for(spec).carried(spec, _sized(request))
        except Exception:
            return None

    def notes(self, request: Request, *, model: str) -> list[str]:
        """What `model` does differently with `request` (not sent, approximated...), before it is run."""
        spec = get_model(model)
        if not spec.supports(request.task):
            return []
        try:
            return family_for(spec).notes(spec, _sized(request))
        except Exception:
            return []


def random_seed(spec: ModelSpec) -> int:
    """A seed within `spec`'s range; never 0, which Stability reads as "random" (the seed shown is the one used)."""
    return random.randint(max(1, int(spec.seed.low)), int(spec.seed.high))


@dataclass(frozen=True)
class _Size:
    """An image stand-in that knows only its size, for pricing without decoding."""

    size: tuple[int, int]


def _sized(request: Request) -> Request:
    changes: dict[str, Any] = {}
    for name, option in request.options().items():
        value = getattr(request, name)
        if value is None:
            continue
        if option.kind in (Kind.IMAGE, Kind.MASK):
            changes[name] = _Size(peek_size(value))
        elif option.kind is Kind.IMAGES:
            changes[name] = [_Size(peek_size(item)) for item in value]
    return request.replace(**changes)
