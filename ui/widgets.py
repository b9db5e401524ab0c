"""Widgets that cover more than one request field, or show a field in a way of their own.

- `PathImage`, `PathEditor`: Gradio's image inputs that hand `titan` the uploaded *file*
  instead of decoding it, so every upload (a 0-byte file, text renamed .png, a huge image)
  reaches titan's own checks and their plain sentences, and no pixel is decoded twice.
- `SizeWidget` (width + height), `SeedWidget` (empty = a new random seed every run),
  `MaskPainter` (image + mask: what a person paints is the area to change), `PromptOrRemove`
  (Inpaint's replace/remove choice), `Palette` (colours, with the browser's own colour
  picker and an editable hex box per swatch), `ExtendWidget` (outpaint paddings with
  aspect-ratio presets).
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from titan import (
    ModelSpec,
    Request,
    TitanError,
    TitanValidationError,
    invert_mask,
    load_image,
    painted_to_titan_mask,
    peek_size,
    random_seed,
)

from .form import FieldWidget, Updates, Values, Widget, availability, picture

PAINT = (255, 45, 111, 140)  # the inpaint brush: #FF2D6F at 55 %
#: Outpaint's "Extend to" presets.
SIZE_PRESETS = ("16:9", "3:2", "4:5", "1:1", "9:16")
BRUSH = ("#FF2D6F", 0.55)


# --- inputs that keep files as files -------------------------------------------------------


class PathImage(gr.Image):
    """`gr.Image` whose value reaches the app as the uploaded file's path, undecoded."""

    def get_block_name(self) -> str:
        return "image"  # the same component in the browser

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else payload.path


class PathEditor(gr.ImageEditor):
    """`gr.ImageEditor` whose value is {"background": path, "layers": [paths], "composite": path}, undecoded."""

    def get_block_name(self) -> str:
        return "imageeditor"  # the same component in the browser

    def preprocess(self, payload: Any) -> dict[str, Any] | None:
        if payload is None:
            return None
        if payload.id is not None and payload.id in self.blob_storage:
            data = self.blob_storage.pop(payload.id)
            return {
                "background": _saved(data.background),
                "layers": [path for layer in data.layers or [] if (path := _saved(layer))],
                "composite": _saved(data.composite),
            }
        return {
            "background": payload.background.path if payload.background else None,
            "layers": [layer.path for layer in payload.layers or [] if layer is not None],
            "composite": payload.composite.path if payload.composite else None,
        }


def _saved(data: Any) -> str | None:
    """Blob bytes the editor sent, as a file (their bytes untouched)."""
    if data is None:
        return None
    if hasattr(data, "path"):
        return data.path
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False, dir=gr.utils.get_upload_folder()) as handle:
        handle.write(bytes(data))
    return handle.name


# --- size and seed ---------------------------------------------------------------------------


_SIZE = re.compile(r"\s*(\d+)\s*[x×]\s*(\d+)\s*")


def size_value(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def parse_size(value: Any) -> tuple[int, int] | None:
    """ "1024x1024" (or "1024 × 1024") -> (1024, 1024); empty -> None."""
    if not value:
        return None
    match = _SIZE.fullmatch(str(value))
    if not match:
        raise TitanValidationError("size", value, 'WIDTHxHEIGHT, e.g. "1024x1024"', problem="not a size")
    return int(match[1]), int(match[2])


class SizeWidget(Widget):
    """width × height as one picker of the model's sizes (any WIDTHxHEIGHT may be typed)."""

    fields = ("width", "height")

    def __init__(self, spec: ModelSpec, *, elem_id: str) -> None:
        choices = self._choices(spec)
        self.picker = gr.Dropdown(
            choices=choices,
            value=choices[0][1],
            label="Size",
            info=spec.size_help(),
            allow_custom_value=True,
            elem_id=elem_id,
        )
        self.components = (self.picker,)

    @staticmethod
    def _choices(spec: ModelSpec) -> list[tuple[str, str]]:
        return [(words, size_value(size)) for words, size in spec.size_choices()]

    def read(self, values: Values) -> dict[str, Any]:
        size = parse_size(values.get(self.picker))
        return {"width": size[0], "height": size[1]} if size else {"width": None, "height": None}

    def show(self, request: Request) -> Updates:
        width, height = getattr(request, "width", None), getattr(request, "height", None)
        return {self.picker: size_value((width, height))} if width and height else {}

    def on_model(self, spec: ModelSpec, request_type: type[Request]) -> Updates:
        choices = self._choices(spec)
        shown = availability(spec, request_type, "width", request_type.options()["width"])
        if shown.get("info") == request_type.options()["width"].help:
            shown["info"] = spec.size_help()
        return {self.picker: gr.update(choices=choices, value=choices[0][1], **shown)}


def seed_box(*, info: str, elem_id: str, scale: int | None = None) -> gr.Textbox:
    """A seed typed as text: an empty box reads "random" (Gradio's number box shows 0 for no value)."""
    return gr.Textbox(
        value="", label="Seed", placeholder="random", info=info, max_lines=1, elem_id=elem_id, scale=scale
    )


def typed_seed(text: Any) -> int | str | None:
    """None for an empty box (a new random seed each run), else the number typed.

    Anything that is not a whole number comes back as typed, so titan's check names it in its sentence.
    """
    said = "" if text is None else str(text).strip()
    if not said or said.lower() == "random":
        return None
    return int(said) if re.fullmatch(r"[+-]?\d+", said) else said


class SeedWidget(Widget):
    """The seed: empty means a new random seed every run; a typed number repeats a result."""

    fields = ("seed",)

    def __init__(self, *, elem_id: str) -> None:
        with gr.Row(equal_height=True, elem_classes="seed-row"):
            self.box = seed_box(
                info="Empty: a new random seed every run. Type a number (or reuse one) to repeat a result.",
                elem_id=elem_id,
                scale=3,
            )
            self.dice = gr.Button("🎲 Pick one", size="sm", scale=1, min_width=110, elem_classes="dice")
            self.clear = gr.Button("Random", size="sm", scale=1, min_width=90)
        self.components = (self.box,)

    def read(self, values: Values) -> dict[str, Any]:
        return {"seed": typed_seed(values.get(self.box))}

    def show(self, request: Request) -> Updates:
        seed = getattr(request, "seed", None)
        return {self.box: "" if seed is None else str(seed)}

    def wire(self, model: Any) -> None:
        from titan import get_model

        private = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
        self.dice.click(lambda name: str(random_seed(get_model(name))), inputs=model, outputs=self.box, **private)
        self.clear.click(lambda: "", outputs=self.box, **private)


# --- inpaint: what to change, and what to put there ---------------------------------------------


class MaskPainter(Widget):
    """The picture and, painted over it, the area to change; `titan` turns the strokes into the mask."""

    fields = ("image", "mask_image")

    def __init__(self, *, elem_id: str, label: str = "Image — paint over what to change") -> None:
        self.editor = PathEditor(
            label=label,
            type="filepath",
            format="png",
            image_mode="RGBA",
            sources=["upload", "clipboard"],
            brush=gr.Brush(default_size=40, colors=[BRUSH], color_mode="fixed"),
            eraser=gr.Eraser(default_size=40),
            layers=False,
            transforms=(),
            height=460,
            elem_id=elem_id,
        )
        self.invert = gr.Checkbox(value=False, label="Invert mask", info="Paint what to keep instead.")
        self.background = gr.State(None)  # the uploaded picture, for the price: the strokes are never needed there
        # The picture's State is one of the components: show() writes it (History, Send to, Edit), so every
        # event that shows a request must list it among its outputs.
        self.components = (self.editor, self.invert, self.background)
        private = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
        self.editor.upload(_background, inputs=self.editor, outputs=self.background, **private)
        self.editor.clear(lambda: None, outputs=self.background, **private)

    @property
    def price_components(self) -> tuple[Any, ...]:
        return (self.background,)

    def component_for(self, name: str) -> Any:
        return self.editor

    def read_for_price(self, values: Values) -> dict[str, Any]:
        return {"image": values.get(self.background), "mask_image": None}

    def read(self, values: Values) -> dict[str, Any]:
        editor = values.get(self.editor) or {}
        image = editor.get("background")
        if image is None:
            return {"image": None, "mask_image": None}
        return {"image": image, "mask_image": painted_mask(editor, invert=bool(values.get(self.invert)))}

    def show(self, request: Request) -> Updates:
        image = getattr(request, "image", None)
        if image is None:
            return {self.editor: None, self.invert: False, self.background: None}
        background = picture(image)
        mask = getattr(request, "mask_image", None)
        layers = [mask_to_layer(picture(mask))] if mask is not None else []
        return {
            self.editor: {"background": background, "layers": layers, "composite": background},
            self.invert: False,
            self.background: background,
        }

    def preview(self, editor: Any, invert: bool) -> Any:
        """The exact mask that will be sent (black = change), or None while nothing is painted."""
        if not isinstance(editor, dict) or editor.get("background") is None:
            return None
        return painted_mask(editor, invert=invert)


def _background(editor: Any) -> Any:
    return editor.get("background") if isinstance(editor, dict) else None


def painted_mask(editor: dict[str, Any], *, invert: bool = False) -> Image.Image | None:
    """Titan's mask (black = change) for what was painted, at the picture's size; None when nothing is."""
    try:
        mask = painted_to_titan_mask(editor, size=peek_size(editor["background"]))
    except TitanError:  # nothing painted
        return None
    return invert_mask(mask) if invert else mask


def mask_to_layer(mask: Any) -> np.ndarray:
    """A Titan mask (black = change; a path, PNG bytes or a PIL image) as the editor's painted RGBA layer."""
    painted = np.asarray(load_image(mask, field="mask_image").convert("L")) < 128
    layer = np.zeros((*painted.shape, 4), np.uint8)
    layer[painted] = PAINT
    return layer


class PromptOrRemove(Widget):
    """Inpaint's choice: replace the area with what the prompt says, or remove the object (no prompt sent)."""

    fields = ("text",)
    REPLACE, REMOVE = "Replace", "Remove object"

    def __init__(self, *, elem_id: str, placeholder: str) -> None:
        self.mode = gr.Radio(
            choices=[self.REPLACE, self.REMOVE],
            value=self.REPLACE,
            label="What to do",
            info="Replace: describe what should appear. Remove: the area is filled with background.",
            elem_id=f"{elem_id}-mode",
        )
        self.prompt = gr.Textbox(
            label="Prompt",
            info="Describe the whole scene as it should look, not only the masked part.",
            placeholder=placeholder,
            lines=3,
            max_lines=8,
            elem_id=elem_id,
        )
        self.components = (self.mode, self.prompt)

    def read(self, values: Values) -> dict[str, Any]:
        text = values.get(self.prompt)
        if values.get(self.mode) == self.REMOVE:
            return {"text": None}
        if not (text or "").strip():
            raise TitanValidationError(
                "text", None, "a description of what should appear", problem="the prompt is empty",
                hint='describe what should appear in the painted area, or choose "Remove object"',
            )  # fmt: skip
        return {"text": text}

    def component_for(self, name: str) -> Any:
        return self.prompt

    def read_for_price(self, values: Values) -> dict[str, Any]:
        removing = values.get(self.mode) == self.REMOVE
        return {"text": None if removing else (values.get(self.prompt) or "a prompt")}

    def show(self, request: Request) -> Updates:
        text = getattr(request, "text", None)
        return {self.mode: self.REPLACE if text else self.REMOVE, self.prompt: text or ""}


# --- colours ---------------------------------------------------------------------------------------

_PALETTE_JS = r"""
const host = element.querySelector('.palette');
const most = Number(host.dataset.most || 10), fewest = Number(host.dataset.fewest || 1);
const spare = '#8D99AE';
const normal = (c) => {
  let v = String(c || '').trim().replace(/^#/, '');
  if (/^[0-9a-f]{3}$/i.test(v)) v = v.split('').map((x) => x + x).join('');
  return /^[0-9a-f]{6}$/i.test(v) ? '#' + v.toUpperCase() : null;
};
const colors = () => String(props.value || '').split(/[\s,;]+/).map(normal).filter(Boolean);
const save = (list) => { props.value = list.join(', '); trigger('change'); };
const render = () => {
  const list = colors();
  const box = element.querySelector('.palette');
  box.innerHTML = '';
  list.forEach((color, i) => {
    const swatch = document.createElement('div');
    swatch.className = 'swatch';
    const picker = document.createElement('input');
    picker.type = 'color'; picker.value = color.toLowerCase();
    picker.setAttribute('aria-label', 'Colour ' + (i + 1));
    const hex = document.createElement('input');
    hex.type = 'text'; hex.value = color; hex.maxLength = 7; hex.className = 'hex';
    hex.setAttribute('aria-label', 'Hex code of colour ' + (i + 1));
    const drop = document.createElement('button');
    drop.type = 'button'; drop.textContent = '×'; drop.className = 'drop';
    drop.title = 'Remove this colour'; drop.disabled = list.length <= fewest;
    picker.addEventListener('input', () => { hex.value = picker.value.toUpperCase(); });
    picker.addEventListener('change', () => { list[i] = picker.value.toUpperCase(); save(list); });
    hex.addEventListener('change', () => {
      const value = normal(hex.value);
      if (!value) { hex.value = list[i]; return; }
      list[i] = value; hex.value = value; picker.value = value.toLowerCase(); save(list);
    });
    drop.addEventListener('click', () => { list.splice(i, 1); save(list); render(); });
    swatch.append(picker, hex, drop);
    box.append(swatch);
  });
  const add = document.createElement('button');
  add.type = 'button'; add.className = 'add'; add.textContent = '+ Add colour';
  add.disabled = list.length >= most;
  add.addEventListener('click', () => { list.push(spare); save(list); render(); });
  box.append(add);
};
render();
watch('value', render);
"""


class Palette(Widget):
    """One to ten colours: the browser's own colour picker per swatch, its hex code editable beside it."""

    fields = ("colors",)

    def __init__(self, request_type: type[Request], spec: ModelSpec, *, value: str, elem_id: str) -> None:
        option = request_type.options()["colors"]
        limits = spec.limit(option.limits, option.range)
        most, fewest = (int(limits.high), int(limits.low)) if limits else (10, 1)
        self.palette = gr.HTML(
            value,
            html_template=f'<div class="palette" data-most="{most}" data-fewest="{fewest}"></div>',
            js_on_load=_PALETTE_JS,
            label=option.label,
            elem_id=elem_id,
            elem_classes="palette-box",
        )
        self.components = (self.palette,)

    def read(self, values: Values) -> dict[str, Any]:
        text = str(values.get(self.palette) or "")
        return {"colors": [item for item in re.split(r"[\s,;]+", text) if item] or None}

    def show(self, request: Request) -> Updates:
        colors = getattr(request, "colors", None)
        return {self.palette: ", ".join(colors)} if colors else {}


# --- outpaint: how far to extend ---------------------------------------------------------------------


class ExtendWidget(Widget):
    """Pixels to add on each side, with presets that extend the picture to a common aspect ratio."""

    fields = ("left", "right", "top", "bottom")

    def __init__(self, request_type: type[Request], spec: ModelSpec, *, tab_id: str) -> None:
        from .form import field_widget

        options = request_type.options()
        with gr.Row(equal_height=True, elem_classes="presets"):
            gr.Markdown("**Extend to**", elem_classes="hint preset-label")
            self.presets = {
                ratio: gr.Button(ratio, size="sm", min_width=56, elem_id=f"{tab_id}-to-{ratio.replace(':', 'x')}")
                for ratio in SIZE_PRESETS
            }
        self.sides: dict[str, FieldWidget] = {}
        for pair in (("left", "right"), ("top", "bottom")):
            with gr.Row():
                for side in pair:
                    self.sides[side] = field_widget(side, options[side], spec, elem_id=f"{tab_id}-{side}")
        self.components = tuple(widget.component for widget in self.sides.values())

    def component_for(self, name: str) -> Any:
        return self.sides[name].component

    def read(self, values: Values) -> dict[str, Any]:
        return {side: int(values.get(widget.component) or 0) or None for side, widget in self.sides.items()}

    def show(self, request: Request) -> Updates:
        return {widget.component: int(getattr(request, side, None) or 0) for side, widget in self.sides.items()}

    def on_model(self, spec: ModelSpec, request_type: type[Request]) -> Updates:
        updates: Updates = {}
        for widget in self.sides.values():
            updates |= widget.on_model(spec, request_type)
            updates[widget.component] = {**updates[widget.component], "value": 0}
        return updates

    def wire(self, image: Any) -> None:
        outputs = [widget.component for widget in self.sides.values()]
        for ratio, button in self.presets.items():
            button.click(
                lambda path, ratio=ratio: list(extend_to(path, ratio).values()),
                inputs=image,
                outputs=outputs,
                api_visibility="private",
                queue=False,
            )


def extend_to(image: Any, ratio: str) -> dict[str, int]:
    """Paddings (left, right, top, bottom) that grow `image` to `ratio`, centred; zeros without an image."""
    if not image:
        return dict.fromkeys(("left", "right", "top", "bottom"), 0)
    width, height = peek_size(image)
    across, down = (int(part) for part in ratio.split(":"))
    target_width = max(width, round(height * across / down))
    target_height = max(height, round(width * down / across))
    extra_x, extra_y = target_width - width, target_height - height
    return {
        "left": extra_x // 2,
        "right": extra_x - extra_x // 2,
        "top": extra_y // 2,
        "bottom": extra_y - extra_y // 2,
    }
