"""`TitanClient`: one method per Titan task, the same on every engine.

    client = TitanClient(engine="auto")
    result = client.text_image("A red bucket on a beach", width=1024, height=1024, seed=7)
    result.images[0].save("bucket.png")

Each call builds the body (only the fields you set), validates it against the model's
limits before anything is sent, hands it to the engine, and decodes the answer.
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .engines.base import Engine
from .errors import TitanContentFilteredError, TitanServiceError, TitanValidationError
from .families import Call, family_for
from .images import ImageInput, check_image_bytes, decode_b64, decode_image_b64, load_image
from .models import DEFAULT_MODEL_ID, ModelSpec, Task, get_model
from .tasks import TASK_MODULES, check_supported, validate_body

ENGINE_NAMES = ("auto", "bedrock", "offline")


@dataclass
class GenerationResult:
    """What a task call returns.

    `body` is the request in the Titan vocabulary; for the Titan family (Titan, Nova) it
    is exactly the JSON object sent. `calls` lists what was really sent, per family.
    """

    raw_images: list[bytes]
    """The PNG bytes exactly as the model returned them (saved to history unchanged)."""
    body: dict[str, Any]
    task: Task
    model_id: str
    engine: str
    requested: int
    error: str | None = None
    mask_image: Image.Image | None = None
    elapsed_s: float = 0.0
    response: dict[str, Any] = field(default_factory=dict, repr=False)
    calls: list[Call] = field(default_factory=list, repr=False)
    """The invoke_model calls made: (model_id, exact body). For the Titan family, one call with `body`."""

    @functools.cached_property
    def images(self) -> list[Image.Image]:
        """The images as PIL, decoded on first use (saving to history needs only the bytes)."""
        return [load_image(raw, field="response image") for raw in self.raw_images]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the first image, read from its header (no pixels decoded)."""
        with Image.open(io.BytesIO(self.raw_images[0])) as first:
            return first.size

    @property
    def seed(self) -> int | None:
        return self.body.get("imageGenerationConfig", {}).get("seed")

    @property
    def image_seeds(self) -> list[int | None]:
        """Each image's own seed when the engine reports it (offline, Stability), else the request's."""
        seeds = self.response.get("seeds")
        if isinstance(seeds, list) and len(seeds) == len(self.raw_images):
            return seeds
        return [self.seed] * len(self.raw_images)

    @property
    def partial(self) -> bool:
        """True when the model returned fewer images than asked (some were filtered)."""
        return len(self.raw_images) < self.requested


class TitanClient:
    """Runs Titan tasks on an engine: "bedrock", "offline", "auto" or any `Engine` object.

    "auto" picks Bedrock when boto3 finds AWS credentials, else the offline preview engine.
    `region=None` lets boto3's own chain decide. `endpoint_url` (or the standard
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME variable) points the Bedrock engine elsewhere, e.g. at
    the local emulator.
    """

    def __init__(
        self,
        engine: str | Engine = "auto",
        model_id: str = DEFAULT_MODEL_ID,
        region: str | None = None,
        *,
        profile: str | None = None,
        endpoint_url: str | None = None,
        read_timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> None:
        self.spec: ModelSpec = get_model(model_id)
        self.model_id = model_id
        self.engine: Engine = make_engine(
            engine,
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
            read_timeout=read_timeout,
            max_attempts=max_attempts,
        )

    @property
    def region(self) -> str | None:
        return getattr(self.engine, "region", None)

    def with_model(self, model_id: str) -> TitanClient:
        """The same engine, another model."""
        clone = object.__new__(TitanClient)
        clone.spec, clone.model_id, clone.engine = get_model(model_id), model_id, self.engine
        return clone

    # --- tasks ------------------------------------------------------------------------

    def text_image(
        self,
        text: str,
        *,
        negative_text: str | None = None,
        condition_image: ImageInput | None = None,
        control_mode: str | None = None,
        control_strength: float | None = None,
        style: str | None = None,
        **config: Any,
    ) -> GenerationResult:
        """TEXT_IMAGE, optionally conditioned on a Canny-edge or segmentation image."""
        return self._run(
            Task.TEXT_IMAGE,
            text,
            negative_text=negative_text,
            condition_image=condition_image,
            control_mode=control_mode,
            control_strength=control_strength,
            style=style,
            **config,
        )

    def inpaint(
        self,
        image: ImageInput,
        *,
        text: str | None = None,
        mask_image: ImageInput | None = None,
        mask_prompt: str | None = None,
        negative_text: str | None = None,
        return_mask: bool | None = None,
        **config: Any,
    ) -> GenerationResult:
        """INPAINTING: change the black area of `mask_image` (or what `mask_prompt` names).

        Without `text` the masked object is removed (the body then has no text key).
        """
        return self._run(
            Task.INPAINTING,
            image,
            text=text,
            mask_image=mask_image,
            mask_prompt=mask_prompt,
            negative_text=negative_text,
            return_mask=return_mask,
            **config,
        )

    def outpaint(
        self,
        image: ImageInput,
        *,
        text: str,
        mask_image: ImageInput | None = None,
        mask_prompt: str | None = None,
        mode: str | None = None,
        negative_text: str | None = None,
        return_mask: bool | None = None,
        **config: Any,
    ) -> GenerationResult:
        """OUTPAINTING: keep the black area of `mask_image` and generate the rest."""
        return self._run(
            Task.OUTPAINTING,
            image,
            text=text,
            mask_image=mask_image,
            mask_prompt=mask_prompt,
            mode=mode,
            negative_text=negative_text,
            return_mask=return_mask,
            **config,
        )

    def variation(
        self,
        images: Sequence[ImageInput] | ImageInput,
        *,
        text: str | None = None,
        negative_text: str | None = None,
        similarity_strength: float | None = None,
        **config: Any,
    ) -> GenerationResult:
        """IMAGE_VARIATION of one to five reference images."""
        return self._run(
            Task.IMAGE_VARIATION,
            images,
            text=text,
            negative_text=negative_text,
            similarity_strength=similarity_strength,
            **config,
        )

    def color_guided(
        self,
        text: str,
        colors: Sequence[str],
        *,
        reference_image: ImageInput | None = None,
        negative_text: str | None = None,
        **config: Any,
    ) -> GenerationResult:
        """COLOR_GUIDED_GENERATION from one to ten hex colours."""
        return self._run(
            Task.COLOR_GUIDED_GENERATION,
            text,
            colors,
            reference_image=reference_image,
            negative_text=negative_text,
            **config,
        )

    def remove_background(self, image: ImageInput) -> GenerationResult:
        """BACKGROUND_REMOVAL: an RGBA image with a transparent background."""
        return self._run(Task.BACKGROUND_REMOVAL, image)

    # --- the one path every task takes ------------------------------------------------

    def build_body(self, task: Task, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The exact body a task call would send, validated; nothing is sent."""
        check_supported(self.spec, task)
        body = TASK_MODULES[task].build_body(self.spec, *args, **kwargs)
        validate_body(self.spec, body)
        return body

    def invoke_body(self, body: dict[str, Any]) -> GenerationResult:
        """Validate and run a ready body (e.g. one restored from history)."""
        return self._send(validate_body(self.spec, body), body)

    def _run(self, task: Task, *args: Any, **kwargs: Any) -> GenerationResult:
        return self._send(task, self.build_body(task, *args, **kwargs))

    def _send(self, task: Task, body: dict[str, Any]) -> GenerationResult:
        started = time.perf_counter()
        response, calls = family_for(self.spec).invoke(self.engine, self.spec, task, body)
        result = _result(task, body, response, self, time.perf_counter() - started)
        result.calls = calls
        return result


def _result(
    task: Task, body: dict[str, Any], response: dict[str, Any], client: TitanClient, elapsed: float
) -> GenerationResult:
    encoded = response.get("images") or []
    if not isinstance(encoded, list):
        raise TitanServiceError("The model's answer had no image list; try again.")
    error = response.get("error")
    requested = body.get("imageGenerationConfig", {}).get("numberOfImages", 1)
    if not encoded:
        if error:
            raise TitanContentFilteredError(
                f"The generated images were blocked by the content filter: {error} Try a different prompt or seed.",
                stage="output",
                billed=None,
            )
        raise TitanServiceError("The model returned no images and no reason; try again.")
    raw_images = [decode_b64(data, field="response image") for data in encoded]
    for raw in raw_images:
        check_image_bytes(raw, field="response image")
    mask = response.get("maskImage")
    return GenerationResult(
        raw_images=raw_images,
        body=body,
        task=task,
        model_id=client.model_id,
        engine=client.engine.name,
        requested=requested,
        error=_partial_note(error, len(raw_images), requested),
        mask_image=decode_image_b64(mask, field="maskImage") if mask else None,
        elapsed_s=elapsed,
        response={key: value for key, value in response.items() if key not in ("images", "maskImage")},
    )


def _partial_note(error: str | None, got: int, requested: int) -> str | None:
    if got < requested:
        reason = f" ({error})" if error else ""
        return f"{requested - got} of {requested} images were withheld by the content filter{reason}."
    return error or None


def make_engine(
    engine: str | Engine,
    *,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    read_timeout: float | None = None,
    max_attempts: int | None = None,
) -> Engine:
    """An engine by name ("auto", "bedrock", "offline"), or the given `Engine` unchanged."""
    if not isinstance(engine, str):
        return engine
    if engine not in ENGINE_NAMES:
        raise TitanValidationError("engine", engine, " or ".join(ENGINE_NAMES))
    if engine in ("auto", "bedrock"):
        from .engines.bedrock import DEFAULT_MAX_ATTEMPTS, DEFAULT_READ_TIMEOUT, BedrockEngine

        bedrock = BedrockEngine(
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
            read_timeout=read_timeout or DEFAULT_READ_TIMEOUT,
            max_attempts=max_attempts or DEFAULT_MAX_ATTEMPTS,
        )
        if engine == "bedrock" or bedrock.has_credentials():
            return bedrock
    from .engines.offline import OfflineEngine

    return OfflineEngine()
