"""How a stored run reads in the History tab, and which tab gets its settings back.

A run's request record holds its set fields by their request names; the words come from the
task's declaration (`titan.Request.options()`), so a new option needs nothing here.
"""

from __future__ import annotations

from typing import Any

from titan import MODELS, Kind, Run, TitanError, request_type


def tab_of(run: Run) -> str:
    """The tab (and API name) of the task that made `run`."""
    return request_type(run.task).api_name


def caption(run: Run, index: int) -> str:
    """Short and telling apart: task, the prompt's start, model, time, seed."""
    seed = run.outputs[index].seed
    prompt = run.prompt if len(run.prompt) <= 40 else run.prompt[:39] + "…"
    model = MODELS[run.model_id].name if run.model_id in MODELS else run.model_id
    when = run.created[11:16]
    parts = (run.label, prompt, model, when, f"seed {seed}" if seed is not None else "")
    return " · ".join(part for part in parts if part)


def describe(run: Run, index: int) -> str:
    """The selected image's run as a readable summary (the Request accordion has the rest)."""
    rows = "\n".join(f"| {label} | {_short(value)} |" for label, value in settings_of(run))
    cost = f"${run.cost_usd:.3f} on Bedrock" if run.cost_usd else f"$0.00 ({run.engine})"
    model = MODELS[run.model_id].name if run.model_id in MODELS else run.model_id
    when = run.created.replace("T", " ")[:16] + " UTC"
    lines = [
        f"### {run.label}",
        f"**Prompt** {run.prompt or '—'}",
        f"{model} · {run.engine}{' · ' + run.region if run.region else ''} · {when}",
        f"Image {index + 1} of {len(run.outputs)} · seed **{run.outputs[index].seed}** · {cost}",
        f"| Setting | Value |\n|---|---|\n{rows}" if rows else "",
    ]
    if run.note:
        lines.append(f"⚠ {run.note}")
    return "\n\n".join(line for line in lines if line)


def settings_of(run: Run) -> list[tuple[str, Any]]:
    """(label, value) of every setting the run's request set, but its prompt."""
    try:
        options = request_type(run.task).options()
    except TitanError:
        return []
    record = run.request if "taskType" not in run.request else {}
    return [
        (options[name].label, "stored image" if options[name].kind in (Kind.IMAGE, Kind.MASK, Kind.IMAGES) else value)
        for name, value in record.items()
        if name in options and name != "text"
    ]


def _short(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).replace("|", "\\|")
