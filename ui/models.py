"""The model picker and what follows from the chosen model.

Each model's state, price and region in the picker; one plain sentence with a one-click
"Switch to ..." when a model cannot (or may not) be called; tabs a model cannot serve greyed
out with the reason (and which model can); the family's notes per task.

The lifecycle is asked once at start (`load_report`): on the Bedrock engine from Bedrock's
control plane through `titan.lifecycle` (bounded to about two seconds, cached), otherwise
from titan's own table. `ModelBoard` holds no Gradio; `PickerParts` turns it into updates.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from titan import MODELS, ModelSpec, TextImageRequest, TitanError, family_for, get_model, request_types
from titan import lifecycle as lc

log = logging.getLogger(__name__)


def load_report(engine: Any, *, control_plane: Any = None, timeout: float = lc.DEFAULT_TIMEOUT) -> lc.LifecycleReport:
    """Model states for this engine, asked once at start; never raises, never waits much past `timeout`.

    Bedrock: the control plane (`control_plane` when given, e.g. a stub in tests). A Bedrock
    engine pointed at another endpoint (the emulator) is not AWS, so it gets titan's table
    unless a control plane is given. Every other engine: titan's table, without a region.
    """
    if not getattr(engine, "billed", False):
        return lc.table_report(None)
    try:
        region = engine.region
    except TitanError as err:
        return lc.LifecycleReport(None, None, note=f"{err} Model states come from titan's own table.")
    endpoint = getattr(engine, "endpoint_url", None)
    if control_plane is None and endpoint:
        return lc.LifecycleReport(
            region, None, note=f"Calls go to {endpoint}, not AWS, so model states come from titan's own table."
        )
    try:
        return lc.check_lifecycle(
            region, profile=getattr(engine, "profile", None), control_plane=control_plane, timeout=timeout
        )
    except Exception as err:  # start-up must not fail on a question that is only advice
        log.warning("lifecycle check failed: %s", err)
        return lc.LifecycleReport(region, None, note="Could not ask Bedrock which models are available.")


def price_words(spec: ModelSpec) -> str:
    """The picker's price: one image of text to image, from the one price table."""
    price = family_for(spec).price(spec, TextImageRequest("a picture")).per_image
    shown = f"{price:.2f}" if round(price, 2) == price else f"{price:.3f}"
    return f"${shown}/image"


@dataclass
class ModelBoard:
    """Model states for one app (one account and region), plus what invoking taught us.

    `failed` holds models Bedrock refused as unavailable while the app ran (retired,
    legacy-locked): that is true for every visitor, so it is app-wide (and locked).
    """

    billed: bool
    report: lc.LifecycleReport
    today: dt.date | None = None
    failed: dict[str, str] = field(default_factory=dict)
    suggested: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_engine(cls, engine: Any, *, control_plane: Any = None, today: dt.date | None = None) -> ModelBoard:
        report = load_report(engine, control_plane=control_plane)
        return cls(bool(getattr(engine, "billed", False)), report, today)

    @property
    def checked(self) -> bool:
        """True when the states come from Bedrock (not titan's table)."""
        return self.billed and self.report.facts is not None

    def status(self, model_id: str) -> lc.ModelStatus:
        return self.report.spec_status(get_model(model_id), today=self.today)

    # --- the picker ---

    def state_words(self, model_id: str) -> str:
        """ "active", "legacy until 2026-12-30", "retired", "not enabled in this account", …"""
        with self._lock:
            if model_id in self.failed:
                return "refused by Bedrock"
        spec, status = get_model(model_id), self.status(model_id)
        region = self.report.region or "this region"
        if status.state == lc.ACTIVE:
            return "active"
        if status.state == lc.LEGACY:
            return f"legacy until {status.end_of_life}" if status.end_of_life else "legacy"
        if status.state == lc.RETIRED:
            return "retired"
        if status.state == lc.NOT_ENABLED:
            return "not enabled in this account"
        if status.state == lc.NOT_OFFERED:
            return f"partly offered in {region}" if status.usable else f"not offered in {region}"
        life = spec.lifecycle
        if not life.usable_on(self.today or dt.date.today()):
            return "retired"
        if not status.usable:
            return f"not offered in {region}"
        return f"legacy until {life.end_of_life}" if life.status == "legacy" else "active"

    def label(self, model_id: str) -> str:
        spec = get_model(model_id)
        where = f" · {', '.join(spec.regions[:3])}" if spec.regions else ""
        return f"{spec.name} · {self.state_words(model_id)} · {price_words(spec)}{where}"

    def choices(self) -> list[tuple[str, str]]:
        return [(self.label(model_id), model_id) for model_id in MODELS]

    def default_model(self) -> str:
        """The first usable model (on every engine: the offline preview imitates the model picked)."""
        return self.report.default_model_id(today=self.today)

    def note(self) -> str:
        """Why the states are not Bedrock's own answer (no permission, too slow, emulator), or ""."""
        return (self.report.note or "") if self.billed else ""

    # --- notice and switch ---

    def usable(self, model_id: str) -> bool:
        with self._lock:
            if model_id in self.failed:
                return False
        return self.status(model_id).usable

    def notice(self, model_id: str) -> str:
        """One plain sentence when the model cannot (or may soon not) be called, else ""."""
        spec = get_model(model_id)
        with self._lock:
            if model_id in self.failed:
                return self.failed[model_id]
        status = self.status(model_id)
        if not self.billed:
            words = self.state_words(model_id)
            if words == "active":
                return ""
            since = (
                f" (since {spec.lifecycle.end_of_life})" if words == "retired" and spec.lifecycle.end_of_life else ""
            )
            return f"On Amazon Bedrock {spec.name} is {words}{since}; this offline preview still imitates it."
        if status.state == lc.ACTIVE or (status.state == lc.UNKNOWN and status.usable):
            return ""
        return status.explanation

    def switch_target(self, model_id: str, suggestion: str | None = None) -> str | None:
        """A usable model to offer instead of `model_id` (Bedrock's `suggestion` first when usable)."""
        base = get_model(model_id).model_id
        with self._lock:
            remembered = self.suggested.get(base)
        candidates = [suggestion, remembered, self.status(model_id).replacement]
        candidates += [self.report.replacement_for(base, today=self.today), self.default_model(), *MODELS]
        for candidate in candidates:
            if candidate in MODELS and candidate != base and self.usable(candidate):
                return candidate
        return None

    def remember_failure(self, model_id: str, error: TitanError) -> None:
        """Bedrock refused `model_id` as unavailable: say so from now on and offer its `.suggestion`."""
        spec = get_model(model_id)
        suggestion = getattr(error, "suggestion", None)
        message = f"Amazon Bedrock refused {spec.name}: {_reason(error)}"
        with self._lock:
            self.suggested[spec.model_id] = suggestion
            self.failed[spec.model_id] = message
        target = self.switch_target(spec.model_id, suggestion)
        if target:
            with self._lock:
                self.failed[spec.model_id] += f" Switch to {MODELS[target].name} to keep working."

    # --- tabs and tasks ---

    def blockers(self, spec: ModelSpec) -> dict[str, str]:
        """Why each task cannot run on `spec` here. Offline: only what the family cannot do;
        Bedrock with an answer from AWS: also tasks whose service this account cannot call."""
        blocked = {kind.task: reason for kind in request_types() if (reason := spec.unsupported_reason(kind.task))}
        if self.checked:
            for task, reason in self.report.task_blockers(spec, today=self.today).items():
                blocked.setdefault(task, reason)
        return blocked

    def able(self, task: str) -> list[str]:
        """Names of usable models that can do `task`, for "which model can" in a greyed tab's reason."""
        return [spec.name for spec in MODELS.values() if spec.supports(task) and self.usable(spec.model_id)]

    def task_notice(self, spec: ModelSpec, task: str) -> str:
        """The line inside a tab whose task `spec` cannot do here, or ""."""
        reason = self.blockers(spec).get(task)
        if reason is None:
            return ""
        label = next(kind.label for kind in request_types() if kind.task == task)
        able = self.able(task)
        can = f" {', '.join(able[:2])} can: pick it above." if able else " Pick another model above."
        if not spec.supports(task):
            said = f": {reason}" if task in spec.unavailable_tasks else ""
            return f"{label} is not supported by {spec.name}{said}.{can}"
        return f"{label} cannot run on {spec.name} here: {reason.rstrip('.')}.{can}"

    def greyed_tabs(self, spec: ModelSpec) -> set[str]:
        """Tasks whose tab is greyed out: blocked while the model can still do something else here.
        (When it can do nothing here the tabs stay open and the notice above offers the switch.)"""
        blocked = set(self.blockers(spec))
        return blocked if blocked != {kind.task for kind in request_types()} else set()


def _reason(error: TitanError) -> str:
    """The refusal without titan's own "Switch to <model id>." advice (the button says it better)."""
    text = str(error)
    for marker in (" Switch to ", " Pick an active model."):
        text = text.split(marker, 1)[0]
    return text if text.endswith(".") else text + "."


@dataclass
class PickerParts:
    """The picker's components and what it changes on the page when the model changes."""

    board: ModelBoard
    picker: Any
    notice: Any
    switch: Any
    reasons_box: Any

    def notice_update(self, model_id: str) -> dict[str, Any]:
        text = self.board.notice(model_id)
        return gr.update(value=text, visible=bool(text))

    def switch_update(self, model_id: str) -> dict[str, Any]:
        """The "Switch to <model>" button: shown with the notice when there is somewhere to go."""
        target = self.board.switch_target(model_id) if self.board.notice(model_id) else None
        if target is None:
            return gr.update(value="Switch", visible=False)
        return gr.update(value=f"Switch to {MODELS[target].name}", visible=True)

    def updates(self, model_id: str, parts: dict[str, Any]) -> dict[Any, Any]:
        """Notice, switch, greyed tabs (with why on hover) and each tab's reason line."""
        spec = get_model(model_id)
        blocked, greyed = self.board.blockers(spec), self.board.greyed_tabs(spec)
        updates: dict[Any, Any] = {
            self.notice: self.notice_update(model_id),
            self.switch: self.switch_update(model_id),
            self.reasons_box: self.reasons(model_id, parts),
        }
        for part in parts.values():
            task = part.request_type.task
            notice = self.board.task_notice(spec, task)
            updates[part.tab] = gr.update(interactive=task not in greyed)
            updates[part.row.notice] = notice
            updates[part.row.button] = gr.update(interactive=task not in blocked)
        return updates

    def reasons(self, model_id: str, parts: dict[str, Any]) -> str:
        """Data for the page's script: the greyed tabs' reasons (shown on hover) and, for every model,
        its name and the tabs it greys (so picking it greys them at once, before the server answers)."""
        spec = get_model(model_id)
        reasons = {label: self.board.task_notice(spec, task) for label, task in self._greyed(spec, parts)}
        models = {
            choice: {"name": MODELS[choice].name, "greyed": [label for label, _ in self._greyed(MODELS[choice], parts)]}
            for _, choice in self.board.choices()
        }
        data = f"data-reasons='{_attribute(reasons)}' data-models='{_attribute(models)}'"
        return f"<div id='tab-reasons' hidden {data}></div>"

    def _greyed(self, spec: ModelSpec, parts: dict[str, Any]) -> list[tuple[str, str]]:
        """(tab label, task) of the tabs `spec` greys out."""
        greyed = self.board.greyed_tabs(spec)
        return [
            (part.request_type.label, part.request_type.task)
            for part in parts.values()
            if part.request_type.task in greyed
        ]

    def switch_to(self, model_id: str) -> str:
        """The switch button's click: the suggested usable model (or the same one when there is none)."""
        return self.board.switch_target(model_id) or model_id


def _attribute(data: Any) -> str:
    return html.escape(json.dumps(data), quote=True)


def merge(updates: dict[Any, Any], more: dict[Any, Any]) -> dict[Any, Any]:
    """`updates` with `more` on top; two `gr.update`s for one component are combined field by field."""
    for component, update in more.items():
        before = updates.get(component)
        updates[component] = {**before, **update} if isinstance(before, dict) and isinstance(update, dict) else update
    return updates


def apply_now(updates: dict[Any, Any]) -> None:
    """Set `gr.update(...)` values on components before the page is served (their start state)."""
    for component, update in updates.items():
        if not isinstance(update, dict):
            component.value = update
            continue
        for key, value in update.items():
            if key != "__type__":
                setattr(component, key, value)
