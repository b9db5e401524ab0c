"""The offline engine: answers Titan request bodies on this machine, without AWS.

It hands the body to `titan.offline.run` (classical image processing with OpenCV), so
the app can be tried with no account, no credentials and no network. Its images are
previews, marked as such in their pixels and PNG metadata — never Titan output. For the
Titan family the model id is ignored: every Titan-family body gets the same offline
treatment. A Stability model id (bare or "us."-prefixed, see `titan.models.SERVICES`)
means a Stability-shaped body: it is translated to the Titan body asking for the same
thing, answered, and translated back to ``{"images", "seeds", "finish_reasons"}``
(`titan.families.stability`), so the emulator, which calls this engine, serves Stability too.

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
        """Answer an already-validated `body` offline; `model_id` only tells a Stability body apart."""
        from titan.families import stability  # loaded on first use, like OpenCV in `_run`

        try:
            if not stability.is_stability_model(model_id):
                return self._run(body)
            _task, titan_body = stability.native_to_titan(model_id, body)
            seed = titan_body.get("imageGenerationConfig", {}).get("seed")
            return stability.titan_response_to_native(model_id, self._run(titan_body), seed=seed)
        except KeyError as exc:  # only a body that skipped validation lacks a field
            raise TitanValidationError(
                str(exc.args[0]), "missing", "present", problem="required field missing from the request body"
            ) from exc

    def _run(self, body: dict[str, Any]) -> dict[str, Any]:
        from titan import offline  # OpenCV loads on first use, not when engines are listed

        offline.refuse_mask_prompt(body)
        return offline.run(body)
