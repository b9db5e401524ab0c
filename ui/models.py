"""The model picker and what follows from the chosen model: each model's state and price,
one plain sentence with a one-click "Switch to ..." when a model cannot (or may not) be
called, tabs a family cannot do greyed out with the reason, controls a family ignores
shown disabled with a note, and the family's notes per task.

The lifecycle is asked once at start (`load_report`): on the Bedrock engine from Bedrock's
control plane through `titan.lifecycle` (bounded to about two seconds, cached), otherwise
from titan's own table. No Gradio here except `gr.update`, so tests can call it directly.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from titan import MODELS, ModelSpec, Task, TitanError, get_model
from titan import lifecycle as lc
from titan.lifecycle import LifecycleReport, ModelStatus
from titan.models import DEFAULT_MODEL_ID
from titan.options import OPTIONS

log = logging.getLogger(__name__)

#: How a family is named in "… ignore this" notes.
FAMILY_NAMES = {"titan": "Titan and Nova models", "stability": "Stability AI models on Bedrock"}
#: Titan controls (titan.options names) the page has a component for, per task; "mode" is
#: the outpainting mode (Inpaint's own "mode" radio means replace/remove, not this).
CONTROL_TASKS = {"mode": {Task.OUTPAINTING}}


def load_report(engine: Any, *, control_plane: Any = None, timeout: float = lc.DEFAULT_TIMEOUT) -> LifecycleReport:
    """Model states for this engine, asked once at start; never raises, never waits much past `timeout`.

    Bedrock: the control plane (`control_plane` when given, e.g. a stub in tests). A Bedrock
    engine pointed at another endpoint (the emulator) is not AWS, so it gets titan's table
    unless a control plane is given. Every other engine: titan's table, without a region.
    """
    if getattr(engine, "name", "") != "bedrock":
        return lc.table_report(None)
    try:
        region = engine.region
    except TitanError as err:
        return LifecycleReport(None, None, note=f"{err} Model states come from titan's own table.")
    endpoint = getattr(engine, "endpoint_url", None)
    if control_plane is None and endpoint:
        return LifecycleReport(
            region, None, note=f"Calls go to {endpoint}, not AWS, so model states come from titan's own table."
        )
    try:
        return lc.check_lifecycle(
            region, profile=getattr(engine, "profile", None), control_plane=control_plane, timeout=timeout
        )
    except Exception as err:  # start-up must not fail on a question that is only advice
        log.warning("lifecycle check failed: %s", err)
        return LifecycleReport(region, None, note="Could not ask Bedrock which models are available.")


def price_words(spec: ModelSpec) -> str:
    """The picker's price: one standard 1024 × 1024 text-to-image image, from the one price table."""
    price = spec.price_for(Task.TEXT_IMAGE)
    shown = f"{price:.2f}" if round(price, 2) == price else f"{price:.3f}"
    return f"${shown}/image"


@dataclass
class ModelBoard:
    """Model states for one app (one account and region), plus what invoking taught us.

    `failed` holds models Bedrock refused as unavailable while the app ran (retired,
    legacy-locked): that is true for every visitor, so it is app-wide.
    """

    engine: str
    report: LifecycleReport
    today: dt.date | None = None
    failed: dict[str, str] = field(default_factory=dict)
    suggested: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def for_engine(cls, engine: Any, *, control_plane: Any = None, today: dt.date | None = None) -> ModelBoard:
        return cls(getattr(engine, "name", "offline"), load_report(engine, control_plane=control_plane), today)

    @property
    def checked(self) -> bool:
        """True when the states come from Bedrock (not titan's table)."""
        return self.engine == "bedrock" and self.report.facts is not None

    def status(self, model_id: str) -> ModelStatus:
        return self.report.spec_status(get_model(model_id), today=self.today)

    # --- the picker ---

    def state_words(self, model_id: str) -> str:
        """ "active", "legacy until 2026-12-30", "retired", "not enabled in this account", …"""
        if model_id in self.failed:
            return "refused by Bedrock"
        status = self.status(model_id)
        region = self.report.region or "this region"
        end = status.end_of_life
        if status.state == lc.ACTIVE:
            return "active"
        if status.state == lc.LEGACY:
            return f"legacy until {end}" if end else "legacy"
        if status.state == lc.RETIRED:
            return "retired"
        if status.state == lc.NOT_ENABLED:
            return "not enabled in this account"
        if status.state == lc.NOT_OFFERED:
            return f"partly offered in {region}" if status.usable else f"not offered in {region}"
        return self._table_words(get_model(model_id), status)

    def _table_words(self, spec: ModelSpec, status: ModelStatus) -> str:
        life = spec.lifecycle
        if not life.usable_on(self.today or dt.date.today()):
            return "retired"
        if not status.usable:
            return f"not offered in {self.report.region or 'this region'}"
        if life.status == "legacy":
            return f"legacy until {life.end_of_life}" if life.end_of_life else "legacy"
        return "active"

    def label(self, model_id: str) -> str:
        spec = get_model(model_id)
        return f"{spec.name} · {self.state_words(model_id)} · {price_words(spec)}"

    def choices(self) -> list[tuple[str, str]]:
        return [(self.label(model_id), model_id) for model_id in MODELS]

    def default_model(self) -> str:
        """On Bedrock, the first usable model; offline, Titan v2: the preview imitates every task."""
        if self.engine != "bedrock":
            return DEFAULT_MODEL_ID
        return self.report.default_model_id(today=self.today)

    def note(self) -> str:
        """Why the states are not Bedrock's own answer (no permission, too slow, emulator), or ""."""
        return (self.report.note or "") if self.engine == "bedrock" else ""

    # --- notice and switch ---

    def usable(self, model_id: str) -> bool:
        return model_id not in self.failed and self.status(model_id).usable

    def notice(self, model_id: str) -> str:
        """One plain sentence when the model cannot (or may soon not) be called, else ""."""
        spec = get_model(model_id)
        if model_id in self.failed:
            return self.failed[model_id]
        status = self.status(model_id)
        if self.engine != "bedrock":
            words = self.state_words(model_id)
            if words == "active":
                return ""
            phrase = _table_phrase(spec, words)
            return f"On Amazon Bedrock {spec.name} is {phrase}; this offline preview still imitates it."
        if status.state == lc.ACTIVE or (status.state == lc.UNKNOWN and status.usable):
            return ""
        return status.explanation

    def switch_target(self, model_id: str, suggestion: str | None = None) -> str | None:
        """A usable model to offer instead of `model_id` (Bedrock's `suggestion` first when usable)."""
        base = get_model(model_id).model_id
        candidates = [suggestion, self.suggested.get(base), self.status(model_id).replacement]
        candidates += [self.report.replacement_for(base, today=self.today), self.default_model(), *MODELS]
        for candidate in candidates:
            if candidate in MODELS and candidate != base and self.usable(candidate):
                return candidate
        return None

    def switch_update(self, model_id: str) -> dict[str, Any]:
        """The "Switch to <model>" button: shown with the notice when there is somewhere to go."""
        target = self.switch_target(model_id) if self.notice(model_id) else None
        if target is None:
            return gr.update(value="Switch", visible=False)
        return gr.update(value=f"Switch to {MODELS[target].name}", visible=True)

    def remember_failure(self, model_id: str, error: TitanError) -> None:
        """Bedrock refused `model_id` as unavailable: say so from now on and offer its `.suggestion`."""
        spec = get_model(model_id)
        suggestion = self.suggested[spec.model_id] = getattr(error, "suggestion", None)
        self.failed[spec.model_id] = f"Amazon Bedrock refused {spec.name}: {_reason(error)}"
        target = self.switch_target(spec.model_id, suggestion)
        if target:
            self.failed[spec.model_id] += f" Switch to {MODELS[target].name} to keep working."

    # --- tabs, tasks and controls ---

    def blockers(self, spec: ModelSpec) -> dict[Task, str]:
        """Why each task cannot run on `spec` here. Offline: only what the family cannot do;
        Bedrock with an answer from AWS: also tasks whose service this account cannot call."""
        blocked = {task: reason for task in Task if (reason := spec.unsupported_reason(task))}
        if self.checked:
            for task, reason in self.report.task_blockers(spec, today=self.today).items():
                blocked.setdefault(task, reason)
        return blocked

    def task_notice(self, spec: ModelSpec, task: Task) -> str:
        """The line inside a tab whose task `spec` cannot do here, or ""."""
        reason = self.blockers(spec).get(task)
        if reason is None:
            return ""
        if not spec.supports(task):
            said = f": {reason}" if task in spec.unavailable_tasks else ""
            return f"{task.label} is not supported by {spec.name}{said}. Pick another model above."
        return f"{task.label} cannot run on {spec.name} here: {reason.rstrip('.')}. Pick another model above."

    def greyed_tabs(self, spec: ModelSpec) -> set[Task]:
        """Tasks whose tab is greyed out: blocked while the model can still do something else here.
        (When it can do nothing here the tabs stay open and the notice above offers the switch.)"""
        blocked = set(self.blockers(spec))
        return blocked if blocked != set(Task) else set()

    def task_note(self, spec: ModelSpec, task: Task) -> str:
        """What this family does differently for `task` (the backend's words), or ""."""
        return spec.task_notes.get(task, "")


def control_update(spec: ModelSpec, name: str) -> dict[str, Any]:
    """A Titan control (titan.options name) as `spec` treats it: disabled with a short note when ignored."""
    if name in spec.ignored_controls:
        family = FAMILY_NAMES.get(spec.family, spec.name)
        return gr.update(interactive=False, info=f"{family} ignore this setting, so it is not sent.")
    return gr.update(interactive=True, info=OPTIONS[name].help)


def controls_for(task: Task, components: dict[str, Any]) -> dict[str, Any]:
    """The components among a tab's named inputs that are Titan controls a family may ignore."""
    names = {"cfg_scale", "quality", "mode", "return_mask"}
    return {
        name: component
        for name, component in components.items()
        if name in names and task in CONTROL_TASKS.get(name, set(Task))
    }


def apply_now(updates: dict[Any, Any]) -> None:
    """Set `gr.update(...)` values on components before the page is served (their start state)."""
    for component, update in updates.items():
        if not isinstance(update, dict):
            component.value = update
            continue
        for key, value in update.items():
            if key != "__type__":
                setattr(component, key, value)


def _reason(error: TitanError) -> str:
    """The refusal without titan's own "Switch to <model id>." advice (the button says it better)."""
    text = str(error)
    for marker in (" Switch to ", " Pick an active model."):
        text = text.split(marker, 1)[0]
    return text if text.endswith(".") else text + "."


def _table_phrase(spec: ModelSpec, words: str) -> str:
    end = spec.lifecycle.end_of_life
    if words == "retired" and end:
        return f"retired (since {end})"
    return words


@dataclass
class PickerParts:
    """The picker's components and what it changes on the page when the model changes.

    `bind` (after the tabs are built) finds each task's tab, Generate row and controls;
    `updates(model_id)` says how they look for that model; `refused` and `after_failure`
    turn Bedrock's "model unavailable" answer into the notice and the switch.
    """

    board: ModelBoard
    picker: gr.Dropdown
    notice: gr.Markdown
    switch: gr.Button
    tabs: dict[Task, Any] = field(default_factory=dict)
    rows: dict[Task, Any] = field(default_factory=dict)
    controls: dict[Task, dict[str, Any]] = field(default_factory=dict)

    def bind(self, shared: Any, parts: list[Any]) -> None:
        tasks = {part.tab_id: part.task for part in parts}
        self.tabs = {tasks[tab.id]: tab for tab in shared.tabs.children if getattr(tab, "id", None) in tasks}
        self.rows = dict(shared.rows)
        self.controls = {tasks[tab_id]: named for tab_id, named in shared.controls.items() if tab_id in tasks}

    def notice_update(self, model_id: str) -> dict[str, Any]:
        text = self.board.notice(model_id)
        return gr.update(value=text, visible=bool(text))

    def updates(self, model_id: str) -> dict[Any, Any]:
        """Notice, switch, greyed tabs, each row's reason and note, and the ignored controls."""
        spec = get_model(model_id)
        blocked, greyed = self.board.blockers(spec), self.board.greyed_tabs(spec)
        updates: dict[Any, Any] = {
            self.notice: self.notice_update(model_id),
            self.switch: self.board.switch_update(model_id),
        }
        for task, tab in self.tabs.items():
            updates[tab] = gr.update(interactive=task not in greyed)
        for task, row in self.rows.items():
            updates[row.notice] = self.board.task_notice(spec, task)
            updates[row.button] = gr.update(interactive=task not in blocked)
            if row.note is not None:
                note = self.board.task_note(spec, task)
                updates[row.note] = gr.update(value=note, visible=bool(note))
        for task, named in self.controls.items():
            for name, component in controls_for(task, named).items():
                updates[component] = control_update(spec, name)
            if task is Task.IMAGE_VARIATION and "size" in named:
                updates[named["size"]] = _variation_size(spec)
        return updates

    def refused(self, model_id: str | None, error: TitanError) -> None:
        if model_id in MODELS:
            self.board.remember_failure(model_id, error)

    def after_failure(self) -> dict[str, Any]:
        """Keyword arguments for `.failure()` after a Generate: show the refusal and the switch."""

        def shown(model_id: str) -> list[Any]:
            if model_id not in self.board.failed:
                return [gr.update(), gr.update()]
            return [self.notice_update(model_id), self.board.switch_update(model_id)]

        return {
            "fn": shown,
            "inputs": self.picker,
            "outputs": [self.notice, self.switch],
            "api_visibility": "private",
            "queue": False,
        }

    def switch_to(self, model_id: str) -> str:
        """The switch button's click: the suggested usable model (or the same one when there is none)."""
        return self.board.switch_target(model_id) or model_id


def merge(updates: dict[Any, Any], more: dict[Any, Any]) -> dict[Any, Any]:
    """`updates` with `more` on top; two `gr.update`s for one component are combined field by field."""
    for component, update in more.items():
        before = updates.get(component)
        if isinstance(before, dict) and isinstance(update, dict):
            updates[component] = {**before, **update}
        else:
            updates[component] = update
    return updates


def _variation_size(spec: ModelSpec) -> dict[str, Any]:
    if spec.family == "stability":
        return gr.update(
            interactive=False, info="Stability follows the reference image's shape, so the size is not sent."
        )
    return gr.update(interactive=True)
