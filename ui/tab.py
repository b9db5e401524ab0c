"""One task tab, built from its request declaration: inputs on the left, results on the right.

`task_tab(shared, RequestType, ...)` lays out the form (the tab's own widgets first, then the
declared options by group, the Generation settings, the Generate row with its live price and
an error line that stays until an input changes) and wires Generate to
`Playground.run`. A tab module only says what is special about its task.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from titan import (
    PROMPT_TIPS,
    ModelSpec,
    Person,
    Playground,
    Request,
    TitanError,
    TitanModelUnavailableError,
    TitanValidationError,
    get_model,
)

from .form import FieldWidget, Form, Updates, Values, Widget
from .guard import USER_HEADER
from .result import ResultArea, build_result_area, price_words
from .runs import run_fairly
from .settings import AppSettings
from .widgets import SeedWidget, SizeWidget

log = logging.getLogger(__name__)


@dataclass
class Shared:
    """What every tab is built with: settings, the playground, the model picker and the tab bar."""

    settings: AppSettings
    playground: Playground
    model: Any
    tabs: Any
    spec: ModelSpec
    board: Any
    guard: Any
    parts: dict[str, TabParts] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return self.playground.engine


@dataclass
class GenerateRow:
    button: Any
    stop: Any
    price: Any
    notice: Any
    note: Any
    error: Any


@dataclass
class TabParts:
    """What a built tab hands back: its form, result area and how it follows the model."""

    tab_id: str
    request_type: type[Request]
    tab: Any
    form: Form
    row: GenerateRow
    result: ResultArea
    receives: str | None = "image"
    """The field a follow-up ("Edit", "Vary"...) puts an image into."""
    extra_on_model: Callable[[ModelSpec], Updates] | None = None

    @property
    def messages(self) -> list[Any]:
        """Every message line of the tab: the Generate row's and those beside its controls."""
        return [self.row.error, *self.form.error_boxes]

    def on_model(self, spec: ModelSpec) -> Updates:
        updates = self.form.on_model(spec)
        note = spec.task_notes.get(self.request_type.task, "")
        updates[self.row.note] = gr.update(value=note, visible=bool(note))
        if self.extra_on_model is not None:
            updates |= self.extra_on_model(spec)
        return updates

    def receive(self, path: str, prompt: str) -> Updates:
        """This tab's controls showing `path` as its input image (and `prompt` where it has one)."""
        values: dict[str, Any] = {}
        if self.receives is not None:
            kind = self.request_type.options()[self.receives].kind
            values[self.receives] = [path] if kind.value == "images" else path
        if prompt and "text" in self.request_type.options():
            values["text"] = prompt
        return self.form.show(self.request_type(**values))


def person_of(request: gr.Request | None) -> Person:
    """Who is asking: the signed-in user (from Gradio, or the guard for MCP tool calls) and the browser session."""
    user = getattr(request, "username", None)
    if user is None and request is not None and getattr(request, "headers", None) is not None:
        user = request.headers.get(USER_HEADER)  # set only by ui.guard, which drops any the caller sent
    return Person(user=user, session=getattr(request, "session_hash", None))


def task_tab(
    shared: Shared,
    request_type: type[Request],
    *,
    own_widgets: Callable[[Form], None] | None = None,
    receives: str | None = "image",
    before_after: bool | None = None,
    checker: bool = False,
    download: bool = False,
    examples: Callable[[Form], None] | None = None,
    aside: Callable[[Form], None] | None = None,
    hidden: tuple[str, ...] = (),
) -> TabParts:
    """Build the tab for `request_type` and wire it; see the module docstring.

    `before_after` (default: when the task edits its input) adds a before/after slider to the results.
    """
    spec, tab_id = shared.spec, request_type.api_name
    before_after = request_type.edits if before_after is None else before_after
    form = Form(request_type, spec, tab_id=tab_id)
    tab = gr.Tab(request_type.label, id=tab_id, elem_id=f"tab-{tab_id}")
    with tab, gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=300, elem_classes="inputs"):
            gr.Markdown(request_type.summary, elem_classes="hint task-summary")
            if own_widgets is not None:
                own_widgets(form)
                form.error_box(form.fields_in_order())
            _standard_controls(form, shared, hidden)
            row = _generate_row(shared, request_type, tab_id)
            if examples is not None:
                examples(form)
        with gr.Column(scale=6, min_width=300, elem_classes="outputs"):
            if aside is not None:
                aside(form)
            result = build_result_area(tab_id, before_after=before_after, checker=checker, download=download)
    parts = TabParts(tab_id, request_type, tab, form, row, result, receives)
    _wire(shared, parts)
    shared.parts[tab_id] = parts
    return parts


def _standard_controls(form: Form, shared: Shared, hidden: tuple[str, ...]) -> None:
    """The declared options the tab's own widgets left: images, prompts (with tips), options, guide, settings."""
    form.error_box(form.render_group("image"))
    form.error_box(form.render(["text"]))  # the prompt's message right under it, above the negative prompt
    form.error_box(form.render_group("prompt"))
    if "text" in form.options:
        with gr.Accordion("Prompt tips", open=False, elem_classes="tips"):
            gr.Markdown("\n".join(f"- {tip}" for tip in PROMPT_TIPS))
    form.error_box(form.render_group("options"))
    _guide(form)
    _settings(form, form.spec, form.tab_id, shared.model)
    form.check_covered(hidden)


def _guide(form: Form) -> None:
    """Optional inputs that guide the result (a layout guide, a layout reference), folded away."""
    names = [name for name, option in form.options.items() if option.group == "guide" and name not in form.covered()]
    if names:
        with gr.Accordion(f"{form.options[names[0]].label} (optional)", open=False, elem_classes="guide"):
            form.error_box(form.render(names))


def _settings(form: Form, spec: ModelSpec, tab_id: str, model: Any) -> None:
    names = [name for name, option in form.options.items() if option.group == "settings"]
    if not names:
        return
    with gr.Accordion("Generation settings", open=False, elem_classes="gen-settings"):
        form.render([name for name in names if name in ("number_of_images", "quality")])
        if "width" in names:
            form.add(SizeWidget(spec, elem_id=f"{tab_id}-size"))
        form.render([name for name in names if name == "cfg_scale"])
        if "seed" in names:
            seed = form.add(SeedWidget(elem_id=f"{tab_id}-seed"))
            seed.wire(model)


def _generate_row(shared: Shared, request_type: type[Request], tab_id: str) -> GenerateRow:
    spec = shared.spec
    notice = gr.Markdown(shared.board.task_notice(spec, request_type.task), elem_classes="unsupported")
    note_text = spec.task_notes.get(request_type.task, "")
    note = gr.Markdown(note_text, visible=bool(note_text), elem_classes="hint family-note", elem_id=f"{tab_id}-note")
    with gr.Row(equal_height=True, elem_classes="generate-row"):
        button = gr.Button(
            "Generate", variant="primary", scale=2, min_width=140, interactive=spec.supports(request_type.task),
            elem_id=f"{tab_id}-go", elem_classes="go",
        )  # fmt: skip
        stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, visible=False, elem_id=f"{tab_id}-stop")
        price = gr.Markdown("", elem_classes="price", min_height=0, elem_id=f"{tab_id}-price")
    error = gr.Markdown("", visible=False, elem_classes="error-box", elem_id=f"{tab_id}-error")
    return GenerateRow(button, stop, price, notice, note, error)


# --- wiring -------------------------------------------------------------------------------------


def _wire(shared: Shared, parts: TabParts) -> None:
    _wire_generate(shared, parts)
    _wire_price(shared, parts)
    _wire_error_clearing(parts)


def _wire_generate(shared: Shared, parts: TabParts) -> None:
    form, row, result = parts.form, parts.row, parts.result
    playground = shared.playground

    async def generate(values: Values, request: gr.Request, progress: gr.Progress = gr.Progress()) -> Updates:  # noqa: B008
        model = values[shared.model]
        try:
            task_request = form.request(values, get_model(model))
            delivered = await run_fairly(
                playground, task_request, model=model, person=person_of(request), progress=progress
            )
        except TitanError as err:
            if isinstance(err, TitanModelUnavailableError):
                shared.board.remember_failure(model, err)
            said = gr.update(value=f"⚠ {in_plain_words(err, form.request_type)}", visible=True)
            return {form.error_for(err) or row.error: said}
        except Exception as err:  # never a traceback on the page
            log.exception("%s failed", parts.tab_id)
            message = f"⚠ Something went wrong ({type(err).__name__}); the server log has details."
            return {row.error: gr.update(value=message, visible=True)}
        before = _before(task_request) if result.slider is not None else None
        status = _status(delivered, playground, get_model(model))
        shown = [shared.guard.publish(path, person_of(request)) for path in delivered.paths]
        return result.show(delivered, shown, status=status, before=before)

    said = parts.messages
    inputs = {shared.model, *form.components}
    event = row.button.click(
        lambda: {row.stop: gr.update(visible=True)} | {box: gr.update(value="", visible=False) for box in said},
        outputs=[row.stop, *said],
        api_visibility="private",
        queue=False,
    ).then(
        generate,
        inputs=inputs,
        outputs=[*result.outputs(), *said],
        api_visibility="private",
        concurrency_limit=None,  # the playground's fair gate decides who runs (titan.gate)
        show_progress_on=[result.gallery],
        trigger_mode="once",
    )
    event.then(lambda: gr.update(visible=False), outputs=row.stop, api_visibility="private", queue=False)
    row.stop.click(
        lambda: (gr.update(visible=False), gr.update(value="Stopped.", visible=True)),
        outputs=[row.stop, row.error],
        cancels=[event],
        api_visibility="private",
        queue=False,
    )


def in_plain_words(err: TitanError, request_type: type[Request]) -> str:
    """The error as the page says it: a refused value is named by its label, not its API name."""
    if not isinstance(err, TitanValidationError):
        return str(err)
    option = request_type.options().get(err.field)
    label = option.label if option is not None else err.field.split("[")[0].replace("_", " ").capitalize()
    return f"{label}: {str(err).removeprefix(f'{err.field}: ')}"


def _before(request: Request) -> Any:
    image = getattr(request, "image", None)
    return image if isinstance(image, str) else None


def _status(delivered: Any, playground: Playground, spec: ModelSpec) -> str:
    result = delivered.result
    count = len(delivered.paths)
    width, height = result.size
    parts = [f"{count} image{'s' * (count != 1)}", f"{width} × {height}"]
    if result.seed is not None:
        parts.append(f"seed {result.seed}")
    parts.append(f"{result.elapsed_s:.1f} s")
    parts.append(price_words(result.price, billed=playground.billed, model_name=spec.name))
    if delivered.spent:
        parts.append("spent " + delivered.spent)
    return " · ".join(part for part in parts if part)


def _wire_price(shared: Shared, parts: TabParts) -> None:
    """Keep the price beside Generate current, reading no pixels and never the painted strokes."""
    form, playground = parts.form, shared.playground

    def price(values: Values) -> Updates:
        model = values[shared.model]
        try:
            request = form.request_for_price(values, get_model(model))
        except TitanError:
            return {parts.row.price: ""}
        quote = playground.quote(request, model=model)
        updates: Updates = {
            parts.row.price: price_words(quote, billed=playground.billed, model_name=get_model(model).name)
        }
        carried = playground.carried(request, model=model)
        if carried is not None:
            updates |= form.on_carried(*carried)
        return updates

    components = [shared.model, *form.price_components]
    triggers = [_trigger(component) for component in components]
    refined = [
        component for widget in form.widgets if isinstance(widget, FieldWidget) for component in widget.components
    ]
    gr.on(
        triggers,
        price,
        inputs=set(components),
        outputs=[parts.row.price, *refined],
        api_visibility="private",
        show_progress="hidden",
        trigger_mode="always_last",
    )


def _trigger(component: Any) -> Any:
    """The event that means "this input is settled": blur for text, upload/clear for images, else change."""
    if isinstance(component, gr.Textbox):
        return component.blur
    return component.change


def _wire_error_clearing(parts: TabParts) -> None:
    """A message stays until the person changes an input (done in the browser, no request)."""
    said = parts.messages
    events = [component.input for component in parts.form.components if hasattr(component, "input")]
    cleared = json.dumps([""] * len(said))
    gr.on(events, None, js=f"() => {cleared}", outputs=said, api_visibility="private", queue=False)


def initial_price(shared: Shared, parts: TabParts) -> str:
    """The price line as the page starts (the same words the live price gives)."""
    try:
        request = parts.form.request_for_price({}, shared.spec)
    except TitanError:
        return ""
    quote = shared.playground.quote(request, model=shared.spec.model_id)
    return price_words(quote, billed=shared.playground.billed, model_name=shared.spec.name)


__all__ = ["GenerateRow", "Shared", "TabParts", "Widget", "initial_price", "person_of", "task_tab"]
