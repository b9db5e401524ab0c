"""INPAINTING: change the masked area of an image. Without a prompt the masked object is removed.

The mask is Titan's convention, black = change (what a person paints; the UI converts).
Stability takes white = change: its mapping inverts. On Stability a prompt runs Inpaint, no
prompt runs Erase Object, and a mask prompt (naming the object in words) runs Search and
Replace, which needs a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import TitanValidationError
from ..families.stability import InvertedMask, Native, Picture, Plain, StabilityTask
from ..families.titan import TitanBody
from ..fields import GROW_MASK, IMAGE, MASK_IMAGE, MASK_PROMPT, NEGATIVE_TEXT, OPTIONAL_TEXT, RETURN_MASK, STYLE, field
from ..models import ModelSpec
from ._base import GenerationSettings, Request


@dataclass
class InpaintRequest(GenerationSettings, Request):
    task: ClassVar[str] = "INPAINTING"
    api_name: ClassVar[str] = "inpaint"
    label: ClassVar[str] = "Inpaint"
    summary: ClassVar[str] = (
        "Replace the masked part of an image with what the prompt describes, or remove it when there is no prompt."
    )
    order: ClassVar[int] = 20
    edits: ClassVar[bool] = True

    image: Any = field(IMAGE)
    mask_image: Any = field(MASK_IMAGE)
    mask_prompt: str | None = field(MASK_PROMPT)
    text: str | None = field(OPTIONAL_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    grow_mask: int | None = field(GROW_MASK)
    style: str | None = field(STYLE)
    return_mask: bool | None = field(RETURN_MASK)

    def check(self, spec: ModelSpec) -> None:
        check_one_mask(self)
        if self.mask_image is not None and self.mask_image.size != self.image.size:
            width, height = self.mask_image.size
            raise TitanValidationError(
                "mask_image", f"{width}×{height} px", f"the image's size, {self.image.size[0]}×{self.image.size[1]} px"
            )
        super().check(spec)

    def output_size(self) -> tuple[int, int]:
        return self.image.size


def check_one_mask(request: Any) -> None:
    """Exactly one of a painted mask and a mask prompt (outpainting also counts its paddings)."""
    given = [name for name in ("mask_image", "mask_prompt") if getattr(request, name) is not None]
    if len(given) != 1:
        raise TitanValidationError(
            "mask_image / mask_prompt",
            "both" if given else "neither of them",
            "exactly one of them",
            hint="paint a mask or describe the object to select, not both",
        )


def _route(request: InpaintRequest) -> str:
    if request.mask_prompt is not None:
        return "search_replace"
    return "inpaint" if request.text else "erase"


def _check_stability(spec: ModelSpec, request: InpaintRequest) -> None:
    if request.mask_prompt is not None and not request.text:
        raise TitanValidationError(
            "text",
            None,
            "a replacement description with a mask prompt on Stability",
            problem="removing an object named by a mask prompt is not possible on Stability",
            hint="paint the mask to remove it (Erase Object), or add text to replace it (Search and Replace)",
        )


_PROMPTS = {"prompt": Plain("text"), "negative_prompt": Plain("negative_text")}

InpaintRequest.mappings = {
    "titan": TitanBody(
        "INPAINTING",
        "inPaintingParams",
        {
            "image": "image",
            "text": "text",
            "negative_text": "negativeText",
            "mask_image": "maskImage",
            "mask_prompt": "maskPrompt",
            "return_mask": "returnMask",
        },
    ),
    "stability": StabilityTask(
        routes={
            "inpaint": Native(
                "stability.stable-image-inpaint-v1:0",
                {
                    **_PROMPTS,
                    "image": Picture("image"),
                    "mask": InvertedMask("mask_image"),
                    "grow_mask": Plain("grow_mask"),
                    "style_preset": Plain("style"),
                },
                required=frozenset({"prompt", "image"}),
                when="a painted mask and a prompt",
            ),
            "erase": Native(
                "stability.stable-image-erase-object-v1:0",
                {"image": Picture("image"), "mask": InvertedMask("mask_image"), "grow_mask": Plain("grow_mask")},
                required=frozenset({"image", "mask"}),
                when="no prompt: the object is removed",
            ),
            "search_replace": Native(
                "stability.stable-image-search-replace-v1:0",
                {
                    **_PROMPTS,
                    "image": Picture("image"),
                    "search_prompt": Plain("mask_prompt"),
                    "grow_mask": Plain("grow_mask"),
                    "style_preset": Plain("style"),
                },
                required=frozenset({"prompt", "image", "search_prompt"}),
                when="a mask prompt instead of a painted mask",
            ),
        },
        route=_route,
        check=_check_stability,
    ),
}
