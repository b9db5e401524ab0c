"""IMAGE_VARIATION: new images like one to five references, as close as the similarity says.

Titan mixes up to five references. Stability runs SD3.5 Large image-to-image on the first
reference only, with strength = 1 − similarity, and needs a prompt (a neutral one is sent
when there is none, and the notes say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..families.stability import Converted, FirstImage, Fixed, Native, Plain, StabilityTask
from ..families.titan import TitanBody
from ..fields import IMAGES, NEGATIVE_TEXT, OPTIONAL_TEXT, SIMILARITY_STRENGTH, field
from ..models import ModelSpec
from ._base import GenerationSettings, OutputSize, Request

#: similarity 1.0 would be strength 0 (the input back unchanged): keep a little change.
MIN_STRENGTH = 0.05
#: SD3.5 image-to-image requires a prompt; Titan's variation does not: neutral words, so the reference leads.
NEUTRAL_PROMPT = "the same picture"


@dataclass
class VariationRequest(OutputSize, GenerationSettings, Request):
    task: ClassVar[str] = "IMAGE_VARIATION"
    api_name: ClassVar[str] = "variation"
    label: ClassVar[str] = "Variation"
    summary: ClassVar[str] = "Make new images like one to five reference images, as close as the similarity says."
    order: ClassVar[int] = 40

    images: Any = field(IMAGES)
    text: str | None = field(OPTIONAL_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    similarity_strength: float | None = field(SIMILARITY_STRENGTH)

    def output_size(self) -> tuple[int, int]:
        return (self.width, self.height) if self.width and self.height else (1024, 1024)


def strength_for(similarity: float | None) -> float:
    """SD3.5's image-to-image strength for a similarity: 1 − similarity, at least `MIN_STRENGTH`."""
    value = 1.0 - (SIMILARITY_STRENGTH.range.default if similarity is None else float(similarity))
    return round(min(1.0, max(MIN_STRENGTH, value)), 3)


def similarity_for(strength: float) -> float:
    return round(min(1.0, max(0.2, 1.0 - float(strength))), 3)


def _notes(spec: ModelSpec, request: VariationRequest) -> list[str]:
    notes = []
    if not request.text:
        notes.append(f'SD3.5 image-to-image needs a prompt; none was given, so "{NEUTRAL_PROMPT}" is sent.')
    if len(request.images or []) > 1:
        notes.append(f"Only the first of the {len(request.images)} reference images is used (SD3.5 takes one).")
    similarity = request.similarity_strength
    shown = "the default 0.7" if similarity is None else f"{similarity:g}"
    notes.append(f"Similarity {shown} is sent as SD3.5 strength {strength_for(similarity):g} (1 − similarity).")
    return notes


VariationRequest.mappings = {
    "titan": TitanBody(
        "IMAGE_VARIATION",
        "imageVariationParams",
        {
            "images": "images",
            "text": "text",
            "negative_text": "negativeText",
            "similarity_strength": "similarityStrength",
        },
    ),
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.sd3-5-large-v1:0",
                {
                    "prompt": Converted("text", default=NEUTRAL_PROMPT),
                    "negative_prompt": Plain("negative_text"),
                    "mode": Fixed("image-to-image"),
                    "image": FirstImage("images"),
                    "strength": Converted("similarity_strength", send=strength_for, read=similarity_for, always=True),
                },
                required=frozenset({"prompt", "image", "mode", "strength"}),
                when="image to image from the first picture",
            )
        },
        notes=_notes,
    ),
}
