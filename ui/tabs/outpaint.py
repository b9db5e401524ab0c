"""Outpaint: extend a picture by some pixels on each side, previewing the padded canvas."""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import ImageDraw

from titan import ModelSpec, Task, TitanError, get_model, pad_for_outpaint
from titan.models import OUTPAINT_MODES
from titan.options import OPTIONS

from .. import shared as s
from ..handlers import padded_size
from ..samples import sample

TASK = Task.OUTPAINTING
TAB_ID = "outpaint"
SIDES = ("left", "right", "top", "bottom")
OUTLINE = (255, 45, 111)


def canvas_preview(model: str, image: Any, left: int, right: int, top: int, bottom: int) -> tuple[Any, str]:
    """The padded canvas with the original outlined, and a line about its size."""
    if image is None:
        return None, ""
    try:
        canvas, _ = pad_for_outpaint(image, left=int(left), right=int(right), top=int(top), bottom=int(bottom))
    except TitanError as err:
        return None, str(err)
    outlined = canvas.copy()
    width, height = canvas.size
    box = (int(left), int(top), width - int(right) - 1, height - int(bottom) - 1)
    ImageDraw.Draw(outlined).rectangle(box, outline=OUTLINE, width=max(2, width // 300))
    spec = get_model(model)
    note = f"Canvas {width} × {height} px; grey = new area to generate."
    if max(width, height) > spec.max_input_side:
        note += f" Too large for {spec.name}: each side at most {spec.max_input_side} px."
    return outlined, note


def build(shared: s.Shared) -> s.TabParts:
    spec = shared.spec
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            image = gr.Image(
                label="Image to extend",
                type="filepath",
                format="png",
                sources=["upload", "clipboard"],
                height=300,
                elem_id="outpaint-image",
            )
            gr.Markdown("**Extend by** (pixels on each side)", elem_classes="hint")
            amounts = {}
            for pair in (SIDES[:2], SIDES[2:]):
                with gr.Row():
                    for side in pair:
                        amounts[side] = gr.Slider(
                            minimum=0,
                            maximum=spec.max_input_side // 2,
                            value=0,
                            step=16,
                            label=side.capitalize(),
                            elem_id=f"outpaint-{side}",
                        )
            prompt, negative = s.build_prompt_fields(
                TAB_ID, placeholder="Rolling green hills under a warm evening sky, a small farmhouse"
            )
            mode = gr.Radio(
                choices=list(OUTPAINT_MODES),
                value=OUTPAINT_MODES[0],
                label=OPTIONS["mode"].label,
                info=OPTIONS["mode"].help,
            )
            mask_prompt = gr.Textbox(
                label=f"{OPTIONS['mask_prompt'].label} (optional)",
                info="Name an object to keep; everything else is regenerated. Replaces the padding mask.",
                lines=1,
            )
            settings = s.build_generation_settings(spec, edit=True)
            row = s.build_generate_row(shared, TASK, TAB_ID)
            gr.Examples(
                examples=[[sample("landscape.png"), 256, 256, 0, 0, "Rolling green hills at sunset, wide landscape"]],
                inputs=[image, *amounts.values(), prompt],
                label="Try a sample",
            )
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            preview = gr.Image(
                label="Padded canvas preview",
                type="pil",
                format="png",
                interactive=False,
                height=260,
                elem_classes="canvas-preview",
            )
            preview_note = gr.Markdown("", elem_classes="hint")
            result = s.build_result_area(TAB_ID)

    geometry = {"model": shared.model, "image": image, **amounts}
    s.on_change(canvas_preview, inputs=geometry, outputs=[preview, preview_note])
    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.outpaint,
        inputs={
            "image": image,
            **amounts,
            "mode": mode,
            "prompt": prompt,
            "negative_prompt": negative,
            "mask_prompt": mask_prompt,
        },
        result=result,
        settings=settings,
        size_inputs={"image": image, **amounts},
        size_of=padded_size,
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        updates = s.model_updates(spec, TASK, row, settings)
        return updates | {slider: gr.update(maximum=spec.max_input_side // 2) for slider in amounts.values()}

    target = s.SendTarget(TAB_ID, image, lambda path: path)
    return s.TabParts(TAB_ID, TASK, result, on_model, targets={"outpaint": target})
