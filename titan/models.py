"""The capability table: what each Bedrock image model accepts, costs and whether it still runs.

One source of truth for tasks, sizes, limits, prices and lifecycle. Validation, request
building, the UI's controls and the price shown next to a Generate button all read it.
Facts come from ../shared/titan-api.md (AWS's Titan and Nova user guides) and AWS's
Bedrock pages for Stability AI. A Stability `ModelSpec` is a text-to-image model plus the
single-purpose services (`SERVICES`, each with its own flat price and regions) that do
the other Titan tasks; `titan.lifecycle` asks AWS which of them this account can use now.
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
#: Width/height bounds accepted where a size is mapped to an aspect ratio (Stability).
ASPECT_SIZE_SIDES = (64, 4096)


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


#: Stability's `aspect_ratio` values and the ~1 megapixel size each renders at (SD3.5's table;
#: Core and Ultra pick their own pixel count for the same ratio). Text-to-image on Stability
#: takes a ratio, not a size: a width × height is sent as the nearest of these.
STABILITY_ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024), "16:9": (1344, 768), "21:9": (1536, 640), "2:3": (832, 1216), "3:2": (1216, 832),
    "4:5": (896, 1088), "5:4": (1088, 896), "9:16": (768, 1344), "9:21": (640, 1536),
}  # fmt: skip


def nearest_aspect_ratio(width: int, height: int, ratios: tuple[str, ...] = tuple(STABILITY_ASPECT_RATIOS)) -> str:
    """The ratio in `ratios` closest to width:height (compared as logarithms, so 2:1 and 1:2 are equally far)."""
    import math

    wanted = math.log(width / height)
    return min(ratios, key=lambda ratio: abs(math.log(_ratio_value(ratio)) - wanted))


def _ratio_value(ratio: str) -> float:
    across, _, down = ratio.partition(":")
    return int(across) / int(down)


#: Route names: which job inside a task a family's service model does. A task's default
#: route prices it; a family adapter picks the route from the body (e.g. a condition image).
ROUTE_TEXT_IMAGE = "text_image"
ROUTE_CANNY = "condition_canny"
ROUTE_SEGMENTATION = "condition_segmentation"
ROUTE_INPAINT = "inpaint"
ROUTE_ERASE = "erase"
ROUTE_MASK_PROMPT = "mask_prompt"
ROUTE_OUTPAINT = "outpaint"
ROUTE_VARIATION = "variation"
ROUTE_BACKGROUND_REMOVAL = "background_removal"
DEFAULT_ROUTES: dict[Task, str] = {
    Task.TEXT_IMAGE: ROUTE_TEXT_IMAGE,
    Task.INPAINTING: ROUTE_INPAINT,
    Task.OUTPAINTING: ROUTE_OUTPAINT,
    Task.IMAGE_VARIATION: ROUTE_VARIATION,
    Task.BACKGROUND_REMOVAL: ROUTE_BACKGROUND_REMOVAL,
}

#: Where geo inference profiles exist, by region prefix: "us-east-1" -> "us".
_PROFILE_GEOS = {"us": "us", "eu": "eu", "ap": "apac"}


@dataclass(frozen=True)
class ServiceModel:
    """One provider model id that does one job for a flat price per image.

    Stability sells text-to-image models and single-purpose image services (inpaint,
    erase, outpaint, ...) under separate ids; a Stability `ModelSpec` maps Titan tasks to
    them. `on_demand_regions` call the bare id; `profile_regions` only answer through the
    geographic inference profile ("us." + id) — AWS lists the image services with
    inference type INFERENCE_PROFILE only, the text-to-image models ON_DEMAND in us-west-2.
    """

    model_id: str
    name: str
    family: str
    price: float
    on_demand_regions: tuple[str, ...] = ()
    profile_regions: tuple[str, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.on_demand_regions, *self.profile_regions)))

    def invocation_id(self, region: str | None) -> str | None:
        """The id to call from `region`, or None when no form of it is offered there.

        Without a region (offline, mock and emulator engines) the documented form is used:
        the bare id for on-demand models, the "us." profile for profile-only services.
        """
        if region is None:
            return self.model_id if self.on_demand_regions else f"us.{self.model_id}"
        if region in self.on_demand_regions:
            return self.model_id
        if region in self.profile_regions:
            return f"{_PROFILE_GEOS.get(region.split('-', 1)[0], 'us')}.{self.model_id}"
        return None


_STABILITY_T2I_REGIONS = ("us-west-2",)
_STABILITY_SERVICE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")


def _stability(model_id: str, name: str, price: float, *, profile: bool) -> ServiceModel:
    if profile:
        return ServiceModel(model_id, name, "stability", price, profile_regions=_STABILITY_SERVICE_REGIONS)
    return ServiceModel(model_id, name, "stability", price, on_demand_regions=_STABILITY_T2I_REGIONS)


#: Every Stability model id `titan` calls, with its price (USD per image; third-party
#: copies of AWS's price list: Core 0.04, SD3.5 0.08, Ultra 0.14, image services 0.07,
#: outpaint 0.06). The one price table for the Stability family.
SERVICES: dict[str, ServiceModel] = {
    service.model_id: service
    for service in (
        _stability("stability.stable-image-core-v1:1", "Stable Image Core", 0.04, profile=False),
        _stability("stability.stable-image-ultra-v1:1", "Stable Image Ultra", 0.14, profile=False),
        _stability("stability.sd3-5-large-v1:0", "Stable Diffusion 3.5 Large", 0.08, profile=False),
        _stability("stability.stable-image-inpaint-v1:0", "Stable Image Inpaint", 0.07, profile=True),
        _stability("stability.stable-image-erase-object-v1:0", "Stable Image Erase Object", 0.07, profile=True),
        _stability("stability.stable-image-search-replace-v1:0", "Stable Image Search and Replace", 0.07, profile=True),
        _stability("stability.stable-outpaint-v1:0", "Stable Image Outpaint", 0.06, profile=True),
        _stability(
            "stability.stable-image-remove-background-v1:0", "Stable Image Remove Background", 0.07, profile=True
        ),
        _stability("stability.stable-image-control-sketch-v1:0", "Stable Image Control Sketch", 0.07, profile=True),
        _stability(
            "stability.stable-image-control-structure-v1:0", "Stable Image Control Structure", 0.07, profile=True
        ),
    )
}


def service_model(model_id: str) -> ServiceModel | None:
    """The service behind a model id as sent (inference-profile prefixes accepted), or None."""
    return SERVICES.get(model_id) or SERVICES.get(_strip_profile(model_id))


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
    max_input_pixels: int | None = None
    """Largest input image in pixels when the limit is a pixel count (Stability), for `fit_input`."""
    aspect_ratios: tuple[str, ...] = ()
    """Set when text-to-image takes an aspect ratio instead of a size: any width × height is
    accepted and sent as the nearest ratio (`nearest_aspect_ratio`)."""
    services: dict[str, str] = field(default_factory=dict)
    """Route (ROUTE_*) -> the service model id that does it; empty when `model_id` does every task."""
    ignored_controls: frozenset[str] = frozenset()
    """Titan controls (Python argument names, as in titan.options) this model does not take:
    accepted and not sent, so the UI can say so instead of silently dropping them."""
    ignored_reason: str = ""
    task_notes: dict[Task, str] = field(default_factory=dict)
    """What changes per task on this model (e.g. "only the first reference image is used")."""
    unavailable_tasks: dict[Task, str] = field(default_factory=dict)
    """Why an unsupported task is unsupported, for the greyed-out tab and the refusal."""

    def supports(self, task: Task) -> bool:
        return task in self.tasks

    def unsupported_reason(self, task: Task) -> str | None:
        """None when `task` is supported, else one sentence saying why not."""
        if self.supports(task):
            return None
        return self.unavailable_tasks.get(task) or f"{self.name} cannot do {task.label.lower()}"

    def service_for(self, task: Task, route: str | None = None) -> str:
        """The model id that serves `task` (on `route` when given): a service id, or `model_id` itself."""
        if not self.services:
            return self.model_id
        return self.services[route or DEFAULT_ROUTES[task]]

    def price_for(
        self, task: Task, quality: str = "standard", width: int = 1024, height: int = 1024, *, route: str | None = None
    ) -> float:
        """USD for one image of `task`: the serving service's flat price, else the size/quality tiers."""
        service = SERVICES.get(self.service_for(task, route)) if self.services else None
        return service.price if service else self.price_per_image(quality, width, height)

    @property
    def picker_sizes(self) -> tuple[tuple[int, int], ...]:
        """Sizes to offer in a dropdown, largest first within each aspect."""
        return NOVA_PRESET_SIZES if self.size_rule else self.sizes

    def size_problem(self, width: int, height: int) -> str | None:
        if self.size_rule:
            return self.size_rule.problem(width, height)
        if self.aspect_ratios:
            low, high = ASPECT_SIZE_SIDES
            return None if low <= width <= high and low <= height <= high else f"each side must be {low}–{high} px"
        if (width, height) not in self.sizes:
            return "not one of the supported sizes"
        return None

    def describe_sizes(self) -> str:
        if self.size_rule:
            return self.size_rule.describe()
        if self.aspect_ratios:
            return f"any width × height, sent as the nearest aspect ratio ({', '.join(self.aspect_ratios)})"
        return ", ".join(f"{w}×{h}" for w, h in self.sizes)

    def fit_input(self, image: Any, *, field: str = "image") -> tuple[Any, str | None]:
        """`image` scaled into this model's input limits, with a notice when it changed."""
        from .images import fit_image

        max_pixels = self.size_rule.max_pixels if self.size_rule else self.max_input_pixels
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

_STABILITY_TASKS = frozenset(
    {Task.TEXT_IMAGE, Task.INPAINTING, Task.OUTPAINTING, Task.IMAGE_VARIATION, Task.BACKGROUND_REMOVAL}
)
#: The image services every Stability spec uses for the tasks beyond its own text-to-image.
_STABILITY_EDIT_SERVICES = {
    ROUTE_CANNY: "stability.stable-image-control-sketch-v1:0",
    ROUTE_SEGMENTATION: "stability.stable-image-control-structure-v1:0",
    ROUTE_INPAINT: "stability.stable-image-inpaint-v1:0",
    ROUTE_ERASE: "stability.stable-image-erase-object-v1:0",
    ROUTE_MASK_PROMPT: "stability.stable-image-search-replace-v1:0",
    ROUTE_OUTPAINT: "stability.stable-outpaint-v1:0",
    ROUTE_VARIATION: "stability.sd3-5-large-v1:0",
    ROUTE_BACKGROUND_REMOVAL: "stability.stable-image-remove-background-v1:0",
}
_STABILITY_NOTES = {
    Task.TEXT_IMAGE: (
        "Stability takes an aspect ratio, not a size: width × height is sent as the nearest ratio. "
        "With a condition image, CANNY_EDGE runs Control Sketch and SEGMENTATION runs Control Structure "
        "(image services, $0.07 per image)."
    ),
    Task.INPAINTING: (
        "With text: Stable Image Inpaint; without text: Erase Object (removal); a mask prompt runs Search and "
        "Replace and needs text."
    ),
    Task.OUTPAINTING: (
        "Stable Image Outpaint extends the picture's edges: the kept (black) area of the mask must be one "
        "rectangle, and each side grows by at most 2,000 px."
    ),
    Task.IMAGE_VARIATION: (
        "Runs SD3.5 Large image-to-image on the first reference image only, with strength = 1 − similarity; "
        "the output follows that image's shape; without a prompt a neutral one is sent."
    ),
    Task.BACKGROUND_REMOVAL: "Runs Stable Image Remove Background.",
}
_STABILITY_IGNORED = frozenset({"cfg_scale", "quality", "mode", "return_mask"})
_STABILITY_IGNORED_REASON = (
    "Stability models on Bedrock take no prompt strength (cfgScale), quality, outpainting mode or "
    "return-mask setting, so these are not sent."
)


def _stability_spec(model_id: str) -> ModelSpec:
    """A Stability text-to-image model plus the image services that do the other Titan tasks."""
    service = SERVICES[model_id]
    return ModelSpec(
        model_id=model_id,
        name=service.name,
        family="stability",
        tasks=_STABILITY_TASKS,
        price_tiers=(PriceTier(4096 * 4096, service.price, service.price),),
        lifecycle=Lifecycle("active"),
        prompt_max=10_000,
        sizes=tuple(STABILITY_ASPECT_RATIOS.values()),
        aspect_ratios=tuple(STABILITY_ASPECT_RATIOS),
        max_input_side=4096,
        min_input_side=64,
        max_input_pixels=9_437_184,
        seed=Range(0, 4_294_967_294, 0),
        similarity_strength=Range(0.2, 1.0, 0.7),
        size_in_edit_tasks=False,
        services={ROUTE_TEXT_IMAGE: model_id, **_STABILITY_EDIT_SERVICES},
        ignored_controls=_STABILITY_IGNORED,
        ignored_reason=_STABILITY_IGNORED_REASON,
        task_notes=_STABILITY_NOTES,
        unavailable_tasks={
            Task.COLOR_GUIDED_GENERATION: (
                "Stability AI on Bedrock has no colour-palette generation; name the colours in a Text to image prompt"
            )
        },
        notes="One image per call: several images are several calls with seeds seed, seed+1, ...",
    )


STABLE_IMAGE_CORE = _stability_spec("stability.stable-image-core-v1:1")
STABLE_IMAGE_ULTRA = _stability_spec("stability.stable-image-ultra-v1:1")
SD35_LARGE = _stability_spec("stability.sd3-5-large-v1:0")
STABILITY_MODELS = (STABLE_IMAGE_CORE, STABLE_IMAGE_ULTRA, SD35_LARGE)

MODELS: dict[str, ModelSpec] = {spec.model_id: spec for spec in (TITAN_V2, TITAN_V1, NOVA_CANVAS, *STABILITY_MODELS)}
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
