"""Every request option, declared once: its label, help text, kind and default limits.

A request class (`titan.tasks`) declares its fields with `field(OPTION)`; validation,
the body mappings, History restore, the UI's controls and the API's documentation all
read these declarations, so the words and limits never drift apart. Where a limit
differs per model (prompt length, seed range, cfgScale default...) the model table
(`titan.models.ModelSpec.limits`) overrides the option's own `limits`.

The Python names are Titan's JSON keys in snake_case (`negative_text`,
`similarity_strength`); the labels are plain words for people ("Prompt strength", not
"cfgScale"). API values stay as they are (`CANNY_EDGE`); `choice_labels` gives their words.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What sort of value an option holds; validation and the UI's widget follow it."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    IMAGE = "image"
    MASK = "mask"
    IMAGES = "images"
    COLORS = "colors"


@dataclass(frozen=True)
class Range:
    """A numeric range with its default (None: the service's own default applies)."""

    low: float
    high: float
    default: float | None = None

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"{_num(self.low)} to {_num(self.high)}"


@dataclass(frozen=True)
class Option:
    """One request option. `limits` names the key of `ModelSpec.limits` that may override `range`."""

    label: str
    help: str
    kind: Kind
    range: Range | None = None
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] | None = None
    """Plain words for API values, e.g. {"CANNY_EDGE": "Follow outlines"}; a family may add its own."""
    family_labels: dict[str, dict[str, str]] | None = None
    """Per family ("stability") words for the same values, where the family does something else with them."""
    limits: str | None = None
    required: bool = False
    step: float | None = None
    placeholder: str = ""
    group: str = "options"
    """Where the UI puts it: "image", "prompt", "options", "guide" or "settings" (Generation settings)."""
    needs: str | None = None
    """Another field this one only means something with (e.g. control strength needs a layout guide)."""

    def words(self, value: str, family: str | None = None) -> str:
        """The label of a choice value, in `family`'s words when it has its own."""
        own = (self.family_labels or {}).get(family or "", {})
        return own.get(value) or (self.choice_labels or {}).get(value) or value


def field(option: Option, default: Any = None) -> Any:
    """A request dataclass field carrying its `Option` (default None: "not set", nothing is sent)."""
    return dataclasses.field(default=default, metadata={"option": option})


def option_of(request_field: dataclasses.Field) -> Option | None:
    return request_field.metadata.get("option")


def is_number(value: Any) -> bool:
    """A real, finite number (bool is not a number here; NaN and infinity are not numbers a person means)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


# --- prompts ----------------------------------------------------------------------------

TEXT = Option(
    "Prompt",
    "Describe the whole image: subject, medium, colours, lighting, style.",
    Kind.TEXT,
    limits="prompt",
    required=True,
    placeholder="An image of a lighthouse on a rocky coast at dawn, watercolor, soft pastel light",
    group="prompt",
)
OPTIONAL_TEXT = dataclasses.replace(TEXT, required=False, label="Prompt (optional)")
NEGATIVE_TEXT = Option(
    "Negative prompt",
    'What to leave out, listed plainly ("blur, watermark"); no negation words like "no" or "without".',
    Kind.TEXT,
    limits="negative_prompt",
    group="prompt",
)

# --- generation settings ----------------------------------------------------------------

NUMBER_OF_IMAGES = Option(
    "Number of images",
    "How many images one request makes; each is billed.",
    Kind.INTEGER,
    Range(1, 5, 1),
    limits="number_of_images",
    step=1,
    group="settings",
)
QUALITY = Option(
    "Quality",
    "Premium costs a little more and renders finer detail.",
    Kind.CHOICE,
    choices=("standard", "premium"),
    choice_labels={"standard": "Standard", "premium": "Premium"},
    group="settings",
)
WIDTH = Option("Width", "Output width in pixels.", Kind.INTEGER, group="settings")
HEIGHT = Option("Height", "Output height in pixels.", Kind.INTEGER, group="settings")
CFG_SCALE = Option(
    "Prompt strength",
    "Higher follows the prompt more literally; lower is freer.",
    Kind.NUMBER,
    Range(1.1, 10.0, 8.0),
    limits="cfg_scale",
    step=0.1,
    group="settings",
)
SEED = Option(
    "Seed",
    "Same seed + same settings = same image. Leave it empty for a new random seed every run.",
    Kind.INTEGER,
    Range(0, 2_147_483_646),
    limits="seed",
    step=1,
    group="settings",
)

# --- images and masks -------------------------------------------------------------------

IMAGE = Option("Image", "The picture to edit.", Kind.IMAGE, required=True, group="image")
MASK_IMAGE = Option("Mask", "Black = the area to change, white = keep (Titan's convention).", Kind.MASK, group="image")
MASK_PROMPT = Option(
    "Mask prompt", 'Name the object to select instead of painting ("the dog").', Kind.TEXT, limits="prompt"
)
RETURN_MASK = Option("Return mask", "Also return the mask the model used.", Kind.BOOLEAN)
GROW_MASK = Option(
    "Grow mask",
    "Widen the masked area by this many pixels, softening its edge (Stability).",
    Kind.INTEGER,
    Range(0, 20, 5),
    step=1,
)

# --- conditioning and styles ------------------------------------------------------------

CONDITION_IMAGE = Option(
    "Layout guide", "An image whose outlines or regions the result follows.", Kind.IMAGE, group="guide"
)
CONTROL_MODE = Option(
    "Follow",
    "Outlines keeps the edges of the guide; regions keeps its areas of colour.",
    Kind.CHOICE,
    choices=("CANNY_EDGE", "SEGMENTATION"),
    choice_labels={"CANNY_EDGE": "Follow outlines", "SEGMENTATION": "Follow regions"},
    group="guide",
    needs="condition_image",
    family_labels={
        "stability": {
            "CANNY_EDGE": "Sketch: edges from a drawing",
            "SEGMENTATION": "Structure: the layout of a photo",
        }
    },
)
CONTROL_STRENGTH = Option(
    "Guide strength",
    "How closely the result follows the layout guide.",
    Kind.NUMBER,
    Range(0.0, 1.0, 0.7),
    step=0.05,
    group="guide",
    needs="condition_image",
)
STYLE = Option("Style preset", "A predefined visual style.", Kind.CHOICE, limits="style")

# --- task-specific ----------------------------------------------------------------------

OUTPAINTING_MODE = Option(
    "Seam",
    "Precise keeps the original pixels exactly; Default may blend them into the new area.",
    Kind.CHOICE,
    choices=("DEFAULT", "PRECISE"),
    choice_labels={"DEFAULT": "Default (blend the seam)", "PRECISE": "Precise (keep the original)"},
)
EXTEND = Option("Extend", "Pixels to add on this side.", Kind.INTEGER, Range(0, 2000, 0), limits="extend", step=16)
OUTPAINT_CREATIVITY = Option(
    "Creativity", "How much the new area may invent (Stability).", Kind.NUMBER, Range(0.1, 1.0, 0.5), step=0.05
)
IMAGES = Option(
    "Reference images",
    "One to five pictures to vary; several are mixed.",
    Kind.IMAGES,
    limits="images",
    required=True,
    group="image",
)
SIMILARITY_STRENGTH = Option(
    "Similarity",
    "1.0 stays close to the references; 0.2 wanders far.",
    Kind.NUMBER,
    Range(0.2, 1.0, 0.7),
    step=0.05,
)
COLORS = Option(
    "Colors", 'One to ten hex colours ("#FF8800") the image should be made of.', Kind.COLORS, limits="colors",
    required=True,
)  # fmt: skip
REFERENCE_IMAGE = Option(
    "Layout reference", "Its layout is kept, its colours replaced by the palette.", Kind.IMAGE, group="guide"
)
SELECT_PROMPT = Option(
    "What to recolour",
    'Name the part to recolour ("the jacket", "the sky").',
    Kind.TEXT,
    limits="prompt",
    required=True,
    placeholder="the jacket",
    group="prompt",
)
RECOLOR_TEXT = dataclasses.replace(
    TEXT, label="New colours", help='Describe how it should look ("a deep emerald green jacket").', placeholder=""
)
STYLE_REFERENCE = Option(
    "Style reference", "The picture whose style the result takes.", Kind.IMAGE, required=True, group="image"
)
FIDELITY = Option(
    "Style fidelity",
    "How closely the result keeps the reference's style.",
    Kind.NUMBER,
    Range(0.0, 1.0, 0.5),
    step=0.05,
)
CONTENT_IMAGE = dataclasses.replace(IMAGE, label="Content image", help="The picture to restyle.")
STYLE_IMAGE = Option("Style image", "The picture whose look is applied.", Kind.IMAGE, required=True, group="image")
STYLE_STRENGTH = Option(
    "Style strength", "How much of the style image's look is applied.", Kind.NUMBER, Range(0.0, 1.0, 1.0), step=0.05
)
COMPOSITION_FIDELITY = Option(
    "Keep composition", "How closely the content image's layout is kept.", Kind.NUMBER, Range(0.0, 1.0, 0.9), step=0.05
)
CHANGE_STRENGTH = Option(
    "Change strength", "How much the content image may change overall.", Kind.NUMBER, Range(0.1, 1.0, 0.9), step=0.05
)
UPSCALE_MODE = Option(
    "Upscaler",
    "Fast: 4× sharper, no prompt. Conservative: up to 4 MP, stays true to the image. "
    "Creative: up to 4K, reimagines detail from the prompt.",
    Kind.CHOICE,
    choices=("fast", "conservative", "creative"),
    choice_labels={"fast": "Fast (4×)", "conservative": "Conservative", "creative": "Creative"},
)
UPSCALE_TEXT = dataclasses.replace(
    OPTIONAL_TEXT,
    label="Prompt",
    help="What the picture shows; conservative and creative upscaling need it, fast does not.",
    placeholder="A close-up photo of a red fox in snow",
)
UPSCALE_CREATIVITY = Option(
    "Creativity", "How much new detail the upscaler may invent.", Kind.NUMBER, Range(0.1, 0.5, 0.3), step=0.05
)
