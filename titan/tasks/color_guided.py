"""COLOR_GUIDED_GENERATION: an image made of a palette of one to ten colours, optionally on a layout.

Titan and Nova take the palette as hex colours. Stability has no palette generation; its
mapping is an approximation, said so in the notes and the picker: the palette becomes a
colour-reference image (soft bands in proportion) sent to Style Guide with the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from PIL import Image, ImageFilter

from ..families.stability import AspectRatio, Fixed, Key, Native, Plain, StabilityTask
from ..families.titan import TitanBody
from ..fields import COLORS, NEGATIVE_TEXT, REFERENCE_IMAGE, TEXT, field
from ..images import encode_png_b64
from ..models import ModelSpec
from ._base import GenerationSettings, OutputSize, Request

#: How strongly Style Guide follows the palette image: the mood of the colours, not the flat bands.
PALETTE_FIDELITY = 0.6


@dataclass
class ColorGuidedRequest(OutputSize, GenerationSettings, Request):
    task: ClassVar[str] = "COLOR_GUIDED_GENERATION"
    api_name: ClassVar[str] = "color_guided"
    label: ClassVar[str] = "Color guided"
    summary: ClassVar[str] = "Make images from a prompt in a palette of one to ten colours, optionally on a layout."
    order: ClassVar[int] = 50

    text: str | None = field(TEXT)
    colors: Any = field(COLORS)
    negative_text: str | None = field(NEGATIVE_TEXT)
    reference_image: Any = field(REFERENCE_IMAGE)

    def output_size(self) -> tuple[int, int]:
        return (self.width, self.height) if self.width and self.height else (1024, 1024)


class PaletteImage(Key):
    """The palette as a colour-reference image for Style Guide (an approximation, sent only)."""

    fields = ("colors",)

    def put(self, request: Any, spec: ModelSpec) -> Any:
        return palette_swatch(request.colors) if request.colors else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:  # pragma: no cover - never decoded
        raise NotImplementedError


def palette_swatch(colors: list[str], size: int = 1024) -> str:
    """A colour-reference image (base64 PNG): one soft vertical band per colour, equal shares, blurred seams."""
    rgb = np.array([[int(color[i : i + 2], 16) for i in (1, 3, 5)] for color in colors], dtype=np.uint8)
    bands = np.repeat(rgb[np.newaxis, :, :], size, axis=0)
    image = Image.fromarray(bands, "RGB").resize((size, size), Image.NEAREST)
    return encode_png_b64(image.filter(ImageFilter.GaussianBlur(size / (8 * len(colors)))))


def _notes(spec: ModelSpec, request: ColorGuidedRequest) -> list[str]:
    return [spec.task_notes.get(ColorGuidedRequest.task, "")] if spec.task_notes.get(ColorGuidedRequest.task) else []


ColorGuidedRequest.mappings = {
    "titan": TitanBody(
        "COLOR_GUIDED_GENERATION",
        "colorGuidedGenerationParams",
        {"colors": "colors", "text": "text", "negative_text": "negativeText", "reference_image": "referenceImage"},
    ),
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-image-style-guide-v1:0",
                {
                    "prompt": Plain("text"),
                    "negative_prompt": Plain("negative_text"),
                    "image": PaletteImage(),
                    "aspect_ratio": AspectRatio(),
                    "fidelity": Fixed(PALETTE_FIDELITY),
                },
                required=frozenset({"prompt", "image"}),
                decodes=False,
                when="an approximation: Style Guide with a swatch of your colours",
            )
        },
        notes=_notes,
    ),
}
