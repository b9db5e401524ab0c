"""A task's controls, built from its request declaration (`titan.Request.options()`).

Each option gets the widget its kind calls for (text box, slider, choice, check box, image,
gallery); a tab may put its own widget over some fields (the mask painter covers the image
and the mask, the palette the colours). A `Form` then

- reads the page's values back into the task's request (`request(values)`),
- writes a request into the controls (`show(request)`: History restore, Send to),
- follows the model picker (`on_model(spec)`): ranges, choices and defaults from the model
  table, controls the model refuses hidden, controls it does not send greyed with a note;
- places message lines beside groups of controls (`error_box(names)`), so a refused value
  is said next to the control that holds it (`error_for(err)`).

Labels, help, limits and choices all come from `titan`: nothing here knows a model.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from titan import Kind, ModelSpec, Option, Request, TitanError, TitanValidationError, family_for, load_image

Updates = dict[Any, Any]
Values = dict[Any, Any]

#: Radios hold this many choices at most; more become a dropdown.
RADIO_MAX = 4


class Widget:
    """Controls for one or more request fields."""

    fields: tuple[str, ...] = ()
    components: tuple[Any, ...] = ()

    def read(self, values: Values) -> dict[str, Any]:
        """Request field values from the page's values (None: not set)."""
        raise NotImplementedError

    def show(self, request: Request) -> Updates:
        """Control values that show `request`'s fields."""
        raise NotImplementedError

    def on_model(self, spec: ModelSpec, request_type: type[Request]) -> Updates:
        return {}

    @property
    def price_components(self) -> tuple[Any, ...]:
        """The components a price depends on (a mask painter offers its picture, not its strokes)."""
        return self.components

    def read_for_price(self, values: Values) -> dict[str, Any]:
        return self.read(values)

    def component_for(self, name: str) -> Any:
        """The component that shows field `name` (for error messages and focus)."""
        return self.components[0]

    def on_carried(self, carried: set[str], service: str) -> Updates:
        """Grey out what the request as it stands would not send (e.g. creativity for the fast upscaler)."""
        return {}


@dataclass
class FieldWidget(Widget):
    """One option, one component."""

    name: str
    option: Option
    component: Any
    read_value: Callable[[Any], Any] = field(default=lambda value: value)

    def __post_init__(self) -> None:
        self.fields = (self.name,)
        self.components = (self.component,)

    def read(self, values: Values) -> dict[str, Any]:
        return {self.name: self.read_value(values.get(self.component))}

    def show(self, request: Request) -> Updates:
        value = getattr(request, self.name)
        return {self.component: _shown(self.option, value)}

    def on_carried(self, carried: set[str], service: str) -> Updates:
        if self.name in carried:
            return {self.component: self._update(interactive=True, info=self.option.help)}
        return {self.component: self._update(interactive=False, info=f"Not used by {service} for this request.")}

    def _update(self, **changes: Any) -> dict[str, Any]:
        """`gr.update(**changes)`, leaving out a help line where the component has none (images, galleries)."""
        if "info" in changes and not _has_info(self.component):
            changes.pop("info")
        return gr.update(**changes)

    def on_model(self, spec: ModelSpec, request_type: type[Request]) -> Updates:
        update: dict[str, Any] = availability(spec, request_type, self.name, self.option)
        kind = self.option.kind
        if kind in (Kind.IMAGE, Kind.MASK, Kind.IMAGES):
            update.pop("info", None)  # Gradio's image inputs have no info line: an update with one fails
        if kind in (Kind.NUMBER, Kind.INTEGER):
            limits = spec.limit(self.option.limits, self.option.range)
            if limits is not None:
                update |= {"minimum": limits.low, "maximum": limits.high}
                if limits.default is not None:
                    update["value"] = limits.default
        if kind is Kind.CHOICE:
            update["choices"] = choice_list(self.option, spec)
        return {self.component: self._update(**update)}


def availability(spec: ModelSpec, request_type: type[Request], name: str, option: Option) -> dict[str, Any]:
    """Visible, enabled and explained as `spec` treats the field: refused → hidden, not sent → greyed with why."""
    refused = name in spec.refused_options or (
        option.kind is Kind.CHOICE and option.limits and not choices_of(option, spec)
    )
    if refused:
        return {"visible": False}
    if not family_for(spec).takes(spec, request_type, name):
        return {"visible": True, "interactive": False, "info": f"Not sent to {spec.name}: its API has no such setting."}
    return {"visible": True, "interactive": True, "info": option.help}


def _has_info(component: Any) -> bool:
    return "info" in inspect.signature(type(component).__init__).parameters


def choices_of(option: Option, spec: ModelSpec | None) -> tuple[str, ...]:
    if option.limits and spec is not None:
        return tuple(spec.choices.get(option.limits, ()))
    return option.choices


def choice_list(option: Option, spec: ModelSpec | None) -> list[tuple[str, str]]:
    """(words, value) pairs; an optional choice with model-dependent values starts with "None"."""
    family = spec.family if spec is not None else None
    pairs = [(option.words(value, family), value) for value in choices_of(option, spec)]
    return [("None", ""), *pairs] if option.limits else pairs


def picture(value: Any) -> Any:
    """An image Gradio can show: stored PNG bytes (History) and body images become PIL images; paths stay."""
    data = getattr(value, "data", value)
    return load_image(data) if isinstance(data, bytes) else value


def _shown(option: Option, value: Any) -> Any:
    if option.kind in (Kind.IMAGE, Kind.MASK) and value is not None:
        return picture(value)
    if option.kind is Kind.IMAGES and value is not None:
        return [picture(item) for item in value]
    if value is None:
        if option.kind is Kind.TEXT or (option.kind is Kind.CHOICE and option.limits):
            return ""
        if option.kind in (Kind.NUMBER, Kind.INTEGER) and option.range is not None:
            return option.range.default
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _choice(value: Any) -> str | None:
    return value or None


def _integer(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _gallery(items: Any) -> list[Any] | None:
    """Gallery entries are (media, caption) pairs in the page; keep the files."""
    paths = [item[0] if isinstance(item, (tuple, list)) else item for item in items or []]
    return paths or None


def field_widget(name: str, option: Option, spec: ModelSpec, *, elem_id: str, **overrides: Any) -> FieldWidget:
    """The standard widget for one option, its range, choices and defaults from `spec`."""
    kind = option.kind
    common: dict[str, Any] = {"label": option.label, "elem_id": elem_id}
    if kind is Kind.TEXT:
        lines = 3 if option.group == "prompt" and option.required else 1
        component = gr.Textbox(
            **common, info=option.help, placeholder=option.placeholder, lines=lines, max_lines=8, **overrides
        )
        return FieldWidget(name, option, component, _text)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        limits = spec.limit(option.limits, option.range)
        component = gr.Slider(
            **common,
            info=option.help,
            minimum=limits.low,
            maximum=limits.high,
            value=limits.default if limits.default is not None else limits.low,
            step=option.step or (1 if kind is Kind.INTEGER else 0.05),
            **overrides,
        )
        return FieldWidget(name, option, component, _integer if kind is Kind.INTEGER else _number)
    if kind is Kind.CHOICE:
        choices = choice_list(option, spec)
        maker = gr.Radio if len(choices) <= RADIO_MAX and not option.limits else gr.Dropdown
        component = maker(
            **common, info=option.help, choices=choices, value=choices[0][1] if choices else None, **overrides
        )
        return FieldWidget(name, option, component, _choice)
    if kind is Kind.BOOLEAN:
        return FieldWidget(name, option, gr.Checkbox(**common, info=option.help, value=False, **overrides), bool)
    if kind in (Kind.IMAGE, Kind.MASK):
        from .widgets import PathImage

        component = PathImage(
            **common, type="filepath", format="png", sources=["upload", "clipboard"], height=260, **overrides
        )
        return FieldWidget(name, option, component)
    if kind is Kind.IMAGES:
        component = gr.Gallery(
            **common,
            type="filepath",
            format="png",
            interactive=True,
            file_types=["image"],
            sources=["upload", "clipboard"],
            columns=3,
            height=260,
            object_fit="contain",
            **overrides,
        )
        return FieldWidget(name, option, component, _gallery)
    raise ValueError(f"no standard widget for {kind} ({name}); give the form one")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


class Form:
    """The controls of one task, built from its request declaration; see the module docstring."""

    def __init__(self, request_type: type[Request], spec: ModelSpec, *, tab_id: str) -> None:
        self.request_type = request_type
        self.spec = spec
        self.tab_id = tab_id
        self.widgets: list[Widget] = []
        self._error_boxes: dict[str, Any] = {}

    @property
    def options(self) -> dict[str, Option]:
        return self.request_type.options()

    def covered(self) -> set[str]:
        return set(self.fields_in_order())

    def add(self, widget: Widget) -> Widget:
        self.widgets.append(widget)
        return widget

    def render(self, names: Iterable[str], **overrides: Any) -> dict[str, Any]:
        """Standard widgets for `names` (skipping fields a widget already covers), in the current layout."""
        made = {}
        for name in names:
            if name in self.covered() or name not in self.options:
                continue
            elem_id = overrides.get("elem_id") or f"{self.tab_id}-{name}"
            options = {key: value for key, value in overrides.items() if key != "elem_id"}
            widget = self.add(field_widget(name, self.options[name], self.spec, elem_id=elem_id, **options))
            made[name] = widget.components[0]
        return made

    def render_group(self, group: str) -> dict[str, Any]:
        """Every not-yet-covered field of an option group ("prompt", "options", ...); masks need a painter."""
        return self.render(
            name for name, option in self.options.items() if option.group == group and option.kind is not Kind.MASK
        )

    def error_box(self, names: Iterable[str]) -> Any | None:
        """A message line here in the layout for errors about `names` (those without one yet); None if none are left."""
        names = [name for name in names if name not in self._error_boxes]
        if not names:
            return None
        box = gr.Markdown("", visible=False, elem_classes="error-box", elem_id=f"{self.tab_id}-{names[0]}-error")
        self._error_boxes |= dict.fromkeys(names, box)
        return box

    def error_for(self, err: TitanError) -> Any | None:
        """The message line beside the control whose value `err` refuses, if the form placed one."""
        if not isinstance(err, TitanValidationError):
            return None
        return self._error_boxes.get(err.field.split("[")[0].split(".")[0])

    @property
    def error_boxes(self) -> list[Any]:
        return list(dict.fromkeys(self._error_boxes.values()))

    def fields_in_order(self) -> list[str]:
        """The fields the form's widgets cover, in the order they were placed."""
        return [name for widget in self.widgets for name in widget.fields]

    def check_covered(self, hidden: Iterable[str] = ()) -> None:
        """Every field has a control, or is named as one this tab leaves to the API: a forgotten field fails here."""
        missing = set(self.options) - self.covered() - set(hidden)
        if missing:
            raise ValueError(f"{self.request_type.__name__}: no control for {', '.join(sorted(missing))}")

    @property
    def components(self) -> list[Any]:
        return [component for widget in self.widgets for component in widget.components]

    def component(self, name: str) -> Any:
        for widget in self.widgets:
            if name in widget.fields:
                return widget.component_for(name)
        raise KeyError(name)

    @property
    def price_components(self) -> list[Any]:
        return [component for widget in self.widgets for component in widget.price_components]

    def request(self, values: Values, spec: ModelSpec | None = None) -> Request:
        """The task's request from the page's values (unset controls: None).

        With `spec` (the model picked), fields whose controls that model hides or greys out stay
        unset: the value such a control holds (its start value, or one set for another model) is
        not something the person can change, and that model would not be sent it anyway.
        """
        return self._build((widget.read(values) for widget in self.widgets), spec)

    def request_for_price(self, values: Values, spec: ModelSpec) -> Request:
        """The request as far as its price goes; controls not given in `values` count with their current value."""
        values = {**{component: getattr(component, "value", None) for component in self.price_components}, **values}
        return self._build((widget.read_for_price(values) for widget in self.widgets), spec)

    def _build(self, parts: Iterable[dict[str, Any]], spec: ModelSpec | None) -> Request:
        fields: dict[str, Any] = {}
        for part in parts:
            fields |= part
        fields = {name: value for name, value in fields.items() if name in self.options}
        if spec is not None:
            family = family_for(spec)
            fields |= {name: None for name in fields if not family.takes(spec, self.request_type, name)}
        for name, option in self.options.items():  # a control that means nothing yet is not sent (no guide)
            if option.needs and fields.get(option.needs) is None:
                fields[name] = None
        return self.request_type(**fields)

    def show(self, request: Request) -> Updates:
        updates: Updates = {}
        for widget in self.widgets:
            updates |= widget.show(request)
        return updates

    def on_carried(self, carried: set[str], service: str) -> Updates:
        updates: Updates = {}
        for widget in self.widgets:
            updates |= widget.on_carried(carried, service)
        return updates

    def on_model(self, spec: ModelSpec) -> Updates:
        self.spec = spec
        updates: Updates = {}
        for widget in self.widgets:
            updates |= widget.on_model(spec, self.request_type)
        return updates
