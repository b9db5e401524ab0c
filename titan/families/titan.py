"""The Titan family (Titan v1/v2, Nova Canvas): one call, the body shape of Titan's user guide.

    {"taskType": T, "<paramsKey>": {...}, "imageGenerationConfig": {...}}

Each task module declares a `TitanBody`: its task type, params key and which request
field goes under which JSON key. Everything else is generic: images are base64, only set
fields are sent, and the same table reads a body back (`decode`), so the emulator and the
offline engine understand exactly what the client sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import TitanContentFilteredError, TitanServiceError, TitanValidationError
from ..fields import Kind
from ..models import ModelSpec
from ..tasks import Request, request_types
from ..tasks._base import BodyImage
from . import Answer, Call, Outcome, Price, register_family

CONFIG_KEY = "imageGenerationConfig"
#: imageGenerationConfig keys by request field.
CONFIG_FIELDS: dict[str, str] = {
    "number_of_images": "numberOfImages",
    "quality": "quality",
    "width": "width",
    "height": "height",
    "cfg_scale": "cfgScale",
    "seed": "seed",
}


@dataclass(frozen=True)
class TitanBody:
    """How one task's request becomes a Titan body: `params` maps request fields to params keys.

    `config` says whether the task takes imageGenerationConfig. `encode` and `decode` adapt
    the request first where the body's shape differs from the request's (e.g. outpainting
    sends a padded canvas, not an image and paddings).
    """

    task_type: str
    params_key: str
    params: Mapping[str, str]
    config: bool = True
    required: frozenset[str] = frozenset()
    """Request fields Titan requires for this task beyond the request's own required ones."""
    encode: Callable[[Any], Any] | None = field(default=None, compare=False)
    decode: Callable[[Any], Any] | None = field(default=None, compare=False)
    derived: frozenset[str] = frozenset()
    """Request fields `encode` turns into others, so they are sent though no key names them
    (outpainting's paddings become the canvas and its mask)."""

    def fields(self) -> set[str]:
        return set(self.params) | set(self.derived) | (set(CONFIG_FIELDS) if self.config else set())


def _mapping(request_type: type[Request]) -> TitanBody:
    return request_type.mappings["titan"]


def _json(value: Any) -> Any:
    if isinstance(value, BodyImage):
        return value.b64
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def body_of(request: Request) -> dict[str, Any]:
    """The Titan body for a validated `request`: only the fields it sets."""
    mapping = _mapping(type(request))
    if mapping.encode is not None:
        request = mapping.encode(request)
    params = {key: _json(getattr(request, name)) for name, key in mapping.params.items()}
    body: dict[str, Any] = {
        "taskType": mapping.task_type,
        mapping.params_key: {key: value for key, value in params.items() if value is not None},
    }
    if mapping.config:
        config = {key: getattr(request, name, None) for name, key in CONFIG_FIELDS.items()}
        config = {key: value for key, value in config.items() if value is not None}
        if config:
            body[CONFIG_KEY] = config
    return body


class TitanFamily:
    """Titan v1/v2 and Nova Canvas: the body goes unchanged to the chosen model id."""

    name = "titan"

    def calls(self, spec: ModelSpec, request: Request, *, region: str | None) -> list[Call]:
        return [Call(spec.model_id, body_of(request), region)]

    def check(self, spec: ModelSpec, request: Request) -> None:
        """The fields Titan requires for this task (the request's own checks are Titan's other rules)."""
        for name in sorted(_mapping(type(request)).required):
            if getattr(request, name) is None:
                raise TitanValidationError(
                    name,
                    None,
                    f"1 to {spec.prompt_max} characters for {request.label.lower()} on {spec.name}",
                    problem="the prompt is empty",
                    hint="describe the image you want",
                )

    def price(self, spec: ModelSpec, request: Request) -> Price:
        width, height = _output_size(request)
        per_image = spec.price_per_image(getattr(request, "quality", None), width, height)
        count = request.image_count() if _mapping(type(request)).config else 1
        return Price(per_image, count, spec.name, spec.model_id)

    def notes(self, spec: ModelSpec, request: Request) -> list[str]:
        mapping = _mapping(type(request))
        options = request.options()
        left_out = [options[name].label for name in request.set_fields() if name not in mapping.fields()]
        if not left_out:
            return []
        return [f"Not sent to {spec.name}: {', '.join(left_out)} (the {spec.name} API has no such setting)."]

    def carried(self, spec: ModelSpec, request: Request) -> tuple[set[str], str]:
        kind = type(request)
        return {name for name in kind.options() if self.takes(spec, kind, name)}, spec.name

    def takes(self, spec: ModelSpec, request_type: type[Request], name: str) -> bool:
        mapping = request_type.mappings.get("titan")
        if mapping is None or name in spec.refused_options or name not in mapping.fields():
            return False
        option = request_type.options()[name]
        return not (option.kind is Kind.CHOICE and option.limits and not spec.choices.get(option.limits))

    def merge(self, calls: list[Call], outcomes: list[dict[str, Any] | Exception]) -> Answer:
        [outcome] = outcomes
        if isinstance(outcome, Exception):
            raise outcome
        images = outcome.get("images") or []
        if not isinstance(images, list):
            raise TitanServiceError("The model's answer had no image list; try again.")
        error = outcome.get("error")
        if not images:
            if error:
                raise TitanContentFilteredError(
                    f"The generated images were blocked by the content filter: {error} Try a different prompt or seed.",
                    stage="output",
                    billed=None,
                )
            raise TitanServiceError("The model returned no images and no reason; try again.")
        seed = calls[0].body.get(CONFIG_KEY, {}).get("seed")
        seeds = outcome.get("seeds")
        if not (isinstance(seeds, list) and len(seeds) == len(images)):
            seeds = [seed] * len(images)
        return Answer(images, seeds, error or None, outcome.get("maskImage"))

    def decode(self, model_id: str, body: Any) -> Request:
        if not isinstance(body, dict):
            raise TitanValidationError("body", type(body).__name__, "a JSON object")
        request_type = _request_type_of(body.get("taskType"))
        mapping = _mapping(request_type)
        params = body.get(mapping.params_key)
        if not isinstance(params, dict):
            raise TitanValidationError(
                mapping.params_key, type(params).__name__, f"an object with the {request_type.label} fields"
            )
        values = _read(params, {key: name for name, key in mapping.params.items()}, mapping.params_key, request_type)
        config = body.get(CONFIG_KEY)
        if config is not None:
            if not mapping.config:
                raise TitanValidationError(
                    "generation settings", CONFIG_KEY, f"none for {request_type.label.lower()}",
                    problem="not taken by this task",
                )  # fmt: skip
            if not isinstance(config, dict):
                raise TitanValidationError(CONFIG_KEY, type(config).__name__, "an object")
            taken = {key: name for name, key in CONFIG_FIELDS.items() if name in request_type.options()}
            # Titan v2 takes a width/height with an edit and ignores it (the output has the input's
            # size); History runs stored before requests were typed carry them
            ignored = set(CONFIG_FIELDS.values()) - set(taken)
            values |= _read({k: v for k, v in config.items() if k not in ignored}, taken, CONFIG_KEY, request_type)
        unknown = sorted(set(body) - {"taskType", mapping.params_key, CONFIG_KEY})
        if unknown:
            raise TitanValidationError(", ".join(unknown), "given", "taskType, the task's params and " + CONFIG_KEY)
        request = request_type(**values)
        return mapping.decode(request) if mapping.decode is not None else request

    def respond(self, model_id: str, request: Request, outcome: Outcome) -> dict[str, Any]:
        answer: dict[str, Any] = {"images": outcome.images, "error": None}
        if outcome.seeds:
            answer["seeds"] = outcome.seeds
        if outcome.mask is not None:
            answer["maskImage"] = outcome.mask
        return answer

    def model_ids(self, spec: ModelSpec) -> tuple[str, ...]:
        return (spec.model_id,)


def _request_type_of(task_type: Any) -> type[Request]:
    for request_type in request_types():
        mapping = request_type.mappings.get("titan")
        if mapping is not None and mapping.task_type == task_type:
            return request_type
    known = ", ".join(t.mappings["titan"].task_type for t in request_types() if "titan" in t.mappings)
    raise TitanValidationError("taskType", task_type, known)


def _read(data: dict[str, Any], names: dict[str, str], where: str, request_type: type[Request]) -> dict[str, Any]:
    """Request field values from one object of a body; unknown keys are refused, images kept encoded."""
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise TitanValidationError(
            ", ".join(unknown), "a field this task does not take", f"only {', '.join(sorted(names))} in {where}",
            problem="unsupported field",
        )  # fmt: skip
    options = request_type.options()
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = names[key]
        kind = options[name].kind
        if kind in (Kind.IMAGE, Kind.MASK):
            value = BodyImage.from_b64(value, field=name)
        elif kind is Kind.IMAGES and isinstance(value, list):
            value = [BodyImage.from_b64(item, field=f"{name}[{i}]") for i, item in enumerate(value)]
        values[name] = value
    return values


def _output_size(request: Request) -> tuple[int, int]:
    """The priced output size: the request's width × height, else its input image's, else 1024²."""
    width, height = getattr(request, "width", None), getattr(request, "height", None)
    if width and height:
        return int(width), int(height)
    size = getattr(request, "output_size", None)
    return size() if callable(size) else (1024, 1024)


register_family(TitanFamily())
