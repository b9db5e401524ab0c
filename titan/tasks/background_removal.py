"""BACKGROUND_REMOVAL: cut the subject out onto a transparent background (one image, no settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import TitanValidationError
from ..families.stability import Native, Picture, StabilityTask
from ..families.titan import TitanBody
from ..fields import IMAGE, field
from ..models import ModelSpec
from ._base import Request

#: Stability Remove Background's own input limit (smaller than its other services').
STABILITY_MAX_PIXELS = 4_194_304


@dataclass
class BackgroundRemovalRequest(Request):
    task: ClassVar[str] = "BACKGROUND_REMOVAL"
    api_name: ClassVar[str] = "remove_background"
    label: ClassVar[str] = "Background removal"
    summary: ClassVar[str] = "Cut the subject out of an image onto a transparent background (a PNG with alpha)."
    order: ClassVar[int] = 60

    image: Any = field(IMAGE)

    def output_size(self) -> tuple[int, int]:
        return self.image.size


def _check_stability(spec: ModelSpec, request: BackgroundRemovalRequest) -> None:
    width, height = request.image.size
    if width * height > STABILITY_MAX_PIXELS:
        raise TitanValidationError(
            "image",
            f"{width}×{height} px",
            f"at most {STABILITY_MAX_PIXELS:,} pixels for Stable Image Remove Background",
            hint="resize it (get_model(model_id).fit_input(image) scales it for you)",
        )


BackgroundRemovalRequest.mappings = {
    "titan": TitanBody("BACKGROUND_REMOVAL", "backgroundRemovalParams", {"image": "image"}, config=False),
    "stability": StabilityTask(
        routes={
            "default": Native(
                "stability.stable-image-remove-background-v1:0",
                {"image": Picture("image")},
                required=frozenset({"image"}),
                seeded=False,
            )
        },
        check=_check_stability,
    ),
}
