"""STYLE_TRANSFER (Stability): restyle a content image with the look of a style image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..families.stability import Native, Picture, Plain, StabilityTask
from ..fields import (
    CHANGE_STRENGTH,
    COMPOSITION_FIDELITY,
    CONTENT_IMAGE,
    NEGATIVE_TEXT,
    OPTIONAL_TEXT,
    STYLE_IMAGE,
    STYLE_STRENGTH,
    field,
)
from ._base import Request, Seeded


@dataclass
class StyleTransferRequest(Seeded, Request):
    task: ClassVar[str] = "STYLE_TRANSFER"
    api_name: ClassVar[str] = "style_transfer"
    label: ClassVar[str] = "Style transfer"
    summary: ClassVar[str] = "Restyle a content image with the look of a style image, keeping its composition."
    order: ClassVar[int] = 90
    edits: ClassVar[bool] = True

    image: Any = field(CONTENT_IMAGE)
    style_image: Any = field(STYLE_IMAGE)
    text: str | None = field(OPTIONAL_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    style_strength: float | None = field(STYLE_STRENGTH)
    composition_fidelity: float | None = field(COMPOSITION_FIDELITY)
    change_strength: float | None = field(CHANGE_STRENGTH)

    def output_size(self) -> tuple[int, int]:
        return self.image.size


StyleTransferRequest.mappings = {
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-style-transfer-v1:0",
                {
                    "init_image": Picture("image"),
                    "style_image": Picture("style_image"),
                    "prompt": Plain("text"),
                    "negative_prompt": Plain("negative_text"),
                    "style_strength": Plain("style_strength"),
                    "composition_fidelity": Plain("composition_fidelity"),
                    "change_strength": Plain("change_strength"),
                },
                required=frozenset({"init_image", "style_image"}),
            )
        }
    )
}
