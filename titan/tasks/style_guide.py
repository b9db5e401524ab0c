"""STYLE_GUIDE (Stability): new images from a prompt, in the style of a reference image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..families.stability import AspectRatio, Native, Picture, Plain, StabilityTask
from ..fields import FIDELITY, NEGATIVE_TEXT, STYLE, STYLE_REFERENCE, TEXT, field
from ._base import OutputSize, Request, Seeded


@dataclass
class StyleGuideRequest(OutputSize, Seeded, Request):
    task: ClassVar[str] = "STYLE_GUIDE"
    api_name: ClassVar[str] = "style_guide"
    label: ClassVar[str] = "Style guide"
    summary: ClassVar[str] = "Make images from a prompt in the style of a reference image."
    order: ClassVar[int] = 80

    text: str | None = field(TEXT)
    image: Any = field(STYLE_REFERENCE)
    negative_text: str | None = field(NEGATIVE_TEXT)
    fidelity: float | None = field(FIDELITY)
    style: str | None = field(STYLE)

    def output_size(self) -> tuple[int, int]:
        return (self.width, self.height) if self.width and self.height else (1024, 1024)


StyleGuideRequest.mappings = {
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-image-style-guide-v1:0",
                {
                    "prompt": Plain("text"),
                    "negative_prompt": Plain("negative_text"),
                    "image": Picture("image"),
                    "aspect_ratio": AspectRatio(),
                    "fidelity": Plain("fidelity"),
                    "style_preset": Plain("style"),
                },
                required=frozenset({"prompt", "image"}),
            )
        }
    )
}
