"""Image variation: one to five reference images, a similarity slider, an optional prompt."""

from __future__ import annotations

import gradio as gr

from titan import Request

from ..form import Form
from ..samples import sample
from ..tab import Shared, TabParts, task_tab


def _examples(form: Form) -> None:
    gr.Examples(
        examples=[[[sample("still_life.png")], "A still life in the style of a linocut print"]],
        inputs=[form.component("images"), form.component("text")],
        label="Try a sample",
    )


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    return task_tab(shared, request_type, receives="images", examples=_examples)
