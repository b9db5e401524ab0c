"""Stability AI on Bedrock: each task goes to the Stability service that does it.

A Stability `ModelSpec` (Stable Image Core, Ultra, SD3.5 Large) is a text-to-image model;
every other task runs on one of Stability's single-purpose image services. Each task
module declares a `StabilityTask`: its routes (e.g. inpaint → Inpaint, Erase Object or
Search and Replace), how a request picks one, and per route a `Native` body: which native
key carries which request field (`Key`s). From that one table this module

- builds the native bodies, one call per image with seeds seed, seed+1, ... (Stability
  makes one image per call), masks inverted (Stability: white = change), sizes sent as
  aspect ratios;
- picks the id and region per call: text-to-image models on demand in us-west-2, the
  image services through the "us." inference profile (us-east-1, us-east-2, us-west-2);
  a call leaves the engine's region only for another of the same geography;
- says what is not sent (a field no key of the route carries) instead of dropping it;
- reads a native body back into a request (`decode`: the emulator's check and the
  offline engine's input) and writes Stability's answer shape (`respond`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import TitanContentFilteredError, TitanModelUnavailableError, TitanValidationError
from ..images import decode_image_b64, encode_png_b64
from ..masks import invert_mask
from ..models import STABILITY_ASPECT_RATIOS, ModelSpec, ServiceModel, nearest_aspect_ratio, service_model
from ..tasks import Request, request_types
from ..tasks._base import BodyImage
from . import Answer, Call, Outcome, Price, register_family

OUTPUT_FORMAT = "png"
OUTPUT_FORMATS = ("png", "jpeg", "webp")
MAX_SEED = 4_294_967_294
FILTER_OUTPUT = "Filter reason: output image"
_INPUT_FILTERS = ("Filter reason: prompt", "Filter reason: input image")


# --- keys: how one native field is filled from a request and read back -------------------


class Key:
    """One native body key, filled from request fields (`put`) and read back into them (`take`)."""

    fields: tuple[str, ...] = ()

    def put(self, request: Request, spec: ModelSpec) -> Any:
        raise NotImplementedError

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Plain(Key):
    """The field's value as it is (text, numbers, choices)."""

    name: str

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.name,)

    def put(self, request: Request, spec: ModelSpec) -> Any:
        return getattr(request, self.name)

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        values[self.name] = value


@dataclass(frozen=True)
class Picture(Plain):
    """An image field as base64."""

    def put(self, request: Request, spec: ModelSpec) -> Any:
        image = getattr(request, self.name)
        return image.b64 if image is not None else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        values[self.name] = BodyImage.from_b64(value, field=key)


@dataclass(frozen=True)
class FirstImage(Plain):
    """The first image of a list field (SD3.5 image-to-image takes one reference)."""

    def put(self, request: Request, spec: ModelSpec) -> Any:
        images = getattr(request, self.name) or []
        return images[0].b64 if images else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        values[self.name] = [BodyImage.from_b64(value, field=key)]


@dataclass(frozen=True)
class InvertedMask(Plain):
    """A Titan mask (black = change) sent the Stability way (white = change), and read back."""

    def put(self, request: Request, spec: ModelSpec) -> Any:
        mask = getattr(request, self.name)
        return None if mask is None else _inverted(mask.b64, field="mask")

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        BodyImage.from_b64(value, field=key)
        values[self.name] = BodyImage.from_b64(_inverted(value, field=key), field=key)


def _inverted(b64: str, *, field: str) -> str:
    return encode_png_b64(invert_mask(decode_image_b64(b64, field=field)))


@dataclass(frozen=True)
class AspectRatio(Key):
    """width × height sent as the nearest of Stability's aspect ratios."""

    fields: tuple[str, ...] = ("width", "height")

    def put(self, request: Request, spec: ModelSpec) -> Any:
        width, height = getattr(request, "width", None), getattr(request, "height", None)
        return nearest_aspect_ratio(width, height) if width and height else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        if value not in STABILITY_ASPECT_RATIOS:
            raise TitanValidationError(key, value, ", ".join(STABILITY_ASPECT_RATIOS))
        values["width"], values["height"] = STABILITY_ASPECT_RATIOS[value]


@dataclass(frozen=True)
class Fixed(Key):
    """A constant the service requires (e.g. SD3.5's mode "image-to-image"); `sent` False: only accepted."""

    value: Any
    sent: bool = True

    def put(self, request: Request, spec: ModelSpec) -> Any:
        return self.value if self.sent else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        if value != self.value:
            raise TitanValidationError(key, value, f'"{self.value}" for this body')


@dataclass(frozen=True)
class Converted(Plain):
    """A field sent through a conversion (e.g. similarity → strength), read back through its inverse.

    When the field is not set, `default` is sent; `always` sends `send(None)` (the service requires the key).
    """

    send: Callable[[Any], Any] = field(default=lambda value: value, compare=False)
    read: Callable[[Any], Any] = field(default=lambda value: value, compare=False)
    default: Any = None
    always: bool = False

    def put(self, request: Request, spec: ModelSpec) -> Any:
        value = getattr(request, self.name)
        if value is None and self.default is not None:
            value = self.default
        return self.send(value) if value is not None or self.always else None

    def take(self, value: Any, values: dict[str, Any], *, key: str) -> None:
        values[self.name] = self.read(value)


# --- one service body, one task ------------------------------------------------------------


@dataclass(frozen=True)
class Native:
    """One Stability service's body: `service` (None: the picked model's own text-to-image id),
    `keys` (native key -> Key), and which keys Bedrock requires."""

    service: str | None
    keys: Mapping[str, Key]
    required: frozenset[str] = frozenset()
    implied: Mapping[str, Any] = field(default_factory=dict)
    """Fields the route itself stands for (Control Sketch means outlines): nothing is sent for them."""
    seeded: bool = True
    """False for services that take no seed (Remove Background, Fast Upscale)."""
    decodes: bool = True
    """False for an approximation route whose bodies are read back as the task they really are."""
    when: str = ""
    """When a task with several routes takes this one, in the page's words (README's price table)."""

    def service_for(self, spec: ModelSpec) -> ServiceModel:
        service = service_model(self.service or spec.model_id)
        assert service is not None, f"{self.service or spec.model_id} is not in titan.models.SERVICES"
        return service

    def fields(self) -> set[str]:
        carried = {name for key in self.keys.values() for name in key.fields} | set(self.implied)
        return carried | ({"seed", "number_of_images"} if self.seeded else {"number_of_images"})

    def body(self, request: Request, spec: ModelSpec) -> dict[str, Any]:
        body = {key: value for key, filler in self.keys.items() if (value := filler.put(request, spec)) is not None}
        return {**body, "output_format": OUTPUT_FORMAT}

    def native_name(self, field_name: str) -> str:
        """The native key that carries a request field, for messages about a received body
        ("left / right / top / bottom" becomes "left / right / up / down")."""
        if " / " in field_name:
            return " / ".join(self.native_name(part) for part in field_name.split(" / "))
        for key, filler in self.keys.items():
            if field_name in filler.fields or field_name.split("[", 1)[0] in filler.fields:
                return key
        return field_name


@dataclass(frozen=True)
class StabilityTask:
    """A task's Stability mapping: its routes, which one a request takes, and its own checks and notes."""

    routes: Mapping[str, Native]
    route: Callable[[Any], str] = field(default=lambda request: "default", compare=False)
    prepare: Callable[[Any], Any] | None = field(default=None, compare=False)
    """Adapt a request before its body is built (e.g. an outpaint canvas back to image + paddings)."""
    check: Callable[[ModelSpec, Any], None] | None = field(default=None, compare=False)
    notes: Callable[[ModelSpec, Any], list[str]] | None = field(default=None, compare=False)

    def native(self, request: Request) -> Native:
        return self.routes[self.route(request)]


def _mapping(request_type: type[Request]) -> StabilityTask:
    return request_type.mappings["stability"]


def _prepared(request: Request) -> Request:
    mapping = _mapping(type(request))
    return mapping.prepare(request) if mapping.prepare is not None else request


# --- the family ----------------------------------------------------------------------------


class StabilityFamily:
    """Runs requests on Stability's Bedrock models (one call per image)."""

    name = "stability"

    def calls(self, spec: ModelSpec, request: Request, *, region: str | None) -> list[Call]:
        request = _prepared(request)
        native = _mapping(type(request)).native(request)
        model_id, call_region = _route(native.service_for(spec), region)
        body = native.body(request, spec)
        seed, count = getattr(request, "seed", None), request.image_count()
        if not native.seeded:
            return [Call(model_id, dict(body), call_region) for _ in range(count)]
        if seed is None:  # no seed: each call draws its own and reports it back
            return [Call(model_id, dict(body), call_region) for _ in range(count)]
        return [Call(model_id, {**body, "seed": next_seed(int(seed), i)}, call_region) for i in range(count)]

    def check(self, spec: ModelSpec, request: Request) -> None:
        mapping = _mapping(type(request))
        if mapping.check is not None:
            mapping.check(spec, request)
        prepared = _prepared(request)
        native = mapping.native(prepared)
        for key in sorted(native.required):
            filler = native.keys[key]
            if filler.put(prepared, spec) is None:
                name = filler.fields[0] if filler.fields else key
                raise TitanValidationError(
                    name,
                    None,
                    f"set for {native.service_for(spec).name}",
                    problem="the prompt is empty" if key == "prompt" else "required",
                    hint="describe the image you want" if key == "prompt" else None,
                )

    def price(self, spec: ModelSpec, request: Request) -> Price:
        service = _mapping(type(request)).native(_prepared(request)).service_for(spec)
        count = request.image_count() if "number_of_images" in request.options() else 1
        return Price(service.price, count, service.name, service.model_id, service.price_confirmed)

    def notes(self, spec: ModelSpec, request: Request) -> list[str]:
        prepared = _prepared(request)
        mapping = _mapping(type(request))
        native = mapping.native(prepared)
        options = request.options()
        left_out = [options[name].label for name in prepared.set_fields() if name not in native.fields()]
        notes = []
        if left_out:
            service = native.service_for(spec).name
            notes.append(f"Not sent to {service}: {', '.join(left_out)} (Stability's service has no such setting).")
        if mapping.notes is not None:
            notes += mapping.notes(spec, prepared)
        if getattr(request, "seed", None) == 0:
            notes.append("Seed 0 means a random seed on Stability; the seed each image used is reported back.")
        return notes

    def carried(self, spec: ModelSpec, request: Request) -> tuple[set[str], str]:
        native = _mapping(type(request)).native(_prepared(request))
        return native.fields() - set(spec.refused_options), native.service_for(spec).name

    def takes(self, spec: ModelSpec, request_type: type[Request], name: str) -> bool:
        mapping = request_type.mappings.get("stability")
        if mapping is None or name in spec.refused_options:
            return False
        return any(name in native.fields() for native in mapping.routes.values())

    def merge(self, calls: list[Call], outcomes: list[dict[str, Any] | Exception]) -> Answer:
        """One answer from the per-call answers. A non-null finish reason means Stability withheld
        that image: it is dropped and the reason goes into `error` (the partial-result note)."""
        failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if failures and len(failures) == len(outcomes):
            raise failures[0]
        images: list[str] = []
        seeds: list[int | None] = []
        reasons: list[str] = []
        for call, outcome in zip(calls, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                _collect(call, outcome, images, seeds, reasons)
        if not images and reasons and all(reason in _INPUT_FILTERS for reason in reasons):
            raise TitanContentFilteredError(
                f"Stability's content filter blocked the request ({reasons[0]}). Rephrase the prompt or use "
                "another image.",
                stage="input",
                billed=None,
            )
        if not images and reasons:
            raise TitanContentFilteredError(
                f"The generated images were blocked by the content filter ({reasons[0]}). Try a different prompt "
                "or seed.",
                stage="output",
                billed=None,
            )
        problems = sorted(set(reasons))
        if failures:
            problems.append(f"{len(failures)} of {len(calls)} calls failed: {failures[0]}")
        return Answer(images, seeds, "; ".join(problems) or None)

    def decode(self, model_id: str, body: Any) -> Request:
        if not isinstance(body, dict):
            raise TitanValidationError("body", type(body).__name__, "a JSON object")
        request_type, native = _route_of(model_id, body)
        missing = sorted(native.required - set(body))
        if missing:
            raise TitanValidationError(", ".join(missing), None, "present", problem="required field")
        allowed = set(native.keys) | ({"seed", "output_format"} if native.seeded else {"output_format"})
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise TitanValidationError(", ".join(unknown), "given", ", ".join(sorted(allowed)), problem="not taken")
        if body.get("output_format", OUTPUT_FORMAT) not in OUTPUT_FORMATS:
            raise TitanValidationError("output_format", body["output_format"], " or ".join(OUTPUT_FORMATS))
        values: dict[str, Any] = dict(native.implied)
        for key, value in body.items():
            if key in native.keys:
                native.keys[key].take(value, values, key=key)
        if "number_of_images" in request_type.options():
            values["number_of_images"] = 1
        if native.seeded:
            values["seed"] = body.get("seed") or secrets.randbelow(MAX_SEED) + 1  # 0/absent: random, reported back
        return request_type(**values)

    def native_name(self, model_id: str, body: Any, field_name: str) -> str:
        """The native key behind a request field, to name it in an error about `body`."""
        try:
            return _route_of(model_id, body)[1].native_name(field_name)
        except TitanValidationError:
            return field_name

    def respond(self, model_id: str, request: Request, outcome: Outcome) -> dict[str, Any]:
        seeds = [seed or 0 for seed in outcome.seeds] or [getattr(request, "seed", None) or 0] * len(outcome.images)
        return {"images": outcome.images, "seeds": seeds, "finish_reasons": [None] * len(outcome.images)}

    def model_ids(self, spec: ModelSpec) -> tuple[str, ...]:
        ids = [spec.model_id]
        for request_type in request_types():
            mapping = request_type.mappings.get("stability")
            if mapping is not None and spec.supports(request_type.task):
                ids += [native.service_for(spec).model_id for native in mapping.routes.values()]
        return tuple(dict.fromkeys(ids))


def next_seed(seed: int, step: int) -> int:
    """Image `step`'s seed: seed + step, wrapping past the largest seed to 1, never to 0 (Stability's "random")."""
    value = seed + step
    return value if value <= MAX_SEED else (value - 1) % MAX_SEED + 1


def _route(service: ServiceModel, region: str | None) -> tuple[str, str | None]:
    """The id and region to call `service` by, or a refusal naming the regions that serve it."""
    routed = service.route(region)
    if routed is None:
        raise TitanModelUnavailableError(
            f"{service.name} is not offered in {region} on Amazon Bedrock; it runs in {', '.join(service.regions)}. "
            "Start the playground with --region us-west-2, where every Stability task works.",
            model_id=service.model_id,
        )
    return routed


def _route_of(model_id: str, body: Any) -> tuple[type[Request], Native]:
    """Which task and route a body sent to `model_id` is (SD3.5 has two, told apart by `mode`)."""
    service = service_model(model_id)
    candidates = []
    for request_type in request_types():
        mapping = request_type.mappings.get("stability")
        for native in mapping.routes.values() if mapping else ():
            own = native.service is None and service is not None and service.on_demand_regions
            if native.decodes and (native.service == (service.model_id if service else None) or own):
                candidates.append((request_type, native))
    if not candidates:
        raise TitanValidationError("model_id", model_id, "a Stability model id", problem="not a Stability model")
    fitting = [(request_type, native) for request_type, native in candidates if _fixed_match(native, body)]
    fitting.sort(key=lambda pair: -sum(isinstance(filler, Fixed) and filler.sent for filler in pair[1].keys.values()))
    return (fitting or candidates)[0]


def _fixed_match(native: Native, body: dict[str, Any]) -> bool:
    fixed = [(key, filler) for key, filler in native.keys.items() if isinstance(filler, Fixed)]
    return all(body.get(key, None if filler.sent else filler.value) == filler.value for key, filler in fixed)


def _collect(call: Call, answer: dict[str, Any], images: list, seeds: list, reasons: list) -> None:
    found = list(answer.get("images") or [])
    finish = list(answer.get("finish_reasons") or [])
    returned = list(answer.get("seeds") or [])
    if answer.get("error"):  # a Titan-shaped answer (test engines) says it this way
        reasons.append(str(answer["error"]))
    reasons += [str(reason) for reason in finish[len(found) :] if reason]
    for index, image in enumerate(found):
        reason = finish[index] if index < len(finish) else None
        if reason:
            reasons.append(str(reason))
            continue
        images.append(image)
        seed = returned[index] if index < len(returned) else call.body.get("seed")
        seeds.append(seed or None)  # 0: no seed was used (the fast upscaler)


def filtered_answer(answer: dict[str, Any], keep: int) -> dict[str, Any]:
    """A Stability answer with images after the first `keep` withheld, as its filter reports it
    (the emulator's output-filter fault: no image and a "Filter reason: output image")."""
    images = list(answer.get("images") or [])
    seeds = list(answer.get("seeds") or [0] * len(images))
    if keep <= 0:
        return {"seeds": seeds[:1] or [0], "finish_reasons": [FILTER_OUTPUT]}
    return {"images": images[:keep], "seeds": seeds[:keep], "finish_reasons": [None] * len(images[:keep])}


register_family(StabilityFamily())
