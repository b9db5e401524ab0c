"""Every request option, declared once: its Python name, Titan key, label and help text.

Limits live on the model spec (they differ per model); this table gives the words. The
UI uses `label` and `help` for its controls, validation uses `name` in messages, and
request building uses `key` — so the three never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    name: str  # Python keyword, snake_case
    key: str  # Titan JSON key
    label: str
    help: str


_OPTIONS = (
    Option("text", "text", "Prompt", "Describe the whole image: subject, medium, colours, lighting, style."),
    Option(
        "negative_text",
        "negativeText",
        "Negative prompt",
        'What to leave out, listed plainly ("blur, watermark"); no negation words like "no" or "without".',
    ),
    Option(
        "number_of_images", "numberOfImages", "Number of images", "How many images one request makes; each is billed."
    ),
    Option("quality", "quality", "Quality", "premium costs a little more and renders finer detail."),
    Option("width", "width", "Width", "Output width in pixels."),
    Option("height", "height", "Height", "Output height in pixels."),
    Option(
        "cfg_scale",
        "cfgScale",
        "Prompt strength (cfgScale)",
        "Higher follows the prompt more literally; lower is freer.",
    ),
    Option("seed", "seed", "Seed", "Same seed + same settings = same image. Change it for a different take."),
    Option(
        "condition_image", "conditionImage", "Condition image", "Layout guide: the output follows its edges or regions."
    ),
    Option("control_mode", "controlMode", "Control mode", "CANNY_EDGE follows outlines; SEGMENTATION follows regions."),
    Option(
        "control_strength", "controlStrength", "Control strength", "How closely the output follows the condition image."
    ),
    Option("style", "style", "Style preset", "A predefined visual style (Nova Canvas only)."),
    Option("image", "image", "Image", "The picture to edit."),
    Option("mask_image", "maskImage", "Mask", "Black = inside the mask, white = outside (Titan's convention)."),
    Option("mask_prompt", "maskPrompt", "Mask prompt", 'Name the object to select instead of painting ("the dog").'),
    Option("return_mask", "returnMask", "Return mask", "Also return the mask the model used."),
    Option(
        "mode",
        "outPaintingMode",
        "Outpainting mode",
        "PRECISE keeps the original pixels exactly; DEFAULT may blend the seam.",
    ),
    Option("images", "images", "Reference images", "One to five pictures to vary; several are mixed."),
    Option(
        "similarity_strength", "similarityStrength", "Similarity", "1.0 stays close to the references; 0.2 wanders far."
    ),
    Option("colors", "colors", "Colors", 'One to ten hex colours ("#FF8800") the image should be made of.'),
    Option(
        "reference_image", "referenceImage", "Reference image", "Optional: its layout is kept, its colours replaced."
    ),
)

OPTIONS: dict[str, Option] = {option.name: option for option in _OPTIONS}
_BY_KEY: dict[str, Option] = {option.key: option for option in _OPTIONS}


def name_for_key(key: str) -> str:
    """The Python argument name for a Titan JSON key (e.g. "cfgScale" -> "cfg_scale")."""
    option = _BY_KEY.get(key)
    return option.name if option else key
