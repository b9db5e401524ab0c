"""Inpaint: paint over what to change, then replace it with the prompt or remove it; the exact mask is shown."""

from __future__ import annotations

import gradio as gr

from titan import Request

from ..form import Form
from ..samples import sample
from ..tab import Shared, TabParts, task_tab
from ..widgets import MaskPainter, PromptOrRemove


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    painter: list[MaskPainter] = []

    def own(form: Form) -> None:
        painter.append(form.add(MaskPainter(elem_id="inpaint-editor")))
        form.add(PromptOrRemove(elem_id="inpaint-prompt", placeholder="A bowl of lemons on a wooden table"))

    def aside(form: Form) -> None:
        preview = gr.Image(
            label="Mask that will be sent (black = change)",
            type="pil",
            format="png",
            interactive=False,
            height=200,
            elem_classes="mask-preview",
            buttons=["download"],
        )
        editor = painter[0]
        gr.on(
            [editor.editor.change, editor.invert.change],
            editor.preview,
            inputs=[editor.editor, editor.invert],
            outputs=preview,
            api_visibility="private",
            show_progress="hidden",
            trigger_mode="always_last",
        )

    def examples(form: Form) -> None:
        gr.Examples(
            examples=[[sample("still_life.png"), "A bowl of green apples, soft daylight"]],
            inputs=[painter[0].editor, form.component("text")],
            label="Try a sample",
        )

    return task_tab(shared, request_type, own_widgets=own, aside=aside, examples=examples)
