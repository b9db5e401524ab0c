"""OUTPAINTING: extend a picture beyond its edges (or regenerate everything but a kept part).

Ask with paddings (`left`, `right`, `top`, `bottom`: pixels to add on each side), or in
Titan's own way with a canvas and a mask (black = keep) or a mask prompt naming what to
keep. Titan's body is always the padded canvas and its mask; Stability's Outpaint takes the
original and the four distances, so a canvas made of one kept rectangle is cropped back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from ..errors import TitanValidationError
from ..families.stability import Native, Picture, Plain, StabilityTask
from ..families.titan import TitanBody
from ..fields import (
    EXTEND,
    IMAGE,
    MASK_IMAGE,
    MASK_PROMPT,
    NEGATIVE_TEXT,
    OPTIONAL_TEXT,
    OUTPAINT_CREATIVITY,
    OUTPAINTING_MODE,
    RETURN_MASK,
    STYLE,
    field,
)
from ..images import encode_png_b64, pad_for_outpaint, peek_size, prepare_input
from ..masks import titan_mask_to_painted
from ..models import ModelSpec
from ._base import BodyImage, GenerationSettings, Request, check_side_limits
from .inpaint import check_one_mask

SIDES = ("left", "right", "top", "bottom")


@dataclass
class OutpaintRequest(GenerationSettings, Request):
    task: ClassVar[str] = "OUTPAINTING"
    api_name: ClassVar[str] = "outpaint"
    label: ClassVar[str] = "Outpaint"
    summary: ClassVar[str] = "Extend a picture beyond its edges, by some pixels on each side, as the prompt describes."
    order: ClassVar[int] = 30
    edits: ClassVar[bool] = True

    image: Any = field(IMAGE)
    text: str | None = field(OPTIONAL_TEXT)
    left: int | None = field(EXTEND)
    right: int | None = field(EXTEND)
    top: int | None = field(EXTEND)
    bottom: int | None = field(EXTEND)
    negative_text: str | None = field(NEGATIVE_TEXT)
    mask_image: Any = field(MASK_IMAGE)
    mask_prompt: str | None = field(MASK_PROMPT)
    mode: str | None = field(OUTPAINTING_MODE)
    creativity: float | None = field(OUTPAINT_CREATIVITY)
    style: str | None = field(STYLE)
    return_mask: bool | None = field(RETURN_MASK)

    def paddings(self) -> dict[str, int]:
        return {side: int(getattr(self, side) or 0) for side in SIDES}

    def check(self, spec: ModelSpec) -> None:
        if any(self.paddings().values()):
            if self.mask_image is not None or self.mask_prompt is not None:
                raise TitanValidationError(
                    "left / right / top / bottom", "set with a mask", "paddings, or a mask, not both",
                    hint="clear the mask (the paddings make it) or set the paddings to 0",
                )  # fmt: skip
            check_side_limits("image", self.output_size(), spec)
        elif self.mask_image is None and self.mask_prompt is None:
            raise TitanValidationError(
                "left / right / top / bottom", "all 0", "at least one side above 0 px, or a mask of what to keep",
                problem="nothing to outpaint", hint="set how far to extend a side",
            )  # fmt: skip
        else:
            check_one_mask(self)
            if self.mask_image is not None and self.mask_image.size != self.image.size:
                width, height = self.mask_image.size
                raise TitanValidationError(
                    "mask_image", f"{width}×{height} px", f"the image's size, {self.image.size[0]}×{self.image.size[1]}"
                )
        super().check(spec)

    def output_size(self) -> tuple[int, int]:
        pads = self.paddings()
        width, height = self.image.size
        return width + pads["left"] + pads["right"], height + pads["top"] + pads["bottom"]

    def fitted(self, spec: ModelSpec) -> tuple[OutpaintRequest, list[str]]:
        """Scaled so the padded canvas (not only the picture) fits `spec`: picture and paddings shrink together."""
        pads = self.paddings()
        if self.image is None or not any(pads.values()):
            return super().fitted(spec)
        source = self.image.data if isinstance(self.image, BodyImage) else self.image
        if spec.family == "titan":  # Titan and Nova are sent the padded canvas: the canvas is what must fit
            canvas_image, mask = pad_for_outpaint(source, **pads)
            padded = self.replace(image=canvas_image, mask_image=mask, **dict.fromkeys(SIDES))
            fitted, notices = super(OutpaintRequest, padded).fitted(spec)
            return fitted.unpadded(strict=False), notices
        width, height = peek_size(self.image)
        canvas = (width + pads["left"] + pads["right"], height + pads["top"] + pads["bottom"])
        scale = canvas_scale(canvas, spec)
        if scale >= 1.0:
            return super().fitted(spec)
        image = prepare_input(source, field="image")
        # rounded down, picture and paddings alike: their sum must not grow past the limit the scale was for
        small = image.resize((max(1, math.floor(width * scale)), max(1, math.floor(height * scale))), Image.LANCZOS)
        scaled = {side: math.floor(px * scale) for side, px in pads.items()}
        shrunk = self.replace(image=small, **scaled)
        notice = (
            f"The extended canvas would be {canvas[0]}×{canvas[1]} px, more than {spec.name} takes; "
            f"the picture and the extension were scaled by {scale:.0%} to {shrunk.output_size()[0]}×"
            f"{shrunk.output_size()[1]} px."
        )
        fitted, notices = super(OutpaintRequest, shrunk).fitted(spec)
        return fitted, [notice, *notices]

    def padded(self) -> OutpaintRequest:
        """The same request as Titan's body shape: a canvas with the picture and its mask (black = keep)."""
        if not any(self.paddings().values()):
            return self
        canvas, mask = pad_for_outpaint(self.image.open(field="image"), **self.paddings())
        return self.replace(
            image=BodyImage(encode_png_b64(canvas), canvas.size),
            mask_image=BodyImage(encode_png_b64(mask), mask.size),
            **dict.fromkeys(SIDES),
        )

    def unpadded(self, *, strict: bool = True) -> OutpaintRequest:
        """The same request as the picture and its paddings, when the mask keeps one rectangle.

        `strict`: refuse other masks (Stability can only extend edges); else return it unchanged.
        With `strict` False the canvas must also look made by `padded` (border filled with the
        padding grey), so reading a body back and building it again gives the same body.
        """
        if self.mask_image is None:
            if strict and self.mask_prompt is not None:
                raise TitanValidationError(
                    "mask_prompt", self.mask_prompt, "a painted or padded mask on Stability",
                    problem="Stability outpaints by extending edges and cannot keep an object named in words",
                    hint="set how far to extend each side instead",
                )  # fmt: skip
            return self
        box = kept_box(self.mask_image.open(field="mask_image"), strict=strict)
        if box is None:
            return self
        canvas = self.image.open(field="image")
        original = canvas.crop(box)
        pads = {"left": box[0], "top": box[1], "right": canvas.width - box[2], "bottom": canvas.height - box[3]}
        unpadded = self.replace(image=BodyImage(encode_png_b64(original), original.size), mask_image=None, **pads)
        if not strict and pad_for_outpaint(original, **pads)[0].tobytes() != canvas.convert("RGB").tobytes():
            return self
        return unpadded


def canvas_scale(canvas: tuple[int, int], spec: ModelSpec) -> float:
    """How much a canvas must shrink to fit `spec`'s side and pixel limits (1.0: it fits)."""
    width, height = canvas
    scale = min(1.0, spec.max_input_side / max(width, height))
    if spec.max_pixels:
        scale = min(scale, (spec.max_pixels / (width * height)) ** 0.5 * 0.999)
    return scale


def kept_box(mask: Any, *, strict: bool = True) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the kept (black) area of a Titan outpaint mask when it is one rectangle.

    `strict`: a mask that is not one rectangle is a `TitanValidationError`; else None.
    """
    kept = titan_mask_to_painted(mask)
    if not kept.any():
        if strict:
            raise TitanValidationError(
                "mask_image", "no black area", "black over the part to keep", hint="paint or pad the canvas"
            )
        return None
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    if not kept[y0:y1, x0:x1].all():
        if strict:
            raise TitanValidationError(
                "mask_image",
                "a kept (black) area that is not a rectangle",
                "one black rectangle over the original picture on Stability",
                hint="Stability outpaints by extending the picture's edges; use Inpaint for other shapes",
            )
        return None
    return x0, y0, x1, y1


def _check_stability(spec: ModelSpec, request: OutpaintRequest) -> None:
    pads = request.unpadded().paddings()
    if not any(pads.values()):
        raise TitanValidationError(
            "left / right / top / bottom", "all 0", "at least one side above 0 px", problem="nothing to outpaint"
        )
    limit = int(spec.limit("extend").high)
    too_far = {side: px for side, px in pads.items() if px > limit}
    if too_far:
        shown = ", ".join(f"{side} {px:,} px" for side, px in too_far.items())
        raise TitanValidationError("outpaint border", shown, f"at most {limit:,} px a side on Stability")


OutpaintRequest.mappings = {
    "titan": TitanBody(
        "OUTPAINTING",
        "outPaintingParams",
        {
            "image": "image",
            "text": "text",
            "negative_text": "negativeText",
            "mask_image": "maskImage",
            "mask_prompt": "maskPrompt",
            "mode": "outPaintingMode",
            "return_mask": "returnMask",
        },
        required=frozenset({"text"}),
        encode=OutpaintRequest.padded,
        decode=lambda request: request.unpadded(strict=False),
        derived=frozenset(SIDES),
    ),
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-outpaint-v1:0",
                {
                    "image": Picture("image"),
                    "prompt": Plain("text"),
                    "left": Plain("left"),
                    "right": Plain("right"),
                    "up": Plain("top"),
                    "down": Plain("bottom"),
                    "creativity": Plain("creativity"),
                    "style_preset": Plain("style"),
                },
                required=frozenset({"image"}),
            )
        },
        prepare=OutpaintRequest.unpadded,
        check=_check_stability,
    ),
}
