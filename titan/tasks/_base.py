"""The typed request every task declares, and what every request can do.

A task module declares one `Request` subclass: its fields (each `field(OPTION)` from
`titan.fields`), its task type and words, and its body mapping per model family
(`mappings`). From that one declaration:

- `validate(spec)` checks every set field against the option and the model's limits and
  returns a *prepared* copy (images encoded once, colours normalised) that the families
  turn into bodies without checking again;
- `to_record()` / `from_record()` store a request in History and in PNG metadata and
  read it back (History restore, "Restore from PNG");
- the UI builds its controls and the API its parameters and documentation from
  `options()`.

Every field defaults to None, meaning "not set": nothing is sent for it, so the service's
own default applies.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from PIL import Image

from ..errors import TitanValidationError
from ..fields import CFG_SCALE, HEIGHT, NUMBER_OF_IMAGES, QUALITY, SEED, WIDTH, Kind, Option, is_number, option_of
from ..fields import field as opt
from ..images import BodyImage, ImageInput, body_image, body_mask, peek_b64
from ..masks import check_mask_pixels
from ..models import ModelSpec

HEX_COLOR = re.compile(r"^#[0-9A-F]{6}$")
#: Characters no prompt needs and some services choke on (NUL and other C0 controls but tab/newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_IMAGE_REF = "@inputs/"


def encode_image(value: ImageInput | BodyImage, *, field: str, spec: ModelSpec | None = None) -> BodyImage:
    """An image input ready for a body: sent as it is when it already can be, else decoded
    (bounded) and re-encoded. Outside `spec`'s limits it is refused, not scaled: the playground
    fits images first (`Request.fitted`); the plain client leaves that to its caller."""
    if isinstance(value, BodyImage):
        return value
    if spec is None:
        return body_image(value, field=field)
    return body_image(value, field=field, opaque=not spec.accepts_transparency, fit=False)


def encode_mask(value: ImageInput | BodyImage, *, field: str, size: tuple[int, int] | None = None) -> BodyImage:
    """A mask as given (grey levels are reported by the check, never silently snapped)."""
    if isinstance(value, BodyImage) and size in (None, value.size):
        return value
    return body_mask(value, size=size, field=field)


class Request:
    """Base of every task's request. Subclasses are dataclasses; see the module docstring."""

    task: ClassVar[str]
    """The task type, e.g. "TEXT_IMAGE" (Titan's name where Titan has the task)."""
    api_name: ClassVar[str]
    """The API endpoint and Python shortcut, e.g. "text_image" (`TitanClient.text_image`)."""
    label: ClassVar[str]
    summary: ClassVar[str]
    """One sentence: what the task does (API and MCP documentation, tab tooltip)."""
    order: ClassVar[int]
    edits: ClassVar[bool] = False
    """True when the output is the input image changed (AI-content marks say "composite")."""
    preview_reduced: ClassVar[bool] = True
    """Whether the offline preview may work smaller than the output and scale up after."""
    mappings: ClassVar[Mapping[str, Any]]
    """Family name -> the body mapping for that family (`titan.families.titan.TitanBody`, ...)."""

    # --- the declaration ------------------------------------------------------------------

    @classmethod
    def options(cls) -> dict[str, Option]:
        """Field name -> its option: the task's own fields in declaration order, then the settings."""
        return _options(cls)

    @classmethod
    def _declared_options(cls) -> dict[str, Option]:
        declared = [(item.name, option) for item in dataclasses.fields(cls) if (option := option_of(item))]
        declared.sort(key=lambda pair: pair[1].group == "settings")  # the task's own fields first (stable sort)
        return dict(declared)

    @classmethod
    def create(cls, *args: Any, **kwargs: Any) -> Self:
        """Like the constructor, but an unknown name is a `TitanValidationError` listing the known ones."""
        known = cls.options()
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise TitanValidationError(
                ", ".join(unknown), "given", ", ".join(known), problem=f"not a setting of {cls.label.lower()}"
            )
        if len(args) > len(known):
            raise TitanValidationError("arguments", f"{len(args)} positional", f"at most {len(known)}")
        return cls(*args, **kwargs)

    def set_fields(self) -> dict[str, Any]:
        """The fields the caller set (not None), in declaration order."""
        return {name: value for name in self.options() if (value := getattr(self, name)) is not None}

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    # --- checking -------------------------------------------------------------------------

    def validate(self, spec: ModelSpec) -> Self:
        """Check every set field against `spec`; return a prepared copy (images encoded once).

        Raises `TitanValidationError` naming the field, the value and the allowed range.
        """
        from ..families import family_for

        reason = spec.unsupported_reason(self.task)
        if reason is not None:
            _refuse_task(spec, self, reason)
        prepared: dict[str, Any] = {}
        for name, option in self.options().items():
            value = getattr(self, name)
            unset_text = isinstance(value, str) and not value and option.kind in (Kind.TEXT, Kind.CHOICE)
            unset_text = unset_text and not option.required
            if value is None or unset_text:
                prepared[name] = None
                continue
            if name in spec.refused_options:
                raise TitanValidationError(name, _shown(value), f"not set on {spec.name}", problem="not supported")
            prepared[name] = _checked(name, option, value, spec)
        request = self.replace(**prepared)
        for name, option in request.options().items():
            if option.required and getattr(request, name) is None:
                _missing(name, option, spec)
        _check_needs(request)
        request.check(spec)
        family_for(spec).check(spec, request)
        return request

    def check(self, spec: ModelSpec) -> None:
        """Rules between fields (e.g. exactly one mask source); runs after every field passed."""

    def fitted(self, spec: ModelSpec) -> tuple[Self, list[str]]:
        """The request with every input image scaled into `spec`'s limits, and a sentence per change.

        Images are encoded once here (sent as they are when they already fit); masks follow the
        image they belong to (scaled to its size by nearest pixel, so they stay black and white).
        """
        changes: dict[str, Any] = {}
        notices: list[str] = []
        for name, option in self.options().items():
            value = getattr(self, name)
            if value is None or option.kind not in (Kind.IMAGE, Kind.IMAGES):
                continue
            if option.kind is Kind.IMAGE:
                changes[name] = _fit(spec, value, name, notices)
            else:
                changes[name] = [_fit(spec, item, f"{name}[{i}]", notices) for i, item in enumerate(value)]
        image = changes.get("image")
        for name, option in self.options().items():
            mask = getattr(self, name)
            if option.kind is Kind.MASK and mask is not None and image is not None:
                changes[name] = encode_mask(mask, field=name, size=image.size)
        return self.replace(**changes), notices

    # --- History and PNG metadata ---------------------------------------------------------

    def to_record(self, save_image: Callable[[str, BodyImage], str]) -> dict[str, Any]:
        """A JSON-able record of the set fields; each image is handed to `save_image(name, image)`,
        which stores it and returns its reference (e.g. "@inputs/image.png")."""
        record: dict[str, Any] = {"task": self.task}
        for name, value in self.set_fields().items():
            kind = self.options()[name].kind
            if kind in (Kind.IMAGE, Kind.MASK):
                value = save_image(name, encode_image(value, field=name))
            elif kind is Kind.IMAGES:
                value = [save_image(f"{name}_{i}", encode_image(item, field=name)) for i, item in enumerate(value)]
            record[name] = value
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], read_image: Callable[[str], bytes | None]) -> Self:
        """Inverse of `to_record`: images are read back with `read_image(reference)` (None: not stored)."""
        values: dict[str, Any] = {}
        for name, option in cls.options().items():
            if name not in record:
                continue
            value = record[name]
            if option.kind in (Kind.IMAGE, Kind.MASK):
                value = read_image(value) if isinstance(value, str) else None
            elif option.kind is Kind.IMAGES:
                value = [data for ref in value or [] if (data := read_image(ref)) is not None] or None
            values[name] = value
        return cls(**values)

    # --- derived ----------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        """The prompt as a person would search for it ("" when the task has none)."""
        return str(getattr(self, "text", None) or "")

    def image_count(self) -> int:
        """How many images the request asks for (each is billed)."""
        return int(getattr(self, "number_of_images", None) or 1)


@functools.cache
def _options(request_type: type[Request]) -> dict[str, Option]:
    return request_type._declared_options()


def _fit(spec: ModelSpec, value: Any, name: str, notices: list[str]) -> BodyImage:
    image = body_image(
        value,
        field=name,
        max_side=spec.max_input_side,
        min_side=spec.min_input_side,
        max_pixels=spec.max_pixels,
        opaque=not spec.accepts_transparency,
        fit=True,
    )
    if image.notice:
        notices.append(image.notice[0].upper() + image.notice[1:] + ".")
    return image


def is_image_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_IMAGE_REF)


# --- field checks -------------------------------------------------------------------------


def _checked(name: str, option: Option, value: Any, spec: ModelSpec) -> Any:
    """`value` checked against `option` on `spec`, in the form the body mappings use."""
    kind = option.kind
    if kind is Kind.TEXT:
        return _text(name, option, value, spec)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        limits = spec.limit(option.limits, option.range)
        return _number(name, value, limits, integer=kind is Kind.INTEGER, model=spec.name)
    if kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise TitanValidationError(name, repr(value), "true or false")
        return value
    if kind is Kind.CHOICE:
        return _choice(name, option, value, spec)
    if kind is Kind.IMAGE:
        return _image(name, value, spec)
    if kind is Kind.MASK:
        mask = encode_mask(value, field=name)
        check_side_limits(name, mask.size, spec)
        opened = peek_b64(mask.b64, field=name)
        opened.load()
        check_mask_pixels(opened, field=name)
        return mask
    if kind is Kind.IMAGES:
        return _images(name, value, spec)
    if kind is Kind.COLORS:
        return _colors(name, value, spec)
    raise AssertionError(f"unknown option kind {kind}")  # pragma: no cover - every Kind is handled above


def _text(name: str, option: Option, value: Any, spec: ModelSpec) -> str:
    if not isinstance(value, str):
        raise TitanValidationError(name, type(value).__name__, "text")
    limit = int(spec.limit(option.limits, None).high) if spec.limit(option.limits) else spec.prompt_max
    if _CONTROL.search(value):
        raise TitanValidationError(
            name, "a control character (such as NUL)", "printable text", hint="remove it and try again"
        )
    if not value.strip():
        raise TitanValidationError(
            name, value, f"1 to {limit} characters", problem="the prompt is empty", hint="describe the image you want"
        )
    if len(value) > limit:
        raise TitanValidationError(
            name,
            value,
            f"1 to {limit} characters for {spec.name}",
            problem=f"too long by {len(value) - limit}",
            hint="shorten the prompt",
        )
    return value


def _number(name: str, value: Any, limits: Any, *, integer: bool, model: str) -> int | float:
    shown = limits.describe() if limits else "any number"
    if not is_number(value):
        raise TitanValidationError(name, repr(value), f"a number from {shown}")
    if integer and not float(value).is_integer():
        raise TitanValidationError(name, value, f"a whole number from {shown}")
    if limits is not None and not limits.contains(value):
        raise TitanValidationError(name, value, f"{shown} for {model}")
    return int(value) if integer else value


def _choice(name: str, option: Option, value: Any, spec: ModelSpec) -> str:
    choices = spec.choices.get(option.limits, ()) if option.limits else option.choices
    if not choices:
        raise TitanValidationError(name, value, f"no {option.label.lower()}s on {spec.name}", problem="not supported")
    if value not in choices:
        raise TitanValidationError(name, value, " or ".join(choices))
    return value


def _image(name: str, value: Any, spec: ModelSpec) -> BodyImage:
    image = encode_image(value, field=name, spec=spec)
    check_side_limits(name, image.size, spec)
    if not spec.accepts_transparency and image.transparent():
        raise TitanValidationError(name, "transparent pixels", f"an opaque image for {spec.name}")
    return image


def check_side_limits(name: str, size: tuple[int, int], spec: ModelSpec) -> None:
    width, height = size
    low, high = spec.min_input_side, spec.max_input_side
    if not (low <= width <= high and low <= height <= high):
        raise TitanValidationError(
            name,
            f"{width}×{height} px",
            f"each side {low}–{high} px for {spec.name}",
            hint="resize or crop it (get_model(model_id).fit_input(image) scales it for you)",
        )
    if spec.max_input_aspect and max(width, height) / min(width, height) > spec.max_input_aspect:
        raise TitanValidationError(
            name,
            f"{width}×{height} px",
            f"an aspect ratio between 1:{spec.max_input_aspect:g} and {spec.max_input_aspect:g}:1 for {spec.name}",
            hint="crop it closer to square",
        )
    if spec.max_input_pixels and width * height > spec.max_input_pixels:
        raise TitanValidationError(
            name,
            f"{width}×{height} px",
            f"at most {spec.max_input_pixels:,} pixels in total for {spec.name}",
            hint="resize it (get_model(model_id).fit_input(image) scales it for you)",
        )


def _images(name: str, value: Any, spec: ModelSpec) -> list[BodyImage]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    limits = spec.limit("images")
    if limits is not None and not limits.contains(len(items)):
        raise TitanValidationError(name, f"{len(items)} image(s)", f"{limits.describe()} images")
    return [_image(f"{name}[{i}]", item, spec) for i, item in enumerate(items)]


def _colors(name: str, value: Any, spec: ModelSpec) -> list[str]:
    colors = [normalize_color(color) for color in value] if isinstance(value, (list, tuple)) else None
    limits = spec.limit("colors")
    if colors is None or (limits is not None and not limits.contains(len(colors))):
        count = len(colors) if colors is not None else "none"
        raise TitanValidationError(name, f"{count} color(s)", f"{limits.describe() if limits else 'some'} colors")
    for index, color in enumerate(colors):
        if not isinstance(color, str) or not HEX_COLOR.match(color):
            raise TitanValidationError(f"{name}[{index}]", color, 'a hex color like "#FF8800"')
    return colors


def normalize_color(color: Any) -> Any:
    """ "ff8800", "#f80" and "#FF8800" all become "#FF8800"; anything else is left for the check."""
    if not isinstance(color, str):
        return color
    value = color.strip().lstrip("#")
    if not value or not all(ch in "0123456789abcdefABCDEF" for ch in value):
        return color
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return f"#{value.upper()}"


def _check_needs(request: Request) -> None:
    """Fields that only mean something with another field (`Option.needs`) are refused without it."""
    options = request.options()
    lonely = [name for name, option in options.items() if option.needs and getattr(request, name) is not None
              and getattr(request, option.needs) is None]  # fmt: skip
    if lonely:
        needed = options[lonely[0]].needs
        raise TitanValidationError(
            " / ".join(lonely), "set", f"only with a {needed}", hint=f"add a {needed.replace('_', ' ')} or clear these"
        )


def _missing(name: str, option: Option, spec: ModelSpec) -> None:
    if option.kind is Kind.TEXT:
        raise TitanValidationError(
            name,
            None,
            f"1 to {spec.prompt_max} characters",
            problem="the prompt is empty",
            hint="describe the image you want",
        )
    raise TitanValidationError(name, None, f"a {option.label.lower()}", problem="required")


def _refuse_task(spec: ModelSpec, request: Request, reason: str) -> None:
    from . import TASKS

    doable = ", ".join(kind.label for kind in TASKS.values() if spec.supports(kind.task))
    raise TitanValidationError(
        "task",
        request.label,
        f"{doable} on {spec.name}",
        problem="not supported by this model",
        hint=f"{reason}; pick another model" if request.task in spec.unavailable_tasks else "pick another model",
    )


def _shown(value: Any) -> Any:
    return "an image" if isinstance(value, (BodyImage, Image.Image, bytes)) else value


# --- settings every generating task shares --------------------------------------------------


@dataclass(kw_only=True)
class Seeded:
    """How many images, and the seed of the first (image i uses seed + i)."""

    number_of_images: int | None = opt(NUMBER_OF_IMAGES)
    seed: int | None = opt(SEED)


@dataclass(kw_only=True)
class GenerationSettings(Seeded):
    """Titan's imageGenerationConfig: count, quality, prompt strength and seed."""

    quality: str | None = opt(QUALITY)
    cfg_scale: float | None = opt(CFG_SCALE)


@dataclass(kw_only=True)
class OutputSize:
    """width × height of the output (both or neither), checked against the model's sizes."""

    width: int | None = opt(WIDTH)
    height: int | None = opt(HEIGHT)

    def check(self, spec: ModelSpec) -> None:
        if (self.width is None) != (self.height is None):
            raise TitanValidationError("width / height", "only one of the two", "both or neither")
        if self.width is not None and self.height is not None:
            problem = spec.size_problem(self.width, self.height)
            if problem:
                raise TitanValidationError(
                    "width / height",
                    f"{self.width}×{self.height}",
                    f"{spec.describe_sizes()} for {spec.name}",
                    problem=problem,
                )
        super().check(spec)  # type: ignore[misc]
