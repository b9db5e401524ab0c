"""SEARCH_RECOLOR (Stability): recolour the part of an image that words select.

`select_prompt` names the part ("the jacket"), the prompt says how it should look ("a deep
emerald green jacket"). No mask to paint: the service finds the part itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..families.stability import Native, Picture, Plain, StabilityTask
from ..fields import GROW_MASK, IMAGE, NEGATIVE_TEXT, RECOLOR_TEXT, SELECT_PROMPT, STYLE, field
from ._base import Request, Seeded


@dataclass
class SearchRecolorRequest(Seeded, Request):
    task: ClassVar[str] = "SEARCH_RECOLOR"
    api_name: ClassVar[str] = "search_recolor"
    label: ClassVar[str] = "Recolor"
    summary: ClassVar[str] = "Recolour the part of an image that your words select, keeping its shape and texture."
    order: ClassVar[int] = 70
    edits: ClassVar[bool] = True

    image: Any = field(IMAGE)
    select_prompt: str | None = field(SELECT_PROMPT)
    text: str | None = field(RECOLOR_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    grow_mask: int | None = field(GROW_MASK)
    style: str | None = field(STYLE)

    def output_size(self) -> tuple[int, int]:
        return self.image.size


SearchRecolorRequest.mappings = {
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-image-search-recolor-v1:0",
                {
                    "image": Picture("image"),
                    "select_prompt": Plain("select_prompt"),
                    "prompt": Plain("text"),
                    "negative_prompt": Plain("negative_text"),
                    "grow_mask": Plain("grow_mask"),
                    "style_preset": Plain("style"),
                },
                required=frozenset({"image", "prompt", "select_prompt"}),
            )
        }
    )
}
