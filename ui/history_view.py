"""What the History tab shows, without Gradio: a page of the listing (thumbnails), ZIP files."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from titan import History

from .restore import caption

#: Runs per page: the gallery shows their thumbnails, "Load more" asks for the next page.
PAGE = 48


@dataclass
class Listing:
    gallery: list[tuple[str, str]]  # (thumbnail, caption), one per output image
    items: list[dict[str, Any]]  # the same entries as data: run id and image index
    shown: int  # runs listed so far
    total: int  # runs that match
    choices: list[tuple[str, str]]  # runs offered for the ZIP download

    @property
    def count(self) -> str:
        if self.more:
            return f"{plural(self.total, 'run')} · showing {self.shown}"
        if self.shown == len(self.choices):  # one page holds them all
            return f"{plural(self.total, 'run')} · {plural(len(self.gallery), 'image')}"
        return f"{plural(self.total, 'run')} · all shown"

    @property
    def more(self) -> bool:
        return self.shown < self.total


def listing(history: History, user: str | None, *, task: str = "", query: str = "", offset: int = 0) -> Listing:
    """One page of the user's runs from `offset` on, as thumbnails with captions."""
    page = history.page(user, task=task or None, query=query or "", offset=offset, limit=PAGE)
    shown = history.thumbnails(page.runs)
    return Listing(
        gallery=[(str(path), caption(run, i)) for run, i, path in shown],
        items=[{"run_id": run.run_id, "index": i} for run, i, _ in shown],
        shown=offset + len(page.runs),
        total=page.total,
        choices=[(f"{run.label} · {run.prompt[:40] or run.run_id}", run.run_id) for run in page.runs],
    )


def named_copy(path: Path, run: Any, index: int) -> str:
    """The stored PNG, bytes untouched, under a name a person can file: `<task>-<seed>.png`."""
    seed = run.outputs[index].seed
    name = f"{run.label.lower().replace(' ', '-')}-{seed if seed is not None else index + 1}.png"
    target = Path(tempfile.mkdtemp(prefix="titan-png-")) / name
    target.write_bytes(Path(path).read_bytes())
    return str(target)


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
