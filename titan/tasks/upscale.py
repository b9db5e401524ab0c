"""UPSCALE (Stability): a bigger, sharper image — fast (4×), conservative or creative.

Fast makes the image four times larger and takes nothing but the image. Conservative
(up to about 4 megapixels) stays true to the picture; Creative (from at most 1 megapixel
up to 4K) reimagines detail from the prompt, as much as `creativity` allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import TitanValidationError
from ..families.stability import Native, Picture, Plain, StabilityTask
from ..fields import IMAGE, NEGATIVE_TEXT, STYLE, UPSCALE_CREATIVITY, UPSCALE_MODE, UPSCALE_TEXT, field
from ..models import ModelSpec
from ._base import Request, Seeded

#: Input limits per upscaler (AWS's Stability Image Services page): (min side, max side or None, max pixels).
LIMITS: dict[str, tuple[int, int | None, int]] = {
    "fast": (32, 1536, 1_048_576),
    "conservative": (64, None, 9_437_184),
    "creative": (64, None, 1_048_576),
}
#: AWS says 0.1–0.5, Stability's own reference 0.2–0.5: the range both accept.
CONSERVATIVE_CREATIVITY = (0.2, 0.5)
FOUR_K = 4096 * 4096  # a generous bound on the output's pixels for pricing and notes


@dataclass
class UpscaleRequest(Seeded, Request):
    task: ClassVar[str] = "UPSCALE"
    api_name: ClassVar[str] = "upscale"
    label: ClassVar[str] = "Upscale"
    summary: ClassVar[str] = "Make an image larger and sharper: fast 4×, conservative, or creative with a prompt."
    order: ClassVar[int] = 100
    edits: ClassVar[bool] = True

    image: Any = field(IMAGE)
    upscaler: str | None = field(UPSCALE_MODE, default="fast")
    text: str | None = field(UPSCALE_TEXT)
    negative_text: str | None = field(NEGATIVE_TEXT)
    creativity: float | None = field(UPSCALE_CREATIVITY)
    style: str | None = field(STYLE)

    def check(self, spec: ModelSpec) -> None:
        upscaler = self.upscaler or "fast"
        low, high, most = LIMITS[upscaler]
        width, height = self.image.size
        sides = f"each side {low}–{high} px" if high else f"each side at least {low} px"
        if min(width, height) < low or (high and max(width, height) > high) or width * height > most:
            raise TitanValidationError(
                "image",
                f"{width}×{height} px",
                f"{sides} and at most {most:,} pixels for the {upscaler} upscaler",
                hint="resize it first, or pick another upscaler",
            )
        if upscaler == "fast" and (self.number_of_images or 1) > 1:
            raise TitanValidationError(
                "number_of_images",
                self.number_of_images,
                "1 for the fast upscaler",
                problem="the fast upscaler gives the same image every time",
                hint="ask for one image (each copy would be billed)",
            )
        if self.upscaler == "conservative" and self.creativity is not None:
            least, most_creative = CONSERVATIVE_CREATIVITY
            if not least <= self.creativity <= most_creative:
                raise TitanValidationError(
                    "creativity", self.creativity, f"{least:g} to {most_creative:g} for the conservative upscaler"
                )
        super().check(spec)

    def output_size(self) -> tuple[int, int]:
        width, height = self.image.size
        return (width * 4, height * 4) if self.upscaler in (None, "fast") else (width, height)


def _prompted(service: str, upscaler: str, *, style: bool) -> Native:
    keys = {
        "image": Picture("image"),
        "prompt": Plain("text"),
        "negative_prompt": Plain("negative_text"),
        "creativity": Plain("creativity"),
    }
    if style:
        keys["style_preset"] = Plain("style")
    return Native(service, keys, required=frozenset({"image", "prompt"}), implied={"upscaler": upscaler})


UpscaleRequest.mappings = {
    "stability": StabilityTask(
        routes={
            "fast": Native(
                "stability.stable-fast-upscale-v1:0",
                {"image": Picture("image")},
                required=frozenset({"image"}),
                implied={"upscaler": "fast"},
                seeded=False,
            ),
            "conservative": _prompted("stability.stable-conservative-upscale-v1:0", "conservative", style=False),
            "creative": _prompted("stability.stable-creative-upscale-v1:0", "creative", style=True),
        },
        route=lambda request: request.upscaler or "fast",
    )
}
