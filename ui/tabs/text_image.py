"""Text to image: a prompt, optionally guided by a condition image; Nova style presets."""

from __future__ import annotations

import gradio as gr

from titan import MODELS, ModelSpec, Task
from titan.models import CONTROL_MODES
from titan.options import OPTIONS

from .. import shared as s
from ..samples import TEXT_PROMPTS

TASK = Task.TEXT_IMAGE
TAB_ID = "text_image"


def _style_choices(spec: ModelSpec | None = None) -> list[tuple[str, str]]:
    """Presets of `spec`; without one, of every model (so the API accepts any model's preset)."""
    styles = spec.styles if spec else dict.fromkeys(style for model in MODELS.values() for style in model.styles)
    return [("No preset", "")] + [(style.replace("_", " ").capitalize(), style) for style in styles]


def build(shared: s.Shared) -> s.TabParts:
    spec = shared.spec
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            prompt, negative = s.build_prompt_fields(
                TAB_ID,
                placeholder="An image of a lighthouse on a rocky coast at dawn, watercolor, soft pastel light",
                lines=3,
            )
            style = gr.Dropdown(
                choices=_style_choices(),
                value="",
                label=OPTIONS["style"].label,
                info=OPTIONS["style"].help,
                visible=bool(spec.styles),
            )
            with gr.Accordion("Condition image (optional)", open=False, visible=spec.conditioning) as condition_box:
                condition = gr.Image(
                    label=OPTIONS["condition_image"].label,
                    type="filepath",
                    format="png",
                    sources=["upload", "clipboard"],
                    height=220,
                )
                gr.Markdown(OPTIONS["condition_image"].help, elem_classes="hint")
                mode = gr.Radio(
                    choices=list(CONTROL_MODES),
                    value=CONTROL_MODES[0],
                    label=OPTIONS["control_mode"].label,
                    info=OPTIONS["control_mode"].help,
                )
                strength = s.option_slider("control_strength", spec.control_strength, step=0.05)
            settings = s.build_generation_settings(spec)
            row = s.build_generate_row(shared, TASK, TAB_ID)
            gr.Examples(examples=[[p] for p in TEXT_PROMPTS], inputs=[prompt], label="Try a prompt")
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            result = s.build_result_area(TAB_ID)

    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.text_image,
        inputs={
            "prompt": prompt,
            "negative_prompt": negative,
            "condition_image": condition,
            "control_mode": mode,
            "control_strength": strength,
            "style": style,
        },
        result=result,
        settings=settings,
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        return s.model_updates(spec, TASK, row, settings) | {
            style: gr.update(choices=_style_choices(spec), value="", visible=bool(spec.styles)),
            condition_box: gr.update(visible=spec.conditioning),
            strength: gr.update(minimum=spec.control_strength.low, maximum=spec.control_strength.high),
        }

    target = s.SendTarget(TAB_ID, condition, lambda path: path)
    return s.TabParts(TAB_ID, TASK, result, on_model, targets={"condition": target})
