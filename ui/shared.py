"""Pieces every tab is built from: banner, generation settings, Generate row, result area,
and the wiring that turns a click into a `Runner` call. Defined once, used by all tabs."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import gradio as gr

from titan import ModelSpec, Task, TitanError, TitanModelUnavailableError, get_model
from titan.models import QUALITIES, STABILITY_ASPECT_RATIOS, Range
from titan.options import OPTIONS

from .handlers import Generated, InputError, Runner, parse_size, price_text, random_seed, size_label, size_value
from .settings import AppSettings
from .tips import tips_markdown
from .visitor import visiting

log = logging.getLogger(__name__)
Updates = dict[gr.components.Component, Any]


@dataclass
class Shared:
    """What a tab's `build(shared)` gets: settings, the runner, the model picker and the tabs."""

    settings: AppSettings
    runner: Runner
    model: gr.Dropdown
    tabs: gr.Tabs
    spec: ModelSpec  # the model picked at start
    #: tab id -> {Runner keyword: component}: every control a run reads (History fills them back)
    controls: dict[str, dict[str, gr.components.Component]] = field(default_factory=dict)
    #: task -> its Generate row (the model picker greys out what a model cannot do)
    rows: dict[Task, GenerateRow] = field(default_factory=dict)
    #: the model picker's notice and switch (ui.models.PickerParts); told when Bedrock refuses a model
    models: Any = None

    @property
    def engine(self) -> str:
        return self.runner.engine


# --- models, banner, lifecycle -------------------------------------------------------------


def banner_html(engine: str, spec: ModelSpec, region: str | None) -> str:
    if engine == "bedrock":
        text, kind = f"Amazon Bedrock · {spec.name} · {region or 'default region'}", "bedrock"
    elif engine == "offline":
        text, kind = "Offline preview — not Titan output", "offline"
    else:
        text, kind = f"Test engine “{engine}” — not Titan output", "offline"
    return f'<div class="engine-banner {kind}"><span class="dot"></span>{text}</div>'


def unsupported_text(spec: ModelSpec, task: Task) -> str:
    if spec.supports(task):
        return ""
    return f"{task.label} is not supported by {spec.name} — pick another model above."


# --- generation settings ----------------------------------------------------------------


@dataclass
class GenerationSettings:
    """The shared "Generation settings" controls of one tab."""

    number_of_images: gr.Slider
    quality: gr.Radio
    size: gr.Dropdown | None
    cfg_scale: gr.Slider
    seed: gr.Number
    random_seed: gr.Button
    lock_seed: gr.Checkbox

    def fields(self) -> dict[str, gr.components.Component]:
        """Named inputs for `Runner` (and the API)."""
        named = {
            "number_of_images": self.number_of_images,
            "quality": self.quality,
            "cfg_scale": self.cfg_scale,
            "seed": self.seed,
            "lock_seed": self.lock_seed,
        }
        if self.size is not None:
            named["size"] = self.size
        return named

    def model_updates(self, spec: ModelSpec) -> Updates:
        updates: Updates = {
            self.number_of_images: gr.update(minimum=spec.number_of_images.low, maximum=spec.number_of_images.high),
            self.cfg_scale: gr.update(
                minimum=spec.cfg_scale.low, maximum=spec.cfg_scale.high, value=spec.cfg_scale.default
            ),
            self.seed: gr.update(minimum=spec.seed.low, maximum=spec.seed.high),
        }
        if self.size is not None:
            choices = _size_choices(spec)
            updates[self.size] = gr.update(choices=choices, value=choices[0][1], info=_size_info(spec))
        return updates


def _size_info(spec: ModelSpec) -> str:
    if spec.size_rule:
        return f"Presets, or type WIDTHxHEIGHT: {spec.describe_sizes()}."
    if spec.aspect_ratios:
        return f"{spec.name} takes an aspect ratio, not a size: {spec.describe_sizes()}."
    return f"Sizes {spec.name} supports, in pixels."


def _size_choices(spec: ModelSpec) -> list[tuple[str, str]]:
    """(label, value) per size; where a size stands for an aspect ratio (Stability) the label says which."""
    ratios = {size: ratio for ratio, size in STABILITY_ASPECT_RATIOS.items()} if spec.aspect_ratios else {}
    return [
        (f"{size_label(w, h)} ({ratios[w, h]})" if (w, h) in ratios else size_label(w, h), size_value(w, h))
        for w, h in spec.picker_sizes
    ]


def option_slider(name: str, limits: Range, *, step: float, **kwargs: Any) -> gr.Slider:
    """A slider for one request option: range and default from the model, words from titan.options."""
    option = OPTIONS[name]
    return gr.Slider(
        minimum=limits.low,
        maximum=limits.high,
        value=limits.default,
        step=step,
        label=option.label,
        info=option.help,
        **kwargs,
    )


def build_generation_settings(spec: ModelSpec, *, edit: bool = False, open: bool = False) -> GenerationSettings:
    """The "Generation settings" accordion. `edit`: the output has the input's size, so no size picker."""
    with gr.Accordion("Generation settings", open=open, elem_classes="gen-settings"):
        count = option_slider("number_of_images", spec.number_of_images, step=1)
        quality = gr.Radio(
            choices=list(QUALITIES),
            value=QUALITIES[0],
            label=OPTIONS["quality"].label,
            info=OPTIONS["quality"].help,
        )
        size = None
        if edit:
            gr.Markdown("Output size: the same as the input image.", elem_classes="hint")
        else:
            choices = _size_choices(spec)
            size = gr.Dropdown(
                choices=choices,
                value=choices[0][1],
                label="Size (width × height)",
                info=_size_info(spec),
                allow_custom_value=True,  # any WIDTHxHEIGHT; titan checks it against the model's rule
            )
        cfg = option_slider("cfg_scale", spec.cfg_scale, step=0.1)
        with gr.Row(equal_height=False, elem_classes="seed-row"):
            seed = gr.Number(
                value=spec.seed.default,
                precision=0,
                minimum=spec.seed.low,
                maximum=spec.seed.high,
                label=OPTIONS["seed"].label,
                info=OPTIONS["seed"].help,
                scale=3,
            )
            with gr.Column(scale=2, min_width=150, elem_classes="seed-tools"):
                dice = gr.Button("🎲 Random seed", size="sm", elem_classes="dice")
                lock = gr.Checkbox(value=False, label="Lock seed", info="Off: a new seed every run.")
    settings = GenerationSettings(count, quality, size, cfg, seed, dice, lock)
    return settings


def wire_seed_button(shared: Shared, settings: GenerationSettings) -> None:
    settings.random_seed.click(
        lambda model: random_seed(get_model(model)),
        inputs=shared.model,
        outputs=settings.seed,
        api_visibility="private",
        queue=False,
    )


# --- prompt, Generate row and result area ---------------------------------------------------------


class PromptFields(NamedTuple):
    prompt: gr.Textbox
    negative: gr.Textbox


def build_prompt_fields(name: str, *, placeholder: str, optional: bool = False, lines: int = 2) -> PromptFields:
    """Prompt (elem_id "<name>-prompt"), the prompt tips beside it, and the negative prompt."""
    prompt = gr.Textbox(
        label=OPTIONS["text"].label + (" (optional)" if optional else ""),
        info=OPTIONS["text"].help,
        lines=lines,
        max_lines=8,
        placeholder=placeholder,
        elem_id=f"{name}-prompt",
    )
    with gr.Accordion("Prompt tips", open=False, elem_classes="tips"):
        gr.Markdown(tips_markdown())
    negative = gr.Textbox(
        label=OPTIONS["negative_text"].label, info=OPTIONS["negative_text"].help, lines=1, max_lines=3
    )
    return PromptFields(prompt, negative)


@dataclass
class GenerateRow:
    button: gr.Button
    price: gr.Markdown
    notice: gr.Markdown
    note: gr.Markdown | None = None  # what the model family does differently for this task


def build_generate_row(shared: Shared, task: Task, name: str, label: str = "Generate") -> GenerateRow:
    """The primary button (elem_id "<name>-go") with its price line, and the unsupported notice."""
    notice = gr.Markdown(unsupported_text(shared.spec, task), elem_classes="unsupported")
    family_note = shared.spec.task_notes.get(task, "")
    note = gr.Markdown(family_note, visible=bool(family_note), elem_classes="hint family-note", elem_id=f"{name}-note")
    with gr.Row(equal_height=True, elem_classes="generate-row"):
        button = gr.Button(
            label, variant="primary", scale=1, interactive=shared.spec.supports(task), elem_id=f"{name}-go"
        )
        price = gr.Markdown("", elem_classes="price", min_height=0)
    shared.rows[task] = row = GenerateRow(button, price, notice, note)
    return row


SEND_TARGETS = ("inpaint", "outpaint", "variation", "remove_background", "condition")


@dataclass
class ResultArea:
    gallery: gr.Gallery
    status: gr.Markdown
    request: gr.JSON
    snippet: gr.Code
    selected: gr.State
    send: dict[str, gr.Button] = field(default_factory=dict)
    download: gr.DownloadButton | None = None

    def outputs(self) -> list[gr.components.Component]:
        outs = [self.gallery, self.status, self.request, self.snippet, self.selected]
        return [*outs, self.download] if self.download is not None else outs

    def values(self, generated: Generated) -> Updates:
        values: Updates = {
            self.gallery: list(zip(map(str, generated.paths), generated.captions, strict=True)),
            self.status: generated.status,
            self.request: generated.request,
            self.snippet: generated.snippet,
            self.selected: 0,
        }
        if self.download is not None:
            values[self.download] = gr.update(value=str(generated.paths[0]), visible=True)
        return values


SEND_LABELS = {
    "inpaint": "Inpaint",
    "outpaint": "Outpaint",
    "variation": "Variation",
    "remove_background": "Remove background",
    "condition": "Condition image",
}


def build_result_area(name: str, *, checker: bool = False, download: bool = False) -> ResultArea:
    """Gallery (elem_id "<name>-results"), status, Send-to buttons and the Request panel."""
    classes = ["results", "checker"] if checker else ["results"]
    gallery = gr.Gallery(
        label="Results",
        format="png",
        columns=2,
        height=520,
        object_fit="contain",
        interactive=False,
        buttons=["download", "fullscreen"],
        elem_classes=classes,
        elem_id=f"{name}-results",
    )
    status = gr.Markdown("", label="Status", elem_classes="status")
    download_button = None
    if download:
        download_button = gr.DownloadButton("Download PNG", visible=False, variant="secondary", size="md")
    selected = gr.State(0)
    with gr.Row(elem_classes="send-row"):
        gr.Markdown("Send to", elem_classes="send-label", min_height=0)
        send = {
            target: gr.Button(label, size="sm", min_width=60, elem_classes="send", elem_id=f"{name}-send-{target}")
            for target, label in SEND_LABELS.items()
        }
    with gr.Accordion("Request", open=False, elem_classes="request"):
        request = gr.JSON(label="Body sent (base64 shortened)", open=True)
        snippet = gr.Code(label="Reproduce with boto3", language="python", lines=12, max_lines=30)
    gallery.select(_selected_index, outputs=selected, api_visibility="private", queue=False)
    return ResultArea(gallery, status, request, snippet, selected, send, download_button)


def _selected_index(event: gr.SelectData) -> int:
    return int(event.index or 0)


# --- wiring -------------------------------------------------------------------------------


def wire_task(
    shared: Shared,
    *,
    row: GenerateRow,
    task: Task,
    api_name: str,
    run: Callable[..., Generated],
    inputs: dict[str, gr.components.Component],
    result: ResultArea,
    settings: GenerationSettings | None = None,
    size_inputs: dict[str, gr.components.Component] | None = None,
    size_of: Callable[..., tuple[int, int] | None] | None = None,
) -> None:
    """Everything a tab's Generate button needs: the seed dice, the live price and the run itself."""
    if settings is not None:
        wire_seed_button(shared, settings)
    wire_price(shared, row=row, task=task, settings=settings, size_inputs=size_inputs, size_of=size_of)
    wire_generate(shared, row=row, api_name=api_name, run=run, inputs=inputs, result=result, settings=settings)


def wire_generate(
    shared: Shared,
    *,
    row: GenerateRow,
    api_name: str,
    run: Callable[..., Generated],
    inputs: dict[str, gr.components.Component],
    result: ResultArea,
    settings: GenerationSettings | None = None,
) -> None:
    """Button click -> `run(model=..., **named values)` -> result area; errors -> gr.Error."""
    named = {"model": shared.model, **inputs, **(settings.fields() if settings else {})}
    shared.controls[api_name] = named
    outputs = result.outputs() + ([settings.seed] if settings else [])

    def handler(request: gr.Request, progress: gr.Progress = gr.Progress(), **values: Any) -> Updates:  # noqa: B008
        progress(0.05, desc="Working…" if shared.engine != "bedrock" else "Waiting for Amazon Bedrock…")
        try:
            with visiting(getattr(request, "username", None), getattr(request, "session_hash", None)):
                generated = run(**values)  # saved to the user's History before anything is shown
        except (TitanError, InputError) as err:
            if shared.models is not None and isinstance(err, TitanModelUnavailableError):
                shared.models.refused(values.get("model"), err)  # the picker's notice offers the switch
            raise gr.Error(str(err), print_exception=False) from None
        except Exception as err:  # never show a traceback on the page
            log.exception("%s failed", api_name)
            raise gr.Error(f"Something went wrong ({type(err).__name__}); the server log has details.") from None
        for note in generated.notes:
            gr.Info(note)
        for warning in generated.warnings:
            gr.Warning(warning)
        updates = result.values(generated)
        if settings is not None and generated.seed is not None:
            updates[settings.seed] = generated.seed
        return updates

    handler.__name__ = api_name
    handler.__signature__ = _api_signature(run, named)  # type: ignore[attr-defined]
    event = row.button.click(
        handler,
        inputs_kwargs=named,
        outputs=outputs,
        api_name=api_name,
        trigger_mode="once",
        concurrency_limit=shared.settings.concurrency,
        concurrency_id="titan",
        show_progress_on=[result.gallery],
    )
    if shared.models is not None:
        event.failure(**shared.models.after_failure())


def _api_signature(run: Callable[..., Generated], named: dict[str, Any]) -> inspect.Signature:
    """The handler's signature as the API shows it: each named input, with `run`'s default
    where it has one (so optional fields are optional for gradio_client too)."""
    own = inspect.signature(run).parameters
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.Request),
        inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()),
    ]
    for name in named:
        default = own[name].default if name in own else inspect.Parameter.empty
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default))
    return inspect.Signature(params)


def wire_price(
    shared: Shared,
    *,
    row: GenerateRow,
    task: Task,
    settings: GenerationSettings | None,
    size_inputs: dict[str, gr.components.Component] | None = None,
    size_of: Callable[..., tuple[int, int] | None] | None = None,
) -> None:
    """Keep the price beside the Generate button current.

    The output size comes from the size picker, or from `size_of(**size_inputs)` for
    tasks whose output has the input's size.
    """

    def price(model: str, number_of_images: int = 1, quality: str = "standard", size: Any = None, **inputs: Any) -> str:
        dims = size_of(**inputs) if size_of else parse_size(size)
        return price_text(shared.engine, get_model(model), task, count=number_of_images, quality=quality, size=dims)

    named: dict[str, gr.components.Component] = {"model": shared.model}
    if settings is not None:
        named |= {"number_of_images": settings.number_of_images, "quality": settings.quality}
        if settings.size is not None:
            named["size"] = settings.size
    named |= size_inputs or {}
    on_change(price, inputs=named, outputs=row.price)
    row.price.value = price(**{name: component.value for name, component in named.items()})


def on_change(fn: Callable[..., Any], *, inputs: dict[str, gr.components.Component], outputs: Any) -> None:
    """Recompute `fn(**inputs)` whenever any of its inputs changes: a quiet live preview, not in the API."""
    for component in dict.fromkeys(inputs.values()):
        component.change(fn, inputs_kwargs=inputs, outputs=outputs, api_visibility="private", show_progress="hidden")


def model_updates(spec: ModelSpec, task: Task, row: GenerateRow, settings: GenerationSettings | None) -> Updates:
    """What every tab changes when the model changes: notice, button, settings ranges."""
    updates: Updates = {
        row.notice: unsupported_text(spec, task),
        row.button: gr.update(interactive=spec.supports(task)),
    }
    if settings is not None:
        updates |= settings.model_updates(spec)
    return updates


@dataclass
class SendTarget:
    """Where a "Send to" button puts an image: a component, its value for a PNG path, its tab."""

    tab_id: str
    component: gr.components.Component
    value_for: Callable[[str], Any]


@dataclass
class TabParts:
    """What a tab's `build` hands back to the app."""

    tab_id: str
    task: Task
    result: ResultArea
    on_model: Callable[[ModelSpec], Updates]
    targets: dict[str, SendTarget] = field(default_factory=dict)
