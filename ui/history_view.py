"""What the History tab shows, without Gradio: the gallery listing, stored inputs, ZIP files."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from titan import History, Run

from .restore import caption


@dataclass
class Listing:
    gallery: list[tuple[str, str]]  # (stored PNG, caption), one per output image
    items: list[dict[str, Any]]  # the same entries as data: run id, image index, prompt, seed...
    count: str
    choices: list[tuple[str, str]]  # runs offered for the ZIP download


def listing(history: History, runs: list[Run]) -> Listing:
    shown = [(run, i) for run in runs for i in range(len(run.outputs))]
    items = [
        {
            "run_id": run.run_id,
            "index": i,
            "task": run.task,
            "prompt": run.prompt,
            "seed": run.outputs[i].seed,
            "model_id": run.model_id,
            "created": run.created,
        }
        for run, i in shown
    ]
    return Listing(
        gallery=[(str(history.output_path(run, i)), caption(run, i)) for run, i in shown],
        items=items,
        count=f"{plural(len(runs), 'run')} · {plural(len(shown), 'image')}",
        choices=[(f"{run.label} · {run.prompt[:40] or run.run_id}", run.run_id) for run in runs],
    )


def zip_file(history: History, user: str | None, run_ids: list[str] | None) -> str | None:
    """The chosen runs packed as a ZIP file to download; None when none are chosen."""
    if not run_ids:
        return None
    data = history.zip(user, list(run_ids))
    path = Path(tempfile.mkdtemp(prefix="titan-zip-")) / f"titan-history-{len(run_ids)}-runs.zip"
    path.write_bytes(data)
    return str(path)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
