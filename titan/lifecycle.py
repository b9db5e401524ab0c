"""Which image models this account and region can use now: Bedrock's control plane, cached.

Models retire (Titan v1/v2 on 2026-06-30, Nova Canvas on 2026-09-30) and a legacy model
locks accounts that have not used it lately, so the picker asks AWS instead of trusting a
table alone. Each model id gets one state, with a sentence a designer can act on and a
usable replacement:

    active       listed by `list_foundation_models` as ACTIVE
    legacy       listed as LEGACY: runs until its end of life, but AWS locks accounts
                 that have not called it in the last 15–30 days
    retired      absent from the list while titan's table says retired, or past its
                 end-of-life date (AWS's `endOfLifeTime` when the SDK returns it, else ours)
    not_enabled  listed, but `get_foundation_model_availability` says this account may not
                 call it (IAM, model access, provider terms / Marketplace subscription)
    not_offered  absent from the list (or regionAvailability NOT_AVAILABLE) while our table
                 says it is active: this region does not serve it
    unknown      the control plane did not answer (no permission, no credentials, slower
                 than `timeout`): titan's own table decides whether it is usable

`check_lifecycle` never blocks for more than `timeout` (2 s): the query runs in a thread
with one-attempt, short-timeout botocore settings; an answer that comes later still fills
the cache for the next call. Answers are kept in memory and in a small JSON file for `ttl`
seconds; failures only in memory, for a few minutes. botocore errors are translated by
`titan.engines.bedrock` (the one boundary); this module sees `TitanError`s only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import TitanAccessDeniedError, TitanCredentialsError, TitanError, TitanTimeoutError
from .models import MODELS, SERVICES, Lifecycle, ModelSpec, get_model, service_model

ACTIVE, LEGACY, RETIRED = "active", "legacy", "retired"
NOT_ENABLED, NOT_OFFERED, UNKNOWN = "not_enabled", "not_offered", "unknown"
STATES = (ACTIVE, LEGACY, RETIRED, NOT_ENABLED, NOT_OFFERED, UNKNOWN)
USABLE_STATES = frozenset({ACTIVE, LEGACY})

DEFAULT_TIMEOUT = 2.0
DEFAULT_TTL = 6 * 3600.0
FAILURE_TTL = 300.0
#: Family order for the default model: Stability (the living family) first, then Titan and Nova.
FAMILY_ORDER = ("stability", "titan")
_CACHE_VERSION = 1
_TABLE = "titan's own table"


@dataclass(frozen=True)
class ModelStatus:
    """One model id's state here, in words, with a usable model to switch to."""

    model_id: str
    state: str
    explanation: str
    usable: bool
    end_of_life: dt.date | None = None
    replacement: str | None = None


@dataclass
class ControlPlaneFacts:
    """What the control plane said (raw, so a change to titan's table re-derives the states)."""

    region: str
    fetched_at: float
    listed: dict[str, dict[str, str | None]] | None = None
    """model id -> {"status": ACTIVE|LEGACY, "end_of_life": ISO date or None}; None until answered."""
    availability: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """model id -> {"authorization", "entitlement", "region", "agreement"} (uppercase AWS values)."""
    note: str | None = None
    complete: bool = False

    def snapshot(self) -> ControlPlaneFacts:
        return ControlPlaneFacts(
            self.region, self.fetched_at, dict(self.listed or {}), dict(self.availability), self.note, self.complete
        )


class LifecycleReport:
    """States for every model titan knows, in one region, from control-plane facts or (without
    them) from titan's table. `source` says which: "control-plane", "memory", "file" or "table"."""

    def __init__(
        self, region: str | None, facts: ControlPlaneFacts | None, *, note: str | None = None, source: str = "table"
    ) -> None:
        self.region = region
        self.facts = facts
        self.note = note if note is not None else (facts.note if facts else None)
        self.source = source

    # --- one id ---

    def status(self, model_id: str, *, today: dt.date | None = None) -> ModelStatus:
        """The state of `model_id` (a model or service id; "us." prefixes accepted), with a replacement."""
        model_id = _base_id(model_id)
        status = self._state(model_id, today or dt.date.today())
        if (status.usable and status.state != LEGACY) or model_id not in MODELS:
            return status
        return _with_replacement(status, self.replacement_for(model_id, today=today))

    def _state(self, model_id: str, today: dt.date) -> ModelStatus:
        name, life, regions = _table_entry(model_id)
        if self.facts is None or self.facts.listed is None:
            return self._from_table(model_id, name, life, regions, today)
        listed = self.facts.listed.get(model_id)
        if listed is None:
            return self._absent(model_id, name, life, regions, today)
        end = _date(listed.get("end_of_life")) or life.end_of_life
        if end and today >= end:
            text = f"{name} reached its end of life on {end} and can no longer be called."
            return ModelStatus(model_id, RETIRED, text, False, end)
        problem = _availability_problem(self.facts.availability.get(model_id), name, self.region)
        if problem:
            return ModelStatus(model_id, problem[0], problem[1], False, end)
        if listed.get("status") == "LEGACY":
            until = f" until {end}" if end else ""
            text = (
                f"{name} is legacy{until}: it still runs, but AWS locks accounts that have not used it "
                "in the last 15–30 days."
            )
            return ModelStatus(model_id, LEGACY, text, True, end)
        return ModelStatus(model_id, ACTIVE, f"{name} is active in {self.region}.", True, end)

    def _from_table(
        self, model_id: str, name: str, life: Lifecycle, regions: tuple[str, ...], today: dt.date
    ) -> ModelStatus:
        offered = not regions or self.region is None or self.region in regions
        usable = life.usable_on(today) and offered
        said = (
            _table_words(life, today) if offered else f"not offered in {self.region} (it runs in {', '.join(regions)})"
        )
        text = f"Not checked with AWS; by {_TABLE} {name} is {said}."
        return ModelStatus(model_id, UNKNOWN, text, usable, life.end_of_life)

    def _absent(
        self, model_id: str, name: str, life: Lifecycle, regions: tuple[str, ...], today: dt.date
    ) -> ModelStatus:
        if not life.usable_on(today):
            since = f" on {life.end_of_life}" if life.end_of_life else ""
            return ModelStatus(
                model_id, RETIRED, f"AWS retired {name}{since}; it can no longer be called.", False, life.end_of_life
            )
        if regions and self.region not in regions:
            text = f"{name} is not offered in {self.region}; it runs in {', '.join(regions)}."
        else:
            text = f"Bedrock does not list {name} in {self.region} for this account."
        return ModelStatus(model_id, NOT_OFFERED, text, False)

    # --- a whole spec ---

    def spec_status(self, spec: ModelSpec, *, today: dt.date | None = None) -> ModelStatus:
        """The picker's line for `spec`: its own id's state, usable when any of its tasks can run here."""
        today = today or dt.date.today()
        status = self.status(spec.model_id, today=today)
        if status.usable or not self.usable_spec(spec, today=today):
            return status
        blocked = self.task_blockers(spec, today=today)
        working = [kind.label for kind in _request_types() if kind.task not in blocked]
        text = f"{status.explanation} Still available here: {', '.join(working)}."
        return ModelStatus(status.model_id, status.state, text, True, status.end_of_life, status.replacement)

    def usable_spec(self, spec: ModelSpec, *, today: dt.date | None = None) -> bool:
        """True when at least one of `spec`'s tasks can run here."""
        today = today or dt.date.today()
        return any(self._state(model_id, today).usable for model_id in _ids_of(spec))

    def task_blockers(self, spec: ModelSpec, *, today: dt.date | None = None) -> dict[str, str]:
        """Why each task cannot run on `spec` here (unsupported, or its service unusable); runnable tasks are absent."""
        today = today or dt.date.today()
        blockers: dict[str, str] = {}
        for kind in _request_types():
            task = kind.task
            reason = spec.unsupported_reason(task)
            if reason is None:
                states = [self._state(model_id, today) for model_id in _task_ids(spec, kind)]
                reason = None if any(state.usable for state in states) else states[0].explanation
            if reason:
                blockers[task] = reason
        return blockers

    # --- choosing ---

    def replacement_for(self, model_id: str, *, today: dt.date | None = None) -> str | None:
        """A usable model to switch to, or None.

        Ranked as `_rank` says (active, then partly available, then legacy); within the
        best rank, one doing every task `model_id` does is preferred, then the table's
        successor, then family order (Stability, then Titan and Nova).
        """
        today = today or dt.date.today()
        model_id = _base_id(model_id)
        spec = MODELS.get(model_id)
        if spec is None:
            return None
        ordered = [spec.replacement] if spec.replacement in MODELS else []
        ordered += [candidate.model_id for candidate in _in_family_order()]
        ranked = self._ranked([MODELS[cid] for cid in dict.fromkeys(ordered) if cid != model_id], today)
        if not ranked:
            return None
        best = [cid for cid in ranked if self._rank(MODELS[cid], today) == self._rank(MODELS[ranked[0]], today)]
        covering = [cid for cid in best if _tasks_of(spec) <= _tasks_of(MODELS[cid])]
        return (covering or best)[0]

    def default_model_id(self, *, today: dt.date | None = None) -> str:
        """The model to preselect: the first usable in family order (Stability, then Titan and Nova),
        ranked as `_rank` says."""
        ranked = self._ranked(_in_family_order(), today or dt.date.today())
        return ranked[0] if ranked else next(spec.model_id for spec in _in_family_order() if spec.family == "stability")

    def _ranked(self, specs: list[ModelSpec], today: dt.date) -> list[str]:
        """Ids of the usable `specs` by `_rank`; their order is kept within a rank."""
        usable = [spec for spec in specs if self.usable_spec(spec, today=today)]
        return [spec.model_id for spec in sorted(usable, key=lambda spec: self._rank(spec, today))]

    def _rank(self, spec: ModelSpec, today: dt.date) -> int:
        """0 its own model is active, 1 only some of its tasks run here (Stability's image
        services without its text-to-image model), 2 legacy — last, because a legacy model
        locks accounts that have not used it lately."""
        state = self._state(spec.model_id, today)
        if state.state == LEGACY:
            return 2
        return 0 if state.usable else 1


# --- asking the control plane -----------------------------------------------------------

_MEMORY: dict[str, tuple[float, ControlPlaneFacts | None, str | None]] = {}
_MEMORY_LOCK = threading.Lock()
#: A question still on its way, by cache key: a second caller waits for it instead of asking again.
_IN_FLIGHT: dict[str, tuple[threading.Thread, ControlPlaneFacts, list[BaseException]]] = {}
_FILE_LOCK = threading.Lock()


def check_lifecycle(
    region: str | None = None,
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cache_path: str | os.PathLike | None = None,
    ttl: float = DEFAULT_TTL,
    control_plane: Any = None,
    refresh: bool = False,
) -> LifecycleReport:
    """The lifecycle report for `region`, from memory, the JSON cache or the control plane.

    Returns within about `timeout` seconds whatever happens; without an answer the report
    is "unknown" with a `note` saying why, and states fall back to titan's table.
    `control_plane` is a `BedrockControlPlane` (tests pass one wrapped in a botocore Stubber).
    """
    if control_plane is None:
        from .engines.bedrock import BedrockControlPlane

        control_plane = BedrockControlPlane(region=region, profile=profile, endpoint_url=endpoint_url, timeout=timeout)
    try:
        region = region or control_plane.region
    except TitanError as exc:
        return LifecycleReport(region, None, note=_failure_note(exc, timeout))
    key = f"{region}|{profile or ''}|{endpoint_url or ''}"
    path = Path(cache_path) if cache_path is not None else default_cache_path()
    if not refresh:
        cached = _cached(key, path, ttl)
        if cached is not None:
            return cached
    return _ask(control_plane, region, key, path, timeout)


def _cached(key: str, path: Path, ttl: float) -> LifecycleReport | None:
    with _MEMORY_LOCK:
        entry = _MEMORY.get(key)
    if entry and entry[0] > time.time():
        _expires, facts, note = entry
        return LifecycleReport(key.split("|", 1)[0], facts, note=note, source="memory")
    facts = _read_file(path, key, ttl)
    if facts is None:
        return None
    _remember(key, facts, None, facts.fetched_at + ttl)
    return LifecycleReport(facts.region, facts, source="file")


def _ask(control_plane: Any, region: str, key: str, path: Path, timeout: float) -> LifecycleReport:
    with _MEMORY_LOCK:
        if key not in _IN_FLIGHT or not _IN_FLIGHT[key][0].is_alive():
            _IN_FLIGHT[key] = _start(control_plane, region, key, path, timeout)
        thread, facts, failure = _IN_FLIGHT[key]
    thread.join(timeout)
    if failure:
        return LifecycleReport(region, None, note=_failure_note(failure[0], timeout))
    if facts.listed is None:
        return LifecycleReport(region, None, note=_failure_note(TitanTimeoutError("slow"), timeout))
    snapshot = facts.snapshot()
    if not snapshot.complete:
        snapshot.note = "Model-access checks were still running; states may change on the next check."
    return LifecycleReport(region, snapshot, source="control-plane")


def _start(
    control_plane: Any, region: str, key: str, path: Path, timeout: float
) -> tuple[threading.Thread, ControlPlaneFacts, list[BaseException]]:
    """Ask in a daemon thread; whenever it finishes, its answer (or failure) goes to the caches."""
    facts = ControlPlaneFacts(region=region, fetched_at=time.time())
    failure: list[BaseException] = []

    def work() -> None:
        try:
            _fetch(control_plane, facts)
        except Exception as exc:  # a TitanError, or a bug: either way the report is "unknown"
            failure.append(exc)
            _remember(key, None, _failure_note(exc, timeout), time.time() + FAILURE_TTL)
            return
        _remember(key, facts, None, facts.fetched_at + DEFAULT_TTL)
        _write_file(path, key, facts)

    thread = threading.Thread(target=work, name="titan-lifecycle", daemon=True)
    thread.start()
    return thread, facts, failure


def _fetch(control_plane: Any, facts: ControlPlaneFacts) -> None:
    """Fill `facts` in place: the model list first (usable on its own), then availability per id."""
    facts.listed = {summary["modelId"]: _listed(summary) for summary in control_plane.image_models()}
    if control_plane.has_availability():
        wanted = [model_id for model_id in (*MODELS, *SERVICES) if model_id in facts.listed]
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="titan-availability") as pool:
            futures = {pool.submit(control_plane.availability, model_id): model_id for model_id in wanted}
            for future in as_completed(futures):
                try:
                    facts.availability[futures[future]] = _availability(future.result())
                except TitanAccessDeniedError:
                    facts.note = "This identity may not read model access (bedrock:GetFoundationModelAvailability)."
                except TitanError:
                    continue
    facts.complete = True


def _listed(summary: dict[str, Any]) -> dict[str, str | None]:
    life = summary.get("modelLifecycle") or {}
    end = life.get("endOfLifeTime")
    return {"status": life.get("status"), "end_of_life": end.date().isoformat() if end else None}


def _availability(answer: dict[str, Any]) -> dict[str, str | None]:
    return {
        "authorization": answer.get("authorizationStatus"),
        "entitlement": answer.get("entitlementAvailability"),
        "region": answer.get("regionAvailability"),
        "agreement": (answer.get("agreementAvailability") or {}).get("status"),
    }


def _availability_problem(
    available: dict[str, str | None] | None, name: str, region: str | None
) -> tuple[str, str] | None:
    """(state, sentence) when availability says this account cannot call the model here."""
    if not available:
        return None
    if available.get("region") == "NOT_AVAILABLE":
        return NOT_OFFERED, f"{name} is not offered in {region}."
    if available.get("authorization") == "NOT_AUTHORIZED":
        return NOT_ENABLED, f"Your AWS identity is not allowed to call {name} (check its IAM policy)."
    if available.get("entitlement") == "NOT_AVAILABLE":
        return NOT_ENABLED, f"{name} is not enabled in this account: turn on its access in the Bedrock console."
    if available.get("agreement") in ("NOT_AVAILABLE", "PENDING", "ERROR"):
        return NOT_ENABLED, (
            f"{name}'s provider terms are not accepted in this account yet (an AWS Marketplace subscription): "
            "open the model once in the Bedrock console."
        )
    return None


def _failure_note(exc: BaseException, timeout: float) -> str:
    tail = f"so model states come from {_TABLE}"
    if isinstance(exc, TitanAccessDeniedError):
        return f"This AWS identity may not list Bedrock's models (bedrock:ListFoundationModels), {tail}."
    if isinstance(exc, TitanCredentialsError):
        return f"No usable AWS credentials to ask Bedrock which models are available, {tail}."
    if isinstance(exc, TitanTimeoutError):
        return f"Bedrock's control plane did not answer within {timeout:g} s, {tail}."
    if isinstance(exc, TitanError):
        return f"Could not ask Bedrock which models are available ({exc}), {tail}."
    return f"Could not ask Bedrock which models are available ({type(exc).__name__}), {tail}."


# --- caches -----------------------------------------------------------------------------


def default_cache_path() -> Path:
    """~/.cache/titan-playground/lifecycle.json (or under $XDG_CACHE_HOME); created on first write."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "titan-playground" / "lifecycle.json"


def _remember(key: str, facts: ControlPlaneFacts | None, note: str | None, expires: float) -> None:
    with _MEMORY_LOCK:
        _MEMORY[key] = (expires, facts, note)


def cached_report(region: str | None) -> LifecycleReport | None:
    """The freshest report for `region` held in memory (no file, no network), or None."""
    now = time.time()
    with _MEMORY_LOCK:
        entries = [value for key, value in _MEMORY.items() if key.split("|", 1)[0] == region and value[0] > now]
    for _expires, facts, note in entries:
        if facts is not None:
            return LifecycleReport(region, facts, note=note, source="memory")
    return None


def clear_cache() -> None:
    """Forget what memory holds (the JSON file stays): for tests and a "check again" button."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
        _IN_FLIGHT.clear()


def _read_file(path: Path, key: str, ttl: float) -> ControlPlaneFacts | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["entries"][key]
        facts = ControlPlaneFacts(**entry)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return facts if facts.complete and facts.fetched_at + ttl > time.time() else None


def _write_file(path: Path, key: str, facts: ControlPlaneFacts) -> None:
    """Best effort: a cache that cannot be written only costs a check next time."""
    with _FILE_LOCK:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("version") == _CACHE_VERSION else {}
        except (OSError, ValueError, KeyError, AttributeError):
            entries = {}
        entries[key] = asdict(facts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps({"version": _CACHE_VERSION, "entries": entries}), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            return


# --- without a report -------------------------------------------------------------------


def table_report(region: str | None = None) -> LifecycleReport:
    """A report from titan's table alone (and its region table when `region` is given)."""
    return LifecycleReport(region, None, note=f"Not checked with AWS: states come from {_TABLE}.")


def suggest_replacement(model_id: str, *, region: str | None = None, today: dt.date | None = None) -> str | None:
    """A usable model to offer instead of `model_id`: from a cached report when there is one, else the table."""
    report = cached_report(region) or table_report(region)
    return report.replacement_for(model_id, today=today)


def default_model_id(report: LifecycleReport | None = None, *, today: dt.date | None = None) -> str:
    """The model to preselect: the first usable model, Stability first."""
    return (report or table_report()).default_model_id(today=today)


# --- helpers ----------------------------------------------------------------------------


def _base_id(model_id: str) -> str:
    service = service_model(model_id)
    if service is not None:
        return service.model_id
    try:
        return get_model(model_id).model_id
    except TitanError:
        return model_id


def _table_entry(model_id: str) -> tuple[str, Lifecycle, tuple[str, ...]]:
    """(name, lifecycle, regions that serve it or () when unknown) from titan's tables."""
    spec, service = MODELS.get(model_id), SERVICES.get(model_id)
    name = spec.name if spec else service.name if service else model_id
    life = spec.lifecycle if spec else Lifecycle("active")
    return name, life, service.regions if service else ()


def _table_words(life: Lifecycle, today: dt.date) -> str:
    end = life.end_of_life
    if not life.usable_on(today):
        return f"retired since {end}" if end else "retired"
    if life.status == "legacy":
        return f"legacy until {end}" if end else "legacy"
    return "active"


def _ids_of(spec: ModelSpec) -> tuple[str, ...]:
    from .families import family_for

    return family_for(spec).model_ids(spec)


def _task_ids(spec: ModelSpec, kind: Any) -> tuple[str, ...]:
    """The model ids a task may call on `spec`: its own id for Titan, the task's services for Stability."""
    mapping = kind.mappings.get("stability") if spec.family == "stability" else None
    if mapping is None:
        return (spec.model_id,)
    return tuple(dict.fromkeys(native.service_for(spec).model_id for native in mapping.routes.values()))


def _tasks_of(spec: ModelSpec) -> set[str]:
    return {kind.task for kind in _request_types() if spec.supports(kind.task)}


def _request_types() -> list[Any]:
    from .tasks import request_types

    return request_types()


def _in_family_order() -> list[ModelSpec]:
    rank = {family: index for index, family in enumerate(FAMILY_ORDER)}
    return sorted(MODELS.values(), key=lambda spec: rank.get(spec.family, len(rank)))


def _with_replacement(status: ModelStatus, replacement: str | None) -> ModelStatus:
    return ModelStatus(
        status.model_id, status.state, status.explanation, status.usable, status.end_of_life, replacement
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
