"""Color guided: an image made of a palette of one to ten colours, optionally on a reference layout."""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from titan import ModelSpec, Task
from titan.options import OPTIONS
from titan.tasks.color_guided import normalize_color

from .. import shared as s
from ..handlers import parse_colors
from ..samples import PALETTES

TASK = Task.COLOR_GUIDED_GENERATION
TAB_ID = "color_guided"
START = parse_colors(PALETTES[0][1])
SPARE = "#8D99AE"  # colour given to a newly added picker
HEX = re.compile(r"#[0-9A-F]{6}")  # what a colour picker holds


def build(shared: s.Shared) -> s.TabParts:
    spec = shared.spec
    most, fewest = int(spec.colors.high), int(spec.colors.low)
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            gr.Markdown(f"**{OPTIONS['colors'].label}** — {OPTIONS['colors'].help}", elem_classes="hint")
            count = gr.State(len(START))
            with gr.Row(elem_classes="swatches"):
                pickers = [
                    gr.ColorPicker(
                        value=START[i] if i < len(START) else SPARE,
                        label=f"{i + 1}",
                        visible=i < len(START),
                        min_width=64,
                        scale=0,
                        elem_classes="swatch",
                        elem_id=f"color-{i + 1}",
                    )
                    for i in range(most)
                ]
            with gr.Row():
                add = gr.Button("+ Add color", size="sm", elem_id="color-add")
                remove = gr.Button("Remove last", size="sm", elem_id="color-remove")
            palette = gr.Textbox(
                value=", ".join(START),
                label="Palette as hex",
                info="Edit or paste hex codes here; the swatches follow.",
                lines=1,
                elem_id="color-palette",
            )
            prompt, negative = s.build_prompt_fields(
                TAB_ID, placeholder="A calm living room interior, soft daylight, wide shot"
            )
            with gr.Accordion(f"{OPTIONS['reference_image'].label} (optional)", open=False):
                reference = gr.Image(
                    label=OPTIONS["reference_image"].label,
                    type="filepath",
                    format="png",
                    sources=["upload", "clipboard"],
                    height=220,
                )
                gr.Markdown(OPTIONS["reference_image"].help, elem_classes="hint")
            settings = s.build_generation_settings(spec)
            row = s.build_generate_row(shared, TASK, TAB_ID)
            gr.Examples(
                examples=[[prompt_, colors] for prompt_, colors in PALETTES],
                inputs=[prompt, palette],
                label="Try a palette",
            )
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            result = s.build_result_area(TAB_ID)

    def show(colors: list[str], *, text: bool = True) -> s.Updates:
        """Pickers and count (and the hex text) for a palette, clipped to what the model takes."""
        colors = [color for color in map(normalize_color, colors) if HEX.fullmatch(str(color))][:most]
        if not colors:
            return {}
        updates: s.Updates = {count: len(colors)}
        if text:
            updates[palette] = ", ".join(colors)
        for i, picker in enumerate(pickers):
            updates[picker] = gr.update(value=colors[i] if i < len(colors) else SPARE, visible=i < len(colors))
        return updates

    def current(values: dict[Any, Any]) -> list[str]:
        return [str(values[picker]).upper() for picker in pickers[: values[count]]]

    def resize(values: dict[Any, Any], by: int) -> s.Updates:
        colors = current(values)
        if by > 0 and len(colors) < most:
            colors.append(str(values[pickers[len(colors)]]).upper())
        elif by < 0 and len(colors) > fewest:
            colors.pop()
        return show(colors)

    state_inputs = {count, *pickers}
    outputs = [count, palette, *pickers]
    private: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden", "queue": False}
    add.click(lambda values: resize(values, +1), inputs=state_inputs, outputs=outputs, **private)
    remove.click(lambda values: resize(values, -1), inputs=state_inputs, outputs=outputs, **private)
    # The picker reports a finished choice by release (drag), submit (Enter in its hex box) or blur.
    gr.on(
        [event for picker in pickers for event in (picker.release, picker.submit, picker.blur)],
        lambda values: {palette: ", ".join(current(values))},
        inputs=state_inputs,
        outputs=[palette],
        **private,
    )
    palette.change(
        lambda text: show(parse_colors(text), text=False), inputs=palette, outputs=[count, *pickers], **private
    )

    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.color_guided,
        inputs={"colors": palette, "prompt": prompt, "negative_prompt": negative, "reference_image": reference},
        result=result,
        settings=settings,
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        return s.model_updates(spec, TASK, row, settings)

    return s.TabParts(TAB_ID, TASK, result, on_model)
