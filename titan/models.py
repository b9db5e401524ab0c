"""The capability table: what each Bedrock image model accepts, costs and whether it still runs.

One source of truth for tasks, sizes, limits, prices and lifecycle. Validation, request
building, the UI's controls and the price shown next to a Generate button all read it.
Facts come from ../shared/titan-api.md (AWS's Titan and Nova user guides).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Task(StrEnum):
    """The Titan task types: the product's vocabulary, one tab each."""

    TEXT_IMAGE = "TEXT_IMAGE"
    INPAINTING = "INPAINTING"
    OUTPAINTING = "OUTPAINTING"
    IMAGE_VARIATION = "IMAGE_VARIATION"
    COLOR_GUIDED_GENERATION = "COLOR_GUIDED_GENERATION"
    BACKGROUND_REMOVAL = "BACKGROUND_REMOVAL"

    @property
    def params_key(self) -> str:
        """The body key that holds this task's parameters."""
        return _PARAMS_KEYS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_PARAMS_KEYS = {
    Task.TEXT_IMAGE: "textToImageParams",
    Task.INPAINTING: "inPaintingParams",
    Task.OUTPAINTING: "outPaintingParams",
    Task.IMAGE_VARIATION: "imageVariationParams",
    Task.COLOR_GUIDED_GENERATION: "colorGuidedGenerationParams",
    Task.BACKGROUND_REMOVAL: "backgroundRemovalParams",
}
_LABELS = {
    Task.TEXT_IMAGE: "Text to image",
    Task.INPAINTING: "Inpaint",
    Task.OUTPAINTING: "Outpaint",
    Task.IMAGE_VARIATION: "Image variation",
    Task.COLOR_GUIDED_GENERATION: "Color guided",
    Task.BACKGROUND_REMOVAL: "Background removal",
}

ALL_TASKS = frozenset(Task)

#: Titan v1/v2 accept exactly these output sizes (width, height).
TITAN_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 1024), (768, 768), (512, 512),
    (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384),
    (896, 1152), (448, 576), (1152, 896), (576, 448),
    (768, 1408), (384, 704), (1408, 768), (704, 384),
    (640, 1408), (320, 704), (1408, 640), (704, 320),
    (1152, 640), (1173, 640),
)  # fmt: skip

#: Sizes offered in pickers for models with a size rule instead of a list (Nova Canvas).
NOVA_PRESET_SIZES: tuple[tuple[int, int], ...] = (
    (1024, 1024), (2048, 2048), (512, 512), (1280, 720), (720, 1280),
    (1152, 896), (896, 1152), (1536, 1024), (1024, 1536), (1920, 1088), (1088, 1920),
)  # fmt: skip

NOVA_STYLES: tuple[str, ...] = (
    "3D_ANIMATED_FAMILY_FILM",
    "DESIGN_SKETCH",
    "FLAT_VECTOR_ILLUSTRATION",
    "GRAPHIC_NOVEL_ILLUSTRATION",
    "MAXIMALISM",
    "MIDCENTURY_RETRO",
    "PHOTOREALISM",
    "SOFT_DIGITAL_PAINTING",
)

QUALITIES: tuple[str, ...] = ("standard", "premium")
CONTROL_MODES: tuple[str, ...] = ("CANNY_EDGE", "SEGMENTATION")
OUTPAINT_MODES: tuple[str, ...] = ("DEFAULT", "PRECISE")


@dataclass(frozen=True)
class Range:
    """A numeric range; `low_exclusive` for cfgScale-style ">1.0" limits."""

    low: float
    high: float
    default: float | None = None

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"{_num(self.low)} to {_num(self.high)}"


@dataclass(frozen=True)
class SizeRule:
    """Nova-style size limits instead of a fixed list."""

    min_side: int = 320
    max_side: int = 4096
    multiple: int = 16
    max_aspect: float = 4.0
    max_pixels: int = 4_194_304  # exclusive: total pixels must be below this

    def problem(self, width: int, height: int) -> str | None:
        """None when (width, height) is allowed, else what is wrong in words."""
        for name, side in (("width", width), ("height", height)):
            if not self.min_side <= side <= self.max_side:
                return f"{name} must be {self.min_side}–{self.max_side} px"
            if side % self.multiple:
                return f"{name} must be divisible by {self.multiple}"
        if max(width, height) / min(width, height) > self.max_aspect:
            return f"aspect ratio must be between 1:{self.max_aspect:g} and {self.max_aspect:g}:1"
        if width * height >= self.max_pixels:
            return f"width × height must be below {self.max_pixels:,} pixels"
        return None

    def describe(self) -> str:
        return (
            f"each side {self.min_side}–{self.max_side} px and divisible by {self.multiple}, "
            f"aspect 1:{self.max_aspect:g}–{self.max_aspect:g}:1, under {self.max_pixels:,} pixels in total"
        )


@dataclass(frozen=True)
class PriceTier:
    """USD per generated image up to `max_pixels` output pixels."""

    max_pixels: int
    standard: float
    premium: float


@dataclass(frozen=True)
class Lifecycle:
    status: str  # "active" | "legacy" | "retired"
    end_of_life: dt.date | None = None

    def usable_on(self, day: dt.date) -> bool:
        return self.status != "retired" and (self.end_of_life is None or day < self.end_of_life)


@dataclass(frozen=True)
class ModelSpec:
    """Everything `titan` knows about one model id."""

    model_id: str
    name: str
    family: str
    tasks: frozenset[Task]
    price_tiers: tuple[PriceTier, ...]
    lifecycle: Lifecycle
    prompt_max: int = 512
    sizes: tuple[tuple[int, int], ...] = TITAN_SIZES
    size_rule: SizeRule | None = None
    max_input_side: int = 1408
    min_input_side: int = 1
    cfg_scale: Range = Range(1.1, 10.0, 8.0)
    seed: Range = Range(0, 2_147_483_646, 42)
    number_of_images: Range = Range(1, 5, 1)
    control_strength: Range = Range(0.0, 1.0, 0.7)
    similarity_strength: Range = Range(0.2, 1.0, 0.7)
    colors: Range = Range(1, 10)
    variation_images: Range = Range(1, 5)
    conditioning: bool = True
    similarity: bool = True
    styles: tuple[str, ...] = ()
    size_in_edit_tasks: bool = True
    accepts_transparency: bool = True
    replacement: str | None = None  # a model id to suggest when this one cannot be called
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def supports(self, task: Task) -> bool:
        return task in self.tasks

    @property
    def picker_sizes(self) -> tuple[tuple[int, int], ...]:
        """Sizes to offer in a dropdown, largest first within each aspect."""
        return NOVA_PRESET_SIZES if self.size_rule else self.sizes

    def size_problem(self, width: int, height: int) -> str | None:
        if self.size_rule:
            return self.size_rule.problem(width, height)
        if (width, height) not in self.sizes:
            return "not one of the supported sizes"
        return None

    def describe_sizes(self) -> str:
        if self.size_rule:
            return self.size_rule.describe()
        return ", ".join(f"{w}×{h}" for w, h in self.sizes)

    def fit_input(self, image: Any, *, field: str = "image") -> tuple[Any, str | None]:
        """`image` scaled into this model's input limits, with a notice when it changed."""
        from .images import fit_image

        max_pixels = self.size_rule.max_pixels if self.size_rule else None
        return fit_image(
            image, max_side=self.max_input_side, min_side=self.min_input_side, max_pixels=max_pixels, field=field
        )

    def price_per_image(self, quality: str, width: int, height: int) -> float:
        """USD for one image of this size and quality (the largest tier applies beyond the table)."""
        pixels = width * height
        tier = next((t for t in self.price_tiers if pixels <= t.max_pixels), self.price_tiers[-1])
        return tier.premium if quality == "premium" else tier.standard


_TITAN_PRICES = (PriceTier(512 * 512, 0.008, 0.010), PriceTier(1408 * 1408, 0.010, 0.012))

TITAN_V2 = ModelSpec(
    model_id="amazon.titan-image-generator-v2:0",
    name="Titan Image Generator v2",
    family="titan",
    tasks=ALL_TASKS,
    price_tiers=_TITAN_PRICES,
    lifecycle=Lifecycle("retired", dt.date(2026, 6, 30)),
    replacement="amazon.nova-canvas-v1:0",
)

TITAN_V1 = ModelSpec(
    model_id="amazon.titan-image-generator-v1",
    name="Titan Image Generator v1",
    family="titan",
    tasks=frozenset({Task.TEXT_IMAGE, Task.INPAINTING, Task.OUTPAINTING, Task.IMAGE_VARIATION}),
    price_tiers=_TITAN_PRICES,
    lifecycle=Lifecycle("retired", dt.date(2026, 6, 30)),
    conditioning=False,
    similarity=False,
    replacement="amazon.nova-canvas-v1:0",
)

NOVA_CANVAS = ModelSpec(
    model_id="amazon.nova-canvas-v1:0",
    name="Nova Canvas",
    family="titan",
    tasks=ALL_TASKS,
    price_tiers=(PriceTier(1024 * 1024, 0.04, 0.06), PriceTier(2048 * 2048, 0.06, 0.08)),
    lifecycle=Lifecycle("retired", dt.date(2026, 9, 30)),
    prompt_max=1024,
    sizes=(),
    size_rule=SizeRule(),
    max_input_side=4096,
    min_input_side=320,
    cfg_scale=Range(1.1, 10.0, 6.5),
    seed=Range(0, 858_993_459, 12),
    styles=NOVA_STYLES,
    size_in_edit_tasks=False,
    accepts_transparency=False,
    notes="Seed limit 858,993,459 follows an AWS client table; AWS's page says 2,147,483,646.",
)

MODELS: dict[str, ModelSpec] = {spec.model_id: spec for spec in (TITAN_V2, TITAN_V1, NOVA_CANVAS)}
DEFAULT_MODEL_ID = TITAN_V2.model_id


def get_model(model_id: str) -> ModelSpec:
    """The spec for `model_id`; cross-region profile prefixes ("us.", "eu.") are accepted."""
    spec = MODELS.get(model_id) or MODELS.get(_strip_profile(model_id))
    if spec is None:
        from .errors import TitanValidationError

        raise TitanValidationError("model_id", model_id, ", ".join(MODELS))
    return spec


def _strip_profile(model_id: str) -> str:
    prefix, _, rest = model_id.partition(".")
    return rest if prefix in ("us", "eu", "apac", "global", "us-gov") and rest else model_id


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"
