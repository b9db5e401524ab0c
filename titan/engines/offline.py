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

import dataclasses
from typing import Any

from titan.images import work_memory

#: What the preview holds per output pixel, measured at 1408²: inpaint 71 bytes, style transfer 143.
WORK_BYTES_PER_PIXEL = 96
#: The preview works at most this large (about 1536²); a larger result is made at this size and
#: scaled up after, so one 9-megapixel edit does not take a gigabyte for a preview.
PREVIEW_PIXELS = 2_400_000


class OfflineEngine:
    """Engine named "offline": `invoke(model_id, body)` -> the family's answer, made here. Free."""

    name = "offline"
    billed = False
    region = None

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        from titan.families import family_of_model_id, spec_for_model_id

        family = family_of_model_id(model_id)
        request = family.decode(model_id, body)
        return family.respond(model_id, request, _previewed(request, spec_for_model_id(model_id)))

    def ready(self) -> bool:
        return True

    def reason(self) -> str:
        return "offline preview: no AWS credentials found (nothing is sent to AWS, $0)"


def _previewed(request: Any, spec: Any) -> Any:
    """`titan.offline.run(request)` within the work budget, at most `PREVIEW_PIXELS` large."""
    from titan import offline
    from titan.families import Outcome

    width, height = request.output_size()
    if width * height <= PREVIEW_PIXELS or not request.preview_reduced:
        with work_memory(width * height * WORK_BYTES_PER_PIXEL):  # ten big jobs at once would not fit in memory
            return offline.run(request)
    small, _ = request.fitted(dataclasses.replace(spec, size_rule=None, max_input_pixels=PREVIEW_PIXELS))
    with work_memory(PREVIEW_PIXELS * WORK_BYTES_PER_PIXEL):
        outcome = offline.run(small)
    images = [offline.enlarged(image, (width, height), task=request.task) for image in outcome.images]
    return Outcome(images, outcome.seeds, outcome.mask and offline.enlarged(outcome.mask, (width, height)))


def create(**options: Any) -> OfflineEngine:
    """The engine "offline" (takes no options)."""
    return OfflineEngine()
