"""`TitanClient`: any task on any engine, from one typed request.

    client = TitanClient(engine="auto", model_id="stability.stable-image-core-v1:1")
    result = client.run(TextImageRequest("A red bucket on a beach", width=1024, height=1024, seed=7))
    result = client.text_image("A red bucket on a beach", seed=7)    # the same, by the task's API name
    result.images[0].save("bucket.png")

A run validates the request once against the model's limits (nothing is sent when it
fails), turns it into the family's calls, sends them (several side by side), and merges
the answers. `plan()` does everything but sending: the UI prices and budgets a plan, then
`send()`s it without checking it again.
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .engines import Engine, make_engine
from .errors import TitanError, TitanModelUnavailableError
from .families import Call, Price, family_for
from .images import check_image_bytes, decode_b64, load_image
from .models import DEFAULT_MODEL_ID, ModelSpec, get_model
from .tasks import Request, request_type, request_types


@dataclass
class Plan:
    """A validated request ready to send: its calls, what it costs and what it changes. Nothing sent yet."""

    spec: ModelSpec
    request: Request
    calls: list[Call]
    price: Price
    notes: list[str]
    billed: bool

    @property
    def cost_usd(self) -> float:
        """What it costs if every image comes back (0 on an engine that is not billed)."""
        return self.price.total if self.billed else 0.0


@dataclass
class GenerationResult:
    """What a run returns: the images exactly as the model sent them, and what produced them."""

    raw_images: list[bytes]
    """The PNG bytes exactly as the model returned them (saved to History unchanged)."""
    request: Request
    calls: list[Call]
    model_id: str
    engine: str
    billed: bool
    price: Price
    seeds: list[int | None]
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    """Set when fewer images came back than were asked for (a content filter withheld some)."""
    mask_image: bytes | None = None
    elapsed_s: float = 0.0

    @functools.cached_property
    def images(self) -> list[Image.Image]:
        """The images as PIL, decoded on first use (saving to History needs only the bytes)."""
        return [load_image(raw, field="response image") for raw in self.raw_images]

    @property
    def task(self) -> str:
        return self.request.task

    @property
    def body(self) -> dict[str, Any]:
        """The first call's exact body (for the Titan family, the only one)."""
        return self.calls[0].body

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the first image, read from its header (no pixels decoded)."""
        with Image.open(io.BytesIO(self.raw_images[0])) as first:
            return first.size

    @property
    def seed(self) -> int | None:
        return getattr(self.request, "seed", None)

    @property
    def image_seeds(self) -> list[int | None]:
        return self.seeds

    @property
    def requested(self) -> int:
        return self.price.images

    @property
    def partial(self) -> bool:
        """True when the model returned fewer images than asked (some were filtered)."""
        return len(self.raw_images) < self.requested

    @property
    def cost_usd(self) -> float:
        """What the run cost: the images that came back, priced by the service that made them."""
        return round(self.price.per_image * len(self.raw_images), 4) if self.billed else 0.0


class TitanClient:
    """Runs any task on an engine: "bedrock", "offline", "auto" or any `Engine` object.

    "auto" picks Bedrock when boto3 finds AWS credentials, else the offline preview engine.
    `region=None` lets the environment decide (AWS_REGION / AWS_DEFAULT_REGION / the AWS
    config, else us-west-2). `endpoint_url` (or AWS_ENDPOINT_URL_BEDROCK_RUNTIME) points the
    Bedrock engine elsewhere, e.g. at the local emulator. `request_timeout` bounds a whole
    request, retries included.

    Every task is also a method named after its API name (`text_image`, `inpaint`, ...):
    `client.inpaint(image, mask_image=mask, text="...")` is `client.run(InpaintRequest(...))`.
    """

    def __init__(
        self,
        engine: str | Engine = "auto",
        model_id: str = DEFAULT_MODEL_ID,
        region: str | None = None,
        **engine_options: Any,
    ) -> None:
        self.spec: ModelSpec = get_model(model_id)
        self.model_id = model_id
        self.engine: Engine = make_engine(engine, region=region, **engine_options)

    @property
    def region(self) -> str | None:
        return getattr(self.engine, "region", None)

    def with_model(self, model_id: str) -> TitanClient:
        """The same engine, another model."""
        clone = object.__new__(TitanClient)
        clone.spec, clone.model_id, clone.engine = get_model(model_id), model_id, self.engine
        return clone

    # --- the one path every task takes ------------------------------------------------

    def plan(self, request: Request) -> Plan:
        """Validate `request` on this model and work out its calls, price and notes; nothing is sent."""
        family = family_for(self.spec)
        prepared = request.validate(self.spec)
        return Plan(
            spec=self.spec,
            request=prepared,
            calls=family.calls(self.spec, prepared, region=self.region),
            price=family.price(self.spec, prepared),
            notes=family.notes(self.spec, prepared),
            billed=bool(getattr(self.engine, "billed", False)),
        )

    def send(self, plan: Plan, *, deadline: float | None = None) -> GenerationResult:
        """Send a plan's calls (side by side when several) and merge the answers."""
        started = time.perf_counter()
        outcomes = _invoke_all(self.engine, plan.calls, deadline)
        try:
            answer = family_for(plan.spec).merge(plan.calls, outcomes)
        except TitanModelUnavailableError as error:
            raise _with_suggestion(error, self.spec, self.region) from None
        raw_images = [decode_b64(data, field="response image") for data in answer.images]
        for raw in raw_images:
            check_image_bytes(raw, field="response image")
        return GenerationResult(
            raw_images=raw_images,
            request=plan.request,
            calls=plan.calls,
            model_id=self.model_id,
            engine=self.engine.name,
            billed=plan.billed,
            price=plan.price,
            seeds=answer.seeds,
            notes=plan.notes,
            error=_partial_note(answer.error, len(raw_images), plan.price.images),
            mask_image=decode_b64(answer.mask, field="maskImage") if answer.mask else None,
            elapsed_s=time.perf_counter() - started,
        )

    def run(self, request: Request, *, deadline: float | None = None) -> GenerationResult:
        """Validate, send and merge: the whole request."""
        return self.send(self.plan(request), deadline=deadline)

    def calls(self, request: Request) -> list[Call]:
        """The exact calls `request` would make on this model, validated; nothing is sent."""
        return self.plan(request).calls

    def __getattr__(self, name: str) -> Callable[..., GenerationResult]:
        for kind in request_types():
            if kind.api_name == name:
                return lambda *args, **kwargs: self.run(kind.create(*args, **kwargs))
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def request(self, task: str, *args: Any, **kwargs: Any) -> Request:
        """A request for `task` (type or API name), unknown settings refused with their names."""
        return request_type(task).create(*args, **kwargs)


def _invoke_all(engine: Engine, calls: list[Call], deadline: float | None) -> list[dict[str, Any] | Exception]:
    """Every call's answer or TitanError, in call order; several calls run side by side."""

    def one(call: Call) -> dict[str, Any] | Exception:
        try:
            return engine.invoke(call.model_id, call.body, region=call.region, deadline=deadline)
        except TitanError as exc:
            return exc

    if len(calls) == 1:
        return [one(calls[0])]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="titan-call") as pool:
        return list(pool.map(one, calls))


def _with_suggestion(
    error: TitanModelUnavailableError, spec: ModelSpec, region: str | None
) -> TitanModelUnavailableError:
    """The refusal with a usable model to switch to (from the lifecycle report, cached: no call)."""
    if error.suggestion is not None:
        return error
    from .lifecycle import suggest_replacement

    suggestion = suggest_replacement(spec.model_id, region=region)
    advice = f" Switch to {suggestion}." if suggestion else " Pick an active model."
    return TitanModelUnavailableError(
        error.message + advice,
        model_id=error.model_id,
        suggestion=suggestion,
        code=error.code,
        request_id=error.request_id,
    )


def _partial_note(error: str | None, got: int, requested: int) -> str | None:
    if got < requested:
        reason = f" ({error})" if error else ""
        return f"{requested - got} of {requested} images were withheld by the content filter{reason}."
    return error or None
