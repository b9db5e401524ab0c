"""The offline engine: answers request bodies on this machine, without AWS.

A body is read back into its typed request by the family that owns the model id (Titan's
shape for Titan and Nova ids, Stability's for `stability.*` and `us.stability.*`), the
request is answered by `titan.offline.run` (classical image processing with OpenCV), and
the images go back in that family's answer shape. So the emulator, which calls this engine,
serves every family the client can send, with one translation in one place.

Its images are previews, marked as such in their pixels and PNG metadata — never a model's
output. What it cannot do it refuses with `TitanEngineUnavailableError` (mask prompts:
finding objects from words needs the real model).
"""

from __future__ import annotations

from typing import Any

from titan.images import work_memory

#: What the preview's float32 work holds per output pixel, measured: a few RGB copies at 12 bytes.
WORK_BYTES_PER_PIXEL = 48


class OfflineEngine:
    """Engine named "offline": `invoke(model_id, body)` -> the family's answer, made here. Free."""

    name = "offline"
    billed = False
    region = None

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        from titan import offline  # OpenCV loads on first use, not when engines are listed
        from titan.families import family_of_model_id

        family = family_of_model_id(model_id)
        request = family.decode(model_id, body)
        width, height = request.output_size()
        with work_memory(width * height * WORK_BYTES_PER_PIXEL):  # ten big jobs at once would not fit in memory
            return family.respond(model_id, request, offline.run(request))

    def ready(self) -> bool:
        return True

    def reason(self) -> str:
        return "offline preview: no AWS credentials found (nothing is sent to AWS, $0)"


def create(**options: Any) -> OfflineEngine:
    """The engine "offline" (takes no options)."""
    return OfflineEngine()
