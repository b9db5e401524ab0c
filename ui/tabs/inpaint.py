"""Inpaint: paint over what to change (or name it), replace it with a prompt or remove it."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import ModelSpec, Task, TitanError
from titan.options import OPTIONS

from .. import shared as s
from ..handlers import INPAINT_MODES, REPLACE, image_size, inpaint_mask
from ..samples import sample

TASK = Task.INPAINTING
TAB_ID = "inpaint"
BRUSH_COLOR = ("#FF2D6F", 0.55)


def mask_preview(editor: dict[str, Any] | None, invert: bool, mask_prompt: str) -> Any:
    """The exact mask that will be sent (black = change), or None when there is none yet."""
    if (mask_prompt or "").strip() or not isinstance(editor, dict) or editor.get("background") is None:
        return None
    try:
        return inpaint_mask(editor, invert=invert)
    except TitanError:  # nothing painted yet
        return None


def build(shared: s.Shared) -> s.TabParts:
    spec = shared.spec
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            editor = gr.ImageEditor(
                label="Image — paint over what to change",
                type="numpy",
                format="png",
                image_mode="RGBA",
                sources=["upload", "clipboard"],
                brush=gr.Brush(default_size=40, colors=[BRUSH_COLOR], color_mode="fixed"),
                eraser=gr.Eraser(default_size=40),
                layers=False,
                transforms=(),
                height=460,
                elem_id="inpaint-editor",
            )
            with gr.Row(equal_height=True):
                mode = gr.Radio(
                    choices=list(INPAINT_MODES),
                    value=REPLACE,
                    label="What to do",
                    info="Replace needs a prompt; Remove object fills the area with background.",
                    scale=3,
                )
                invert = gr.Checkbox(value=False, label="Invert mask", info="Paint what to keep instead.", scale=2)
            prompt, negative = s.build_prompt_fields(
                TAB_ID, placeholder="A bowl of lemons on a wooden table, soft daylight"
            )
            mask_prompt = gr.Textbox(
                label=f"{OPTIONS['mask_prompt'].label} (optional)",
                info=OPTIONS["mask_prompt"].help + " When set, the painting is ignored.",
                lines=1,
            )
            settings = s.build_generation_settings(spec, edit=True)
            row = s.build_generate_row(shared, TASK, TAB_ID)
            gr.Examples(
                examples=[[sample("still_life.png"), "A bowl of green apples, soft daylight"]],
                inputs=[editor, prompt],
                label="Try a sample",
            )
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            preview = gr.Image(
                label="Mask that will be sent (black = change)",
                type="pil",
                format="png",
                interactive=False,
                height=200,
                elem_classes="mask-preview",
                buttons=["download"],
            )
            result = s.build_result_area(TAB_ID)

    s.on_change(mask_preview, inputs={"editor": editor, "invert": invert, "mask_prompt": mask_prompt}, outputs=preview)
    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.inpaint,
        inputs={
            "editor": editor,
            "mode": mode,
            "prompt": prompt,
            "negative_prompt": negative,
            "mask_prompt": mask_prompt,
            "invert": invert,
        },
        result=result,
        settings=settings,
        size_inputs={"editor": editor},
        size_of=lambda editor: image_size(editor),
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        return s.model_updates(spec, TASK, row, settings)

    def editor_value(path: str) -> dict[str, Any]:
        return {"background": path, "layers": [], "composite": path}

    target = s.SendTarget(TAB_ID, editor, editor_value)
    return s.TabParts(TAB_ID, TASK, result, on_model, targets={"inpaint": target})
