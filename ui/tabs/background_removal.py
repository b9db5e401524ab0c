"""Background removal: the subject cut out onto transparency, shown on a checkerboard, downloadable as PNG."""

from __future__ import annotations

import gradio as gr

from titan import Request

from ..form import Form
from ..samples import sample
from ..tab import Shared, TabParts, task_tab


def _examples(form: Form) -> None:
    gr.Examples(examples=[[sample("product.png")]], inputs=[form.component("image")], label="Try a sample")


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    return task_tab(shared, request_type, checker=True, download=True, before_after=True, examples=_examples)
