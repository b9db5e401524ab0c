"""UPSCALE (Stability): a bigger, sharper image — fast (4×), conservative or creative.

Fast makes the image four times larger and takes nothing but the image. Conservative
(up to about 4 megapixels) stays true to the picture; Creative (from at most 1 megapixel
up to 4K) reimagines detail from the prompt, as much as `creativity` allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import TitanValidationError
from ..families.stability import Native, Picture, Plain, StabilityTask
from ..fields import IMAGE, NEGATIVE_TEXT, STYLE, UPSCALE_CREATIVITY, UPSCALE_MODE, UPSCALE_TEXT, field
from ..models import ModelSpec
from ._base import Request, Seeded


@dataclass(frozen=True)
class Upscaler:
    """One upscaler's input limits and creativity (AWS's Stability Image Services page; Stability's reference)."""

    min_side: int
    max_side: int | None
    max_pixels: int
    max_words: str  # the pixel limit as people read it
    too_large: str  # what to do about a picture over the limit
    creativity: tuple[float, float] | None = None
    default_creativity: float | None = None

    def check_size(self, name: str, width: int, height: int) -> None:
        """Raise `TitanValidationError` unless a width×height picture fits this upscaler."""
        sides = (
            f"each side {self.min_side}–{self.max_side} px"
            if self.max_side
            else f"each side at least {self.min_side} px"
        )
        too_big = (self.max_side and max(width, height) > self.max_side) or width * height > self.max_pixels
        if min(width, height) < self.min_side or too_big:
            raise TitanValidationError(
                "image",
                f"{width}×{height} px",
                f"{sides} and at most {self.max_pixels:,} pixels for the {name} upscaler ({self.max_words})",
                hint=self.too_large if too_big else f"use an image at least {self.min_side} px on each side",
            )
        if max(width, height) / min(width, height) > MAX_ASPECT:
            raise TitanValidationError(
                "image",
                f"{width}×{height} px",
                "an aspect ratio between 1:2.5 and 2.5:1",
                hint="crop it closer to square",
            )

    def check_creativity(self, name: str, creativity: float | None) -> None:
        if self.creativity and creativity is not None and not self.creativity[0] <= creativity <= self.creativity[1]:
            least, most = self.creativity
            raise TitanValidationError("creativity", creativity, f"{least:g} to {most:g} for the {name} upscaler")


MAX_ASPECT = 2.5
#: AWS says conservative takes 0.1–0.5, Stability's own reference 0.2–0.5: the range both accept.
UPSCALERS: dict[str, Upscaler] = {
    "fast": Upscaler(
        32, 1536, 1_048_576, "e.g. 1024×1024", "resize it first, or use the conservative upscaler for large images"
    ),
    "conservative": Upscaler(64, None, 9_437_184, "e.g. 3072×3072", "shrink it first", (0.2, 0.5), 0.35),
    "creative": Upscaler(
        64, None, 1_048_576, "1 megapixel, e.g. 1024×1024",
        "shrink it first, or use the conservative upscaler, which takes up to 9.4 megapixels", (0.1, 0.5), 0.3,
    ),
}  # fmt: skip
OUTPUT_MAX_SIDE = 4096  # "4K" for conservative and creative
TARGET_PIXELS = 3072 * 3072  # conservative and creative aim here (about 9.4 MP)


def upscaled_size(width: int, height: int, upscaler: str) -> tuple[int, int]:
    """(width, height) of the result for a width×height input.

    fast: exactly 4× each side. conservative/creative (Stability documents only "4K"): the
    aspect ratio kept, scaled to about 9.4 MP with the long side at most 4,096 px, never
    shrunk. A live run of the real services turned a 512² input into 3112² and 3152² (a
    public client's live battery), within 5% of this rule.
    """
    if upscaler == "fast":
        return width * 4, height * 4
    factor = min(math.sqrt(TARGET_PIXELS / (width * height)), OUTPUT_MAX_SIDE / max(width, height))
    if factor <= 1:
        return width, height
    return min(OUTPUT_MAX_SIDE, math.floor(width * factor)), min(OUTPUT_MAX_SIDE, math.floor(height * factor))


@dataclass
class UpscaleRequest(Seeded, Request):
    task: ClassVar[str] = "UPSCALE"
    api_name: ClassVar[str] = "upscale"
    label: ClassVar[str] = "Upscale"
    summary: ClassVar[str] = "Make an image larger and sharper: fast 4×, conservative, or creative with a prompt."
    order: ClassVar[int] = 100
    edits: ClassVar[bool] = True
    preview_reduced: ClassVar[bool] = False  # scaling up is the task itself (done in strips of rows)

    image: Any = field(IMAGE)
    upscaler: str | None = field(UPSCALE_MODE, default="fast")
    text: str | None = field(UPSCALE_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    creativity: float | None = field(UPSCALE_CREATIVITY)
    style: str | None = field(STYLE)

    def check(self, spec: ModelSpec) -> None:
        upscaler = self.upscaler or "fast"
        UPSCALERS[upscaler].check_size(upscaler, *self.image.size)
        if upscaler == "fast" and (self.number_of_images or 1) > 1:
            raise TitanValidationError(
                "number_of_images",
                self.number_of_images,
                "1 for the fast upscaler",
                problem="the fast upscaler gives the same image every time",
                hint="ask for one image (each copy would be billed)",
            )
        UPSCALERS[upscaler].check_creativity(upscaler, self.creativity)
        super().check(spec)

    def output_size(self) -> tuple[int, int]:
        return upscaled_size(*self.image.size, self.upscaler or "fast")


def _prompted(service: str, upscaler: str, *, style: bool) -> Native:
    keys = {
        "image": Picture("image"),
        "prompt": Plain("text"),
        "negative_prompt": Plain("negative_text"),
        "creativity": Plain("creativity"),
    }
    if style:
        keys["style_preset"] = Plain("style")
    return Native(
        service, keys, required=frozenset({"image", "prompt"}), implied={"upscaler": upscaler}, when=upscaler.title()
    )


UpscaleRequest.mappings = {
    "stability": StabilityTask(
        routes={
            "fast": Native(
                "stability.stable-fast-upscale-v1:0",
                {"image": Picture("image")},
                required=frozenset({"image"}),
                implied={"upscaler": "fast"},
                seeded=False,
                when="Fast (4×)",
            ),
            "conservative": _prompted("stability.stable-conservative-upscale-v1:0", "conservative", style=False),
            "creative": _prompted("stability.stable-creative-upscale-v1:0", "creative", style=True),
        },
        route=lambda request: request.upscaler or "fast",
    )
}
