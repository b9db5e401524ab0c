"""Model families: how a typed request reaches one family's models, and back.

A family turns a validated request into the exact `invoke_model` calls its models take
(`calls`), prices them (`price`), says what it does differently (`notes`), merges the
answers (`merge`), and — for whoever *receives* its bodies (the offline engine, the
emulator) — reads a body back into a request (`decode`) and writes the family's answer
shape (`respond`). The per-task knowledge (which key carries which field) lives in each
task module's `mappings`; a family module holds only the mechanics.

Families are registered by name (`ModelSpec.family`); the module `titan.families.<name>`
is imported the first time one of its models is used, so a new family is one file.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..models import ModelSpec, service_model

if TYPE_CHECKING:
    from ..tasks import Request


@dataclass(frozen=True)
class Call:
    """One invoke_model call: the id called, the exact body, and the region it goes to (None: the engine's)."""

    model_id: str
    body: dict[str, Any]
    region: str | None = None


@dataclass
class Answer:
    """What a family's answers amount to: images as base64, each one's seed, and what was withheld."""

    images: list[str]
    seeds: list[int | None]
    error: str | None = None
    mask: str | None = None


@dataclass(frozen=True)
class Price:
    """What a request costs if every image comes back: `images` × `per_image` USD, sold as `service`."""

    per_image: float
    images: int
    service: str
    service_id: str
    confirmed: bool = True

    @property
    def total(self) -> float:
        return round(self.per_image * self.images, 4)


@dataclass
class Outcome:
    """What an engine made for one decoded request: images (base64 PNG) and their seeds."""

    images: list[str]
    seeds: list[int | None] = field(default_factory=list)
    mask: str | None = None


class Family(Protocol):
    name: str

    def calls(self, spec: ModelSpec, request: Request, *, region: str | None) -> list[Call]:
        """The calls that serve a validated `request` from an engine in `region`."""
        ...

    def check(self, spec: ModelSpec, request: Request) -> None:
        """Refuse (TitanValidationError) what this family cannot do with an otherwise valid request."""
        ...

    def price(self, spec: ModelSpec, request: Request) -> Price: ...

    def notes(self, spec: ModelSpec, request: Request) -> list[str]:
        """What this request changes or leaves out on `spec`, in plain sentences."""
        ...

    def takes(self, spec: ModelSpec, request_type: type[Request], name: str) -> bool:
        """Whether a call for `request_type` on `spec` can carry the field `name`."""
        ...

    def carried(self, spec: ModelSpec, request: Request) -> tuple[set[str], str]:
        """The fields the calls for this very request carry, and the name of what serves it."""
        ...

    def merge(self, calls: list[Call], outcomes: list[dict[str, Any] | Exception]) -> Answer: ...

    def decode(self, model_id: str, body: Any) -> Request:
        """The request a received body asks for (not yet validated); TitanValidationError when malformed."""
        ...

    def respond(self, model_id: str, request: Request, outcome: Outcome) -> dict[str, Any]:
        """The family's answer body for what an engine made."""
        ...

    def model_ids(self, spec: ModelSpec) -> tuple[str, ...]:
        """Every model id a request on `spec` may call (for model access checks)."""
        ...


_FAMILIES: dict[str, Family] = {}


def register_family(family: Family) -> None:
    """Make a family available by its `name` (ModelSpec.family)."""
    _FAMILIES[family.name] = family


def family_named(name: str) -> Family:
    if name not in _FAMILIES:
        importlib.import_module(f"{__name__}.{name}")
    return _FAMILIES[name]


def family_for(spec: ModelSpec) -> Family:
    """The adapter for `spec.family`; its module registers it when first imported."""
    return family_named(spec.family)


def family_of_model_id(model_id: str) -> Family:
    """The family whose bodies `model_id` takes: Stability for its services and models, else Titan's."""
    return family_named("stability" if service_model(model_id) is not None else "titan")


def spec_for_model_id(model_id: str) -> ModelSpec:
    """The spec whose limits apply to a body sent to `model_id` (a service id maps to its family's first model)."""
    from ..models import MODELS, get_model, strip_profile

    if strip_profile(model_id) in MODELS:
        return get_model(model_id)
    family = family_of_model_id(model_id).name
    first = next(spec for spec in MODELS.values() if spec.family == family)
    service = service_model(model_id)
    return dataclasses.replace(first, name=service.name) if service is not None else first
