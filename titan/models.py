"""The model table: what each Bedrock image model accepts, costs, where it runs and whether it still runs.

One source of truth for limits, sizes, prices, regions and lifecycle. Validation, the body
mappings, the UI's controls and the price beside a Generate button all read it. Facts
come from ../shared/titan-api.md and ../shared/stability-services.md (AWS's Titan, Nova
and Stability pages); where a fact is not confirmed on an AWS page, the entry says so.

A `ModelSpec` is what a person picks. For the Titan family (Titan v1/v2, Nova Canvas) it
is the one model id every call goes to. A Stability spec is a text-to-image model; its
other tasks run on Stability's single-purpose image services (`SERVICES`, each with its
own flat price and regions), named by the task modules' Stability mappings.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .fields import Range

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

#: Stability's `style_preset` values (AWS's Stability pages list the same 17 as Stability's API).
STABILITY_STYLES: tuple[str, ...] = (
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance", "fantasy-art",
    "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami", "photographic",
    "pixel-art", "tile-texture",
)  # fmt: skip

#: Stability's `aspect_ratio` values and the ~1 megapixel size each renders at (SD3.5's table;
#: Core and Ultra pick their own pixel count for the same ratio). Text-to-image on Stability
#: takes a ratio, not a size: a width × height is sent as the nearest of these.
STABILITY_ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024), "16:9": (1344, 768), "21:9": (1536, 640), "2:3": (832, 1216), "3:2": (1216, 832),
    "4:5": (896, 1088), "5:4": (1088, 896), "9:16": (768, 1344), "9:21": (640, 1536),
}  # fmt: skip


def nearest_aspect_ratio(width: int, height: int, ratios: tuple[str, ...] = tuple(STABILITY_ASPECT_RATIOS)) -> str:
    """The ratio in `ratios` closest to width:height (compared as logarithms, so 2:1 and 1:2 are equally far)."""
    wanted = math.log(width / height)
    return min(ratios, key=lambda ratio: abs(math.log(_ratio_value(ratio)) - wanted))


def _ratio_value(ratio: str) -> float:
    across, _, down = ratio.partition(":")
    return int(across) / int(down)


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


#: Cross-region inference profiles by geography: region prefix -> profile prefix.
_PROFILE_GEOS = {"us": "us", "eu": "eu", "ap": "apac"}


def geography(region: str) -> str:
    """ "us-east-1" -> "us": calls may be routed between regions of one geography, never across.

    GovCloud ("us-gov-west-1") is a partition of its own: its credentials do not work in "us".
    """
    if region.startswith("us-gov-"):
        return "us-gov"
    return _PROFILE_GEOS.get(region.split("-", 1)[0], region.split("-", 1)[0])


@dataclass(frozen=True)
class ServiceModel:
    """One Stability model id that does one job for a flat price per image.

    `on_demand_regions` call the bare id; `profile_regions` answer only through the
    geographic inference profile ("us." + id): AWS lists the image services with inference
    type INFERENCE_PROFILE only, the text-to-image models ON_DEMAND in us-west-2.
    """

    model_id: str
    name: str
    price: float
    on_demand_regions: tuple[str, ...] = ()
    profile_regions: tuple[str, ...] = ()
    price_confirmed: bool = True
    """False where the price comes from third-party copies of AWS's list, not an AWS page."""

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.on_demand_regions, *self.profile_regions)))

    def route(self, home: str | None) -> tuple[str, str | None] | None:
        """(id to call, region to call it in) for an engine whose region is `home`.

        `home` when it offers the model; otherwise the first region of the same geography
        that does (us-east-1 → us-west-2 for the text-to-image models); None when none
        does. Without a home region (offline and test engines) the documented form is used.
        """
        if home is None:
            return (self.model_id if self.on_demand_regions else f"us.{self.model_id}"), None
        for region in (home, *(r for r in self.regions if geography(r) == geography(home))):
            if region in self.on_demand_regions:
                return self.model_id, region
            if region in self.profile_regions:
                return f"{geography(region)}.{self.model_id}", region
        return None


_STABILITY_T2I_REGIONS = ("us-west-2",)
_STABILITY_SERVICE_REGIONS = ("us-east-1", "us-east-2", "us-west-2")


def _service(model_id: str, name: str, price: float, *, profile: bool = True, confirmed: bool = True) -> ServiceModel:
    if profile:
        return ServiceModel(
            model_id, name, price, profile_regions=_STABILITY_SERVICE_REGIONS, price_confirmed=confirmed
        )
    return ServiceModel(model_id, name, price, on_demand_regions=_STABILITY_T2I_REGIONS, price_confirmed=confirmed)


#: Every Stability model id `titan` calls, with its price in USD per image: the one price
#: table for the Stability family. Prices follow AWS's Bedrock price list as copied by third
#: parties (Core 0.04, SD3.5 0.08, Ultra 0.14, edit services 0.07, outpaint 0.06, style
#: transfer 0.08, fast upscale 0.03, conservative 0.40, creative 0.60); not confirmed on an
#: AWS page where `price_confirmed` is False.
SERVICES: dict[str, ServiceModel] = {
    service.model_id: service
    for service in (
        _service("stability.stable-image-core-v1:1", "Stable Image Core", 0.04, profile=False),
        _service("stability.stable-image-ultra-v1:1", "Stable Image Ultra", 0.14, profile=False),
        _service("stability.sd3-5-large-v1:0", "Stable Diffusion 3.5 Large", 0.08, profile=False),
        _service("stability.stable-image-inpaint-v1:0", "Stable Image Inpaint", 0.07),
        _service("stability.stable-image-erase-object-v1:0", "Stable Image Erase Object", 0.07),
        _service("stability.stable-image-search-replace-v1:0", "Stable Image Search and Replace", 0.07),
        _service("stability.stable-image-search-recolor-v1:0", "Stable Image Search and Recolor", 0.07),
        _service("stability.stable-outpaint-v1:0", "Stable Image Outpaint", 0.06),
        _service("stability.stable-image-remove-background-v1:0", "Stable Image Remove Background", 0.07),
        _service("stability.stable-image-control-sketch-v1:0", "Stable Image Control Sketch", 0.07),
        _service("stability.stable-image-control-structure-v1:0", "Stable Image Control Structure", 0.07),
        _service("stability.stable-image-style-guide-v1:0", "Stable Image Style Guide", 0.07),
        _service("stability.stable-style-transfer-v1:0", "Stable Style Transfer", 0.08, confirmed=False),
        _service("stability.stable-fast-upscale-v1:0", "Stable Fast Upscale", 0.03, confirmed=False),
        _service("stability.stable-conservative-upscale-v1:0", "Stable Conservative Upscale", 0.40, confirmed=False),
        _service("stability.stable-creative-upscale-v1:0", "Stable Creative Upscale", 0.60, confirmed=False),
    )
}


def service_model(model_id: str) -> ServiceModel | None:
    """The Stability service behind a model id as sent (inference-profile prefixes accepted), or None."""
    return SERVICES.get(model_id) or SERVICES.get(strip_profile(model_id))


def _limits(**ranges: Range) -> Mapping[str, Range]:
    return MappingProxyType(ranges)


@dataclass(frozen=True)
class ModelSpec:
    """Everything `titan` knows about one model a person can pick."""

    model_id: str
    name: str
    family: str
    price_tiers: tuple[PriceTier, ...]
    lifecycle: Lifecycle
    limits: Mapping[str, Range]
    """Per-model ranges by option `limits` key: "prompt" (characters), "seed", "cfg_scale", ..."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per-model choices by option `limits` key, e.g. "style": the model's style presets."""
    sizes: tuple[tuple[int, int], ...] = TITAN_SIZES
    size_rule: SizeRule | None = None
    aspect_ratios: tuple[str, ...] = ()
    """Set when text-to-image takes an aspect ratio instead of a size: any width × height is
    accepted and sent as the nearest ratio (`nearest_aspect_ratio`)."""
    max_input_side: int = 1408
    min_input_side: int = 1
    max_input_pixels: int | None = None
    max_input_aspect: float | None = None
    """Longest side over shortest side allowed for an input image (Stability: 2.5)."""
    accepts_transparency: bool = True
    refused_options: frozenset[str] = frozenset()
    """Options (request field names) this model refuses outright, e.g. conditioning on Titan v1."""
    unavailable_tasks: Mapping[str, str] = field(default_factory=dict)
    """Task type -> why this model cannot do it, for the greyed-out tab and the refusal."""
    task_notes: Mapping[str, str] = field(default_factory=dict)
    """Task type -> what changes for that task on this model, in a sentence."""
    replacement: str | None = None  # a model id to suggest when this one cannot be called
    regions: tuple[str, ...] = ()
    notes: str = ""

    def limit(self, key: str | None, default: Range | None = None) -> Range | None:
        return self.limits.get(key, default) if key else default

    @property
    def prompt_max(self) -> int:
        return int(self.limits["prompt"].high)

    @property
    def seed(self) -> Range:
        return self.limits["seed"]

    def supports(self, task: str) -> bool:
        """True when this model's family maps `task` and the model does not exclude it."""
        from .tasks import request_type

        return self.family in request_type(task).mappings and task not in self.unavailable_tasks

    def unsupported_reason(self, task: str) -> str | None:
        """None when `task` is supported, else one sentence saying why not."""
        if self.supports(task):
            return None
        from .tasks import request_type

        return self.unavailable_tasks.get(task) or f"{self.name} cannot do {request_type(task).label.lower()}"

    @property
    def picker_sizes(self) -> tuple[tuple[int, int], ...]:
        """Sizes to offer in a dropdown."""
        return NOVA_PRESET_SIZES if self.size_rule else self.sizes

    def size_choices(self) -> list[tuple[str, tuple[int, int]]]:
        """(words, (width, height)) for a size picker; where a size stands for an aspect ratio the words say which."""
        ratios = {size: ratio for ratio, size in STABILITY_ASPECT_RATIOS.items()} if self.aspect_ratios else {}
        return [
            (f"{w} × {h}" + (f" ({ratios[w, h]})" if (w, h) in ratios else ""), (w, h)) for w, h in self.picker_sizes
        ]

    def size_help(self) -> str:
        """One line under a size picker: what sizes this model takes."""
        if self.size_rule:
            return f"Presets, or type WIDTHxHEIGHT: {self.describe_sizes()}."
        if self.aspect_ratios:
            return f"{self.name} takes an aspect ratio, not a size; the nearest ratio is sent."
        return f"Sizes {self.name} supports, in pixels."

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

    @property
    def max_pixels(self) -> int | None:
        """Largest input in pixels when the limit is a pixel count (Nova, Stability), for fitting uploads."""
        return self.size_rule.max_pixels if self.size_rule else self.max_input_pixels

    def price_per_image(self, quality: str | None = None, width: int = 1024, height: int = 1024) -> float:
        """USD for one image of this size and quality from the tiers (the largest tier applies beyond the table)."""
        pixels = width * height
        tier = next((t for t in self.price_tiers if pixels <= t.max_pixels), self.price_tiers[-1])
        return tier.premium if quality == "premium" else tier.standard

    def fit_input(self, image: Any, *, field: str = "image") -> tuple[Any, str | None]:
        """`image` scaled into this model's input limits, with a notice when it changed."""
        from .images import fit_image

        return fit_image(
            image, max_side=self.max_input_side, min_side=self.min_input_side, max_pixels=self.max_pixels, field=field
        )


#: Width/height bounds accepted where a size is mapped to an aspect ratio (Stability).
ASPECT_SIZE_SIDES = (64, 4096)

_TITAN_PRICES = (PriceTier(512 * 512, 0.008, 0.010), PriceTier(1408 * 1408, 0.010, 0.012))
_TITAN_LIMITS = _limits(
    prompt=Range(1, 512),
    negative_prompt=Range(1, 512),
    number_of_images=Range(1, 5, 1),
    cfg_scale=Range(1.1, 10.0, 8.0),
    seed=Range(0, 2_147_483_646, 42),
    images=Range(1, 5),
    colors=Range(1, 10),
    extend=Range(0, 1408, 0),
)

TITAN_V2 = ModelSpec(
    model_id="amazon.titan-image-generator-v2:0",
    name="Titan Image Generator v2",
    family="titan",
    price_tiers=_TITAN_PRICES,
    lifecycle=Lifecycle("retired", dt.date(2026, 6, 30)),
    limits=_TITAN_LIMITS,
    replacement="amazon.nova-canvas-v1:0",
    regions=("us-east-1", "us-west-2"),
)

TITAN_V1 = ModelSpec(
    model_id="amazon.titan-image-generator-v1",
    name="Titan Image Generator v1",
    family="titan",
    price_tiers=_TITAN_PRICES,
    lifecycle=Lifecycle("retired", dt.date(2026, 6, 30)),
    limits=_TITAN_LIMITS,
    refused_options=frozenset({"condition_image", "control_mode", "control_strength", "similarity_strength"}),
    unavailable_tasks={
        "COLOR_GUIDED_GENERATION": "Titan v1 has no colour-guided generation",
        "BACKGROUND_REMOVAL": "Titan v1 has no background removal",
    },
    replacement="amazon.nova-canvas-v1:0",
    regions=("us-east-1", "us-west-2"),
)

NOVA_CANVAS = ModelSpec(
    model_id="amazon.nova-canvas-v1:0",
    name="Nova Canvas",
    family="titan",
    price_tiers=(PriceTier(1024 * 1024, 0.04, 0.06), PriceTier(2048 * 2048, 0.06, 0.08)),
    lifecycle=Lifecycle("retired", dt.date(2026, 9, 30)),
    limits=_limits(
        prompt=Range(1, 1024),
        negative_prompt=Range(1, 1024),
        number_of_images=Range(1, 5, 1),
        cfg_scale=Range(1.1, 10.0, 6.5),
        seed=Range(0, 858_993_459, 12),
        images=Range(1, 5),
        colors=Range(1, 10),
        extend=Range(0, 4096, 0),
    ),
    choices={"style": NOVA_STYLES},
    sizes=(),
    size_rule=SizeRule(),
    max_input_side=4096,
    min_input_side=320,
    accepts_transparency=False,
    regions=("us-east-1", "eu-west-1", "ap-northeast-1"),
    notes="Seed limit 858,993,459 follows an AWS client table; AWS's page says 2,147,483,646.",
)

_STABILITY_LIMITS = _limits(
    prompt=Range(1, 10_000),
    negative_prompt=Range(1, 10_000),
    number_of_images=Range(1, 5, 1),
    seed=Range(0, 4_294_967_294),
    images=Range(1, 5),
    colors=Range(1, 10),
    extend=Range(0, 2000, 0),
)
_STABILITY_NOTES = {
    "TEXT_IMAGE": (
        "Stability takes an aspect ratio, not a size: width × height is sent as the nearest ratio. "
        "With a layout guide, outlines run Control Sketch and regions run Control Structure."
    ),
    "INPAINTING": (
        "With a prompt: Stable Image Inpaint; without one: Erase Object (removal); a mask prompt runs Search "
        "and Replace and needs a prompt."
    ),
    "OUTPAINTING": "Stable Image Outpaint extends the picture's edges, each side by at most 2,000 px.",
    "IMAGE_VARIATION": (
        "Runs SD3.5 Large image-to-image on the first reference image only, with strength = 1 − similarity."
    ),
    "COLOR_GUIDED_GENERATION": (
        "An approximation: Stability has no palette generation, so your colours are sent to Style Guide as a "
        "colour reference image (in proportion). Expect the palette's mood, not exact colours."
    ),
}


def _stability_spec(model_id: str) -> ModelSpec:
    """A Stability text-to-image model; its other tasks run on the image services."""
    service = SERVICES[model_id]
    return ModelSpec(
        model_id=model_id,
        name=service.name,
        family="stability",
        price_tiers=(PriceTier(4096 * 4096, service.price, service.price),),
        lifecycle=Lifecycle("active"),
        limits=_STABILITY_LIMITS,
        choices={"style": STABILITY_STYLES},
        sizes=tuple(STABILITY_ASPECT_RATIOS.values()),
        aspect_ratios=tuple(STABILITY_ASPECT_RATIOS),
        max_input_side=4096,
        min_input_side=64,
        max_input_pixels=9_437_184,
        max_input_aspect=2.5,
        task_notes=_STABILITY_NOTES,
        regions=service.regions,
        notes="One image per call: several images are several calls with seeds seed, seed+1, ...",
    )


STABLE_IMAGE_CORE = _stability_spec("stability.stable-image-core-v1:1")
STABLE_IMAGE_ULTRA = _stability_spec("stability.stable-image-ultra-v1:1")
SD35_LARGE = _stability_spec("stability.sd3-5-large-v1:0")
STABILITY_MODELS = (STABLE_IMAGE_CORE, STABLE_IMAGE_ULTRA, SD35_LARGE)

#: Picker order: the living family first.
MODELS: dict[str, ModelSpec] = {spec.model_id: spec for spec in (*STABILITY_MODELS, NOVA_CANVAS, TITAN_V2, TITAN_V1)}
DEFAULT_MODEL_ID = STABLE_IMAGE_CORE.model_id


def get_model(model_id: str) -> ModelSpec:
    """The spec for `model_id`; cross-region profile prefixes ("us.", "eu.") are accepted."""
    spec = MODELS.get(model_id) or MODELS.get(strip_profile(model_id))
    if spec is None:
        from .errors import TitanValidationError

        raise TitanValidationError("model_id", model_id, ", ".join(MODELS))
    return spec


def strip_profile(model_id: str) -> str:
    """ "us.stability.x" -> "stability.x"; ids without an inference-profile prefix are returned as they are."""
    prefix, _, rest = model_id.partition(".")
    return rest if prefix in ("us", "eu", "apac", "global", "us-gov") and rest else model_id
