"""TEXT_IMAGE: images from a prompt, optionally following a layout guide's outlines or regions.

Titan and Nova take the guide as `conditionImage` with `controlMode` CANNY_EDGE (outlines)
or SEGMENTATION (regions). Stability runs its own model without a guide, and with one
Control Sketch (edges from a drawing) or Control Structure (the layout of a photo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..families.stability import AspectRatio, Fixed, Native, Picture, Plain, StabilityTask
from ..families.titan import TitanBody
from ..fields import CONDITION_IMAGE, CONTROL_MODE, CONTROL_STRENGTH, NEGATIVE_TEXT, STYLE, TEXT, field
from ..models import STABILITY_ASPECT_RATIOS, ModelSpec, nearest_aspect_ratio
from ._base import GenerationSettings, OutputSize, Request


@dataclass
class TextImageRequest(OutputSize, GenerationSettings, Request):
    task: ClassVar[str] = "TEXT_IMAGE"
    api_name: ClassVar[str] = "text_image"
    label: ClassVar[str] = "Text to image"
    summary: ClassVar[str] = "Make images from a prompt, optionally following the outlines or regions of a guide."
    order: ClassVar[int] = 10

    text: str | None = field(TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    condition_image: Any = field(CONDITION_IMAGE)
    control_mode: str | None = field(CONTROL_MODE)
    control_strength: float | None = field(CONTROL_STRENGTH)
    style: str | None = field(STYLE)

    def output_size(self) -> tuple[int, int]:
        """width × height when set (the guide is fitted to it), else the guide's size, else 1024²."""
        if self.width and self.height:
            return self.width, self.height
        return self.condition_image.size if self.condition_image is not None else (1024, 1024)


def _guide(service: str, mode: str, when: str) -> Native:
    return Native(
        service,
        {
            "prompt": Plain("text"),
            "negative_prompt": Plain("negative_text"),
            "image": Picture("condition_image"),
            "control_strength": Plain("control_strength"),
            "style_preset": Plain("style"),
        },
        required=frozenset({"prompt", "image"}),
        implied={"control_mode": mode},
        when=when,
    )


def _route(request: TextImageRequest) -> str:
    if request.condition_image is None:
        return "model"
    return "structure" if request.control_mode == "SEGMENTATION" else "sketch"


def _notes(spec: ModelSpec, request: TextImageRequest) -> list[str]:
    if request.condition_image is not None or request.width is None or request.height is None:
        return []
    ratio = nearest_aspect_ratio(request.width, request.height)
    native = STABILITY_ASPECT_RATIOS[ratio]
    if (request.width, request.height) == native:
        return []
    return [
        f"{request.width}×{request.height} is sent as aspect ratio {ratio}; Stability picks the pixels "
        f"(about {native[0]}×{native[1]})."
    ]


TextImageRequest.mappings = {
    "titan": TitanBody(
        "TEXT_IMAGE",
        "textToImageParams",
        {
            "text": "text",
            "negative_text": "negativeText",
            "condition_image": "conditionImage",
            "control_mode": "controlMode",
            "control_strength": "controlStrength",
            "style": "style",
        },
    ),
    "stability": StabilityTask(
        routes={
            "model": Native(
                None,
                {
                    "prompt": Plain("text"),
                    "negative_prompt": Plain("negative_text"),
                    "aspect_ratio": AspectRatio(),
                    "mode": Fixed("text-to-image", sent=False),
                },
                required=frozenset({"prompt"}),
                when="no layout guide (the picked model)",
            ),
            "sketch": _guide("stability.stable-image-control-sketch-v1:0", "CANNY_EDGE", "a guide, Follow outlines"),
            "structure": _guide(
                "stability.stable-image-control-structure-v1:0", "SEGMENTATION", "a guide, Follow regions"
            ),
        },
        route=_route,
        notes=_notes,
    ),
}
