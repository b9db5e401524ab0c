"""The offline engine: answers Titan request bodies on this machine, without AWS.

It hands the body to `titan.offline.run` (classical image processing with OpenCV), so
the app can be tried with no account, no credentials and no network. Its images are
previews, marked as such in their pixels and PNG metadata — never Titan output. The
model id is accepted for the interface's sake and ignored: every Titan-family body gets
the same offline treatment.

What it cannot do it refuses with `TitanEngineUnavailableError`: mask prompts (finding
objects from words needs the real model; painted masks work) and task types it does
not know. A body missing a required field (one that skipped validation) raises
`TitanValidationError` naming the field.
"""

from __future__ import annotations

from typing import Any

from titan.errors import TitanValidationError

__all__ = ["OfflineEngine"]


class OfflineEngine:
    """Engine named "offline": `invoke(model_id, body)` → ``{"images": [...], "error": None}``."""

    name = "offline"

    def invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Answer an already-validated `body` offline; `model_id` is not used."""
        from titan import offline  # OpenCV loads on first use, not when engines are listed

        offline.refuse_mask_prompt(body)
        try:
            return offline.run(body)
        except KeyError as exc:  # only a body that skipped titan's validation lacks a field
            raise TitanValidationError(
                str(exc.args[0]), "missing", "present", problem="required field missing from the request body"
            ) from exc
