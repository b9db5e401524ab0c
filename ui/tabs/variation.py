"""Image variation: one to five reference images, a similarity slider, an optional prompt."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import ModelSpec, Task
from titan.options import OPTIONS

from .. import shared as s
from ..samples import sample

TASK = Task.IMAGE_VARIATION
TAB_ID = "variation"


def _references_label(spec: ModelSpec) -> str:
    low, high = int(spec.variation_images.low), int(spec.variation_images.high)
    return f"{OPTIONS['images'].label} ({low}–{high})"


def build(shared: s.Shared) -> s.TabParts:
    spec = shared.spec
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            images = gr.Gallery(
                label=_references_label(spec),
                type="filepath",
                format="png",
                interactive=True,
                file_types=["image"],
                sources=["upload", "clipboard"],
                columns=3,
                height=280,
                object_fit="contain",
                elem_id="variation-images",
            )
            gr.Markdown(OPTIONS["images"].help, elem_classes="hint")
            similarity = s.option_slider(
                "similarity_strength", spec.similarity_strength, step=0.05, visible=spec.similarity
            )
            prompt, negative = s.build_prompt_fields(
                TAB_ID, placeholder="The same scene in autumn colours", optional=True
            )
            settings = s.build_generation_settings(spec)
            row = s.build_generate_row(shared, TASK, TAB_ID)
            gr.Examples(
                examples=[[[sample("still_life.png")], "A still life in the style of a linocut print"]],
                inputs=[images, prompt],
                label="Try a sample",
            )
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            result = s.build_result_area(TAB_ID)

    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.variation,
        inputs={"images": images, "prompt": prompt, "negative_prompt": negative, "similarity": similarity},
        result=result,
        settings=settings,
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        return s.model_updates(spec, TASK, row, settings) | {
            similarity: gr.update(
                minimum=spec.similarity_strength.low, maximum=spec.similarity_strength.high, visible=spec.similarity
            ),
            images: gr.update(label=_references_label(spec)),
        }

    def add_reference(path: str) -> Any:
        return [path]

    target = s.SendTarget(TAB_ID, images, add_reference)
    return s.TabParts(TAB_ID, TASK, result, on_model, targets={"variation": target})
