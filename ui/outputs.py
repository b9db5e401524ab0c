"""Where generated images go: the history store, before anything is shown."""

from __future__ import annotations

from pathlib import Path

from titan import GenerationResult
from titan.history import History, Run


def save_result(
    result: GenerationResult, history: History, *, user: str | None = None, region: str | None = None
) -> tuple[Run, list[Path]]:
    """Store every image of `result` in `history` (under `user`) and return the run and the stored PNGs.

    The model's PNG bytes are kept unchanged; an iTXt chunk adds the request, model, engine,
    the image's seed and the cost (`titan.history.output_metadata`). The page shows exactly
    these files, so whatever was shown is already in History, even if the browser goes away.
    """
    run = history.save(result, user=user, region=region)
    return run, [history.output_path(run, index) for index in range(len(run.outputs))]
