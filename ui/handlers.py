"""Turn named UI values into `TitanClient` calls. No Gradio here: plain values in, `Generated` out.

Every task method takes keyword arguments named like the UI's components (and the API's
parameters), picks the model, builds the generation config, calls the client and saves
the images. Errors stay `TitanError` (or `InputError` for things only the UI asks for);
the Gradio layer turns them into `gr.Error`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from titan import GenerationResult, TitanClient, get_model, invert_mask, pad_for_outpaint, painted_to_titan_mask
from titan.budget import Budget
from titan.families import family_for
from titan.history import History, run_cost
from titan.images import load_image
from titan.models import ModelSpec, Task
from titan.prompting import prompt_warnings
from titan.requests import body_cost, estimate_cost

from .calls import calls_snippet, sent_calls
from .outputs import save_result
from .visitor import current_visitor

REPLACE, REMOVE = "Replace", "Remove object"
INPAINT_MODES = (REPLACE, REMOVE)


class InputError(ValueError):
    """Something the page itself needs before it can build a request (e.g. no image yet)."""


@dataclass
class Generated:
    """What a finished run shows: PNG paths with captions, the seed used, the request."""

    paths: list[Path]  # the PNGs as stored in History
    captions: list[str]
    seed: int | None
    status: str
    request: dict[str, Any]
    snippet: str
    notes: list[str] = field(default_factory=list)  # what the page did for you (e.g. scaled an input)
    warnings: list[str] = field(default_factory=list)  # advice and partial results
    run_id: str | None = None  # the History run that holds the images


# --- small pure helpers (also used by the Gradio layer) -----------------------------------


def size_value(width: int, height: int) -> str:
    """The size dropdown's value for (width, height): "1024x1024"."""
    return f"{width}x{height}"


def size_label(width: int, height: int) -> str:
    return f"{width} × {height}"


def parse_size(value: str | None) -> tuple[int, int] | None:
    """ "1024x1024" (or "1024 × 1024") -> (1024, 1024); None or "" -> None."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*[x×]\s*(\d+)\s*", str(value))
    if not match:
        raise InputError(f'Size {value!r} is not "WIDTHxHEIGHT", e.g. "1024x1024".')
    return int(match[1]), int(match[2])


def parse_colors(value: str | Sequence[str] | None) -> list[str]:
    """A palette from "#FF8800, #00AA88" text (commas, spaces or new lines) or a list."""
    if value is None:
        return []
    items = value if not isinstance(value, str) else re.split(r"[\s,;]+", value)
    return [item.strip() for item in items if item and item.strip()]


def random_seed(spec: ModelSpec) -> int:
    return random.randint(int(spec.seed.low), int(spec.seed.high))


def image_size(value: Any) -> tuple[int, int] | None:
    """(width, height) of an uploaded image (path, array, PIL or editor dict); None when empty."""
    if isinstance(value, dict):
        value = value.get("background")
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return int(value.shape[1]), int(value.shape[0])
    return load_image(value).size


def padded_size(image: Any, left: int, right: int, top: int, bottom: int) -> tuple[int, int] | None:
    """The outpainting canvas's size (also the output's): the image plus the added pixels."""
    size = image_size(image)
    if size is None:
        return None
    return size[0] + int(left) + int(right), size[1] + int(top) + int(bottom)


def price_text(
    engine: str,
    spec: ModelSpec,
    task: Task,
    *,
    count: int,
    quality: str,
    size: tuple[int, int] | None,
    route: str | None = None,
) -> str:
    """The line beside a Generate button: what this click costs on Bedrock.

    `route` prices a non-default service of the task (e.g. Stability's Erase Object); the
    price per image is the serving service's (`ModelSpec.price_for`)."""
    if not spec.supports(task):
        return ""  # the tab says why; there is nothing to price
    if size is None:
        return "Price: add an image to see it"
    count = 1 if task is Task.BACKGROUND_REMOVAL else int(count or 1)
    cost = estimate_cost(
        spec, task, number_of_images=count, quality=quality or "standard", width=size[0], height=size[1], route=route
    )
    if engine == "bedrock":
        per_image = spec.price_for(task, quality or "standard", *size, route=route)
        detail = f" · {count} × ${per_image:.3f}" if count > 1 else ""
        return f"≈ **${cost:.3f}** on Amazon Bedrock{detail}"
    return f"**$0.00** offline · Bedrock ≈ ${cost:.3f}"


# --- the runner ---------------------------------------------------------------------------


class Fitter:
    """Scales inputs into a model's limits (`ModelSpec.fit_input`), remembering what it changed."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.notes: list[str] = []

    def __call__(self, value: Any, field: str) -> Any:
        if value is None:
            return None
        image, note = self.spec.fit_input(value, field=field)
        if note:
            self.notes.append(note[0].upper() + note[1:] + ".")
        return image


class Runner:
    """Runs each task for the page; one per app, sharing the app's client and history store.
    Images go to the history of `current_visitor().user`."""

    def __init__(self, client: TitanClient, history: History, budget: Budget | None = None) -> None:
        self.client = client
        self.history = history
        self.budget = budget or Budget()

    @property
    def engine(self) -> str:
        return self.client.engine.name

    def region(self) -> str | None:
        return self.client.region if self.engine == "bedrock" else None

    # Each task: model first, then its own fields, then the generation settings (**gen).

    def text_image(
        self,
        *,
        model: str,
        prompt: str,
        negative_prompt: str | None = None,
        condition_image: Any = None,
        control_mode: str | None = None,
        control_strength: float | None = None,
        style: str | None = None,
        **gen: Any,
    ) -> Generated:
        spec = get_model(model)
        config, seed = generation_config(spec, **gen)
        conditioned = condition_image is not None and spec.conditioning
        fit = Fitter(spec)
        return self._run(
            model,
            Task.TEXT_IMAGE,
            prompt,
            negative_text=negative_prompt or None,
            condition_image=fit(condition_image, "condition_image") if conditioned else None,
            control_mode=control_mode if conditioned else None,
            control_strength=control_strength if conditioned else None,
            style=(style or None) if spec.styles else None,
            seed_used=seed,
            notes=fit.notes,
            **config,
        )

    def inpaint(
        self,
        *,
        model: str,
        editor: dict[str, Any] | None,
        mode: str = REPLACE,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        mask_prompt: str | None = None,
        invert: bool = False,
        **gen: Any,
    ) -> Generated:
        spec = get_model(model)
        fit = Fitter(spec)
        image = fit(_editor_background(editor), "image")
        if mode == REPLACE and not (prompt or "").strip():
            raise InputError(
                "Replace needs a prompt: describe what should appear in the masked area, or choose Remove object."
            )
        mask = None if (mask_prompt or "").strip() else inpaint_mask(editor, invert=invert, size=image.size)
        config, seed = generation_config(spec, input_size=image.size, **gen)
        return self._run(
            model,
            Task.INPAINTING,
            image,
            text=prompt if mode == REPLACE else None,
            negative_text=negative_prompt or None,
            mask_image=mask,
            mask_prompt=(mask_prompt or "").strip() or None,
            seed_used=seed,
            notes=fit.notes,
            **config,
        )

    def outpaint(
        self,
        *,
        model: str,
        image: Any,
        left: int = 0,
        right: int = 0,
        top: int = 0,
        bottom: int = 0,
        mode: str | None = None,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        mask_prompt: str | None = None,
        **gen: Any,
    ) -> Generated:
        if image is None:
            raise InputError("Upload an image to extend first.")
        mask_prompt = (mask_prompt or "").strip()
        if not any((left, right, top, bottom)) and not mask_prompt:
            raise InputError("Extend at least one side (left, right, top or bottom), or name an object to keep.")
        spec = get_model(model)
        fit = Fitter(spec)
        source = fit(image, "image")
        canvas, mask = pad_for_outpaint(source, left=int(left), right=int(right), top=int(top), bottom=int(bottom))
        config, seed = generation_config(spec, input_size=canvas.size, **gen)
        return self._run(
            model,
            Task.OUTPAINTING,
            canvas,
            text=prompt,
            negative_text=negative_prompt or None,
            mask_image=None if mask_prompt else mask,
            mask_prompt=mask_prompt or None,
            mode=mode or None,
            seed_used=seed,
            notes=fit.notes,
            **config,
        )

    def variation(
        self,
        *,
        model: str,
        images: Sequence[Any] | None,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        similarity: float | None = None,
        **gen: Any,
    ) -> Generated:
        references = [_gallery_item(item) for item in images or []]
        if not references:
            raise InputError("Add one to five reference images first.")
        spec = get_model(model)
        config, seed = generation_config(spec, **gen)
        fit = Fitter(spec)
        return self._run(
            model,
            Task.IMAGE_VARIATION,
            [fit(reference, f"images[{i}]") for i, reference in enumerate(references)],
            text=prompt or None,
            negative_text=negative_prompt or None,
            similarity_strength=similarity if spec.similarity else None,
            seed_used=seed,
            notes=fit.notes,
            **config,
        )

    def color_guided(
        self,
        *,
        model: str,
        colors: str | Sequence[str] | None,
        prompt: str,
        negative_prompt: str | None = None,
        reference_image: Any = None,
        **gen: Any,
    ) -> Generated:
        spec = get_model(model)
        config, seed = generation_config(spec, **gen)
        fit = Fitter(spec)
        return self._run(
            model,
            Task.COLOR_GUIDED_GENERATION,
            prompt,
            parse_colors(colors),
            reference_image=fit(reference_image, "reference_image"),
            negative_text=negative_prompt or None,
            seed_used=seed,
            notes=fit.notes,
            **config,
        )

    def remove_background(self, *, model: str, image: Any) -> Generated:
        if image is None:
            raise InputError("Upload an image to cut out first.")
        fit = Fitter(get_model(model))
        return self._run(model, Task.BACKGROUND_REMOVAL, fit(image, "image"), seed_used=None, notes=fit.notes)

    # --- the one path ---------------------------------------------------------------------

    def _run(
        self, model: str, task: Task, *args: Any, seed_used: int | None, notes: list[str], **kwargs: Any
    ) -> Generated:
        client = self.client.with_model(model)
        body = client.build_body(task, *args, **kwargs)
        session = current_visitor().session
        if self.engine == "bedrock":  # the offline engine is free
            self.budget.check(body_cost(client.spec, task, body), session=session)
        result = client.invoke_body(body)
        self.budget.record(run_cost(result), session=session)
        return self.present(result, seed_used, notes)

    def present(self, result: GenerationResult, seed_used: int | None, notes: list[str] | None = None) -> Generated:
        """Store the images in History (before anything is shown) and describe the run for the page."""
        run, paths = save_result(result, self.history, user=current_visitor().user, region=self.region())
        total = len(paths)
        captions = [
            f"seed {seed} · {i + 1}/{total}" if seed is not None else f"{i + 1}/{total}"
            for i, seed in enumerate(result.image_seeds)
        ]
        width, height = result.size
        config = result.body.get("imageGenerationConfig", {})
        cost = price_text(
            result.engine,
            get_model(result.model_id),
            result.task,
            count=total,
            quality=config.get("quality", "standard"),
            size=(width, height),
            route=family_for(get_model(result.model_id)).route(result.task, result.body),
        )
        parts = [f"{total} image{'s' * (total != 1)}", f"{width} × {height}"]
        if seed_used is not None:
            parts.append(f"seed {seed_used}")
        parts += [f"{result.elapsed_s:.1f} s", cost]
        if result.engine == "bedrock":
            parts.append("spent " + self.budget.describe(current_visitor().session))
        params = result.body.get(result.task.params_key, {})
        warnings = prompt_warnings(params.get("text"), params.get("negativeText"))
        return Generated(
            paths=paths,
            captions=captions,
            seed=seed_used,
            status=" · ".join(parts) + "".join(f"\n\n{note}" for note in result.response.get("notes") or []),
            request=sent_calls(result),
            snippet=calls_snippet(result, self.region()),
            notes=notes or [],
            warnings=[*warnings, result.error] if result.error else warnings,
            run_id=run.run_id,
        )


def generation_config(
    spec: ModelSpec,
    *,
    number_of_images: int | None = None,
    quality: str | None = None,
    size: str | None = None,
    cfg_scale: float | None = None,
    seed: int | None = None,
    lock_seed: bool = True,
    input_size: tuple[int, int] | None = None,
) -> tuple[dict[str, Any], int]:
    """TitanClient keyword arguments from the settings panel, and the seed that will be used.

    Unlocked seeds are redrawn for every run. In/outpainting pass the input's size, which
    `titan` drops for models that refuse it.
    """
    used_seed = int(seed) if lock_seed and seed is not None else random_seed(spec)
    width_height = input_size or parse_size(size)
    config: dict[str, Any] = {
        "number_of_images": int(number_of_images) if number_of_images is not None else None,
        "quality": quality or None,
        "cfg_scale": float(cfg_scale) if cfg_scale is not None else None,
        "seed": used_seed,
    }
    if width_height:
        config["width"], config["height"] = width_height
    return config, used_seed


def inpaint_mask(
    editor: dict[str, Any] | None, *, invert: bool = False, size: tuple[int, int] | None = None
) -> Image.Image:
    """The Titan mask for what was painted in the editor (black = change), inverted on request.

    `size` defaults to the uploaded image's; pass the size the image is sent at when it was scaled.
    """
    mask = painted_to_titan_mask(editor, size=size or image_size(editor))
    return invert_mask(mask) if invert else mask


def _editor_background(editor: dict[str, Any] | None) -> Any:
    background = editor.get("background") if isinstance(editor, dict) else None
    if background is None:
        raise InputError("Upload an image to edit first, then paint over the part to change.")
    return background


def _gallery_item(item: Any) -> Any:
    """A gallery entry is (media, caption) in the UI and {"image": ...} over the API."""
    if isinstance(item, (tuple, list)):
        return item[0]
    if isinstance(item, dict):
        image = item.get("image")
        return image.get("path") if isinstance(image, dict) else image
    return item
