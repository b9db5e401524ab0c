"""Background removal: upload a picture, get a transparent PNG shown on a checkerboard."""

from __future__ import annotations

import gradio as gr

from titan import ModelSpec, Task
from titan.options import OPTIONS

from .. import shared as s
from ..handlers import image_size
from ..samples import sample

TASK = Task.BACKGROUND_REMOVAL
TAB_ID = "remove_background"


def build(shared: s.Shared) -> s.TabParts:
    with gr.Tab(TASK.label, id=TAB_ID), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=340, elem_classes="inputs"):
            image = gr.Image(
                label=OPTIONS["image"].label,
                type="filepath",
                format="png",
                sources=["upload", "clipboard"],
                height=380,
                elem_id="remove_background-image",
            )
            gr.Markdown(
                "The subject is kept and everything else becomes transparent. "
                "This task takes no prompt and no generation settings.",
                elem_classes="hint",
            )
            row = s.build_generate_row(shared, TASK, TAB_ID, label="Remove background")
            gr.Examples(examples=[[sample("product.png")]], inputs=[image], label="Try a sample")
        with gr.Column(scale=6, min_width=360, elem_classes="outputs"):
            result = s.build_result_area(TAB_ID, checker=True, download=True)

    s.wire_task(
        shared,
        row=row,
        task=TASK,
        api_name=TAB_ID,
        run=shared.runner.remove_background,
        inputs={"image": image},
        result=result,
        size_inputs={"image": image},
        size_of=lambda image: image_size(image),
    )

    def on_model(spec: ModelSpec) -> s.Updates:
        return s.model_updates(spec, TASK, row, None)

    target = s.SendTarget(TAB_ID, image, lambda path: path)
    return s.TabParts(TAB_ID, TASK, result, on_model, targets={"remove_background": target})
