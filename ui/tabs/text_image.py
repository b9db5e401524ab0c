"""Text to image: a prompt, optionally a layout guide; example prompts to start from."""

from __future__ import annotations

import gradio as gr

from titan import Request

from ..form import Form
from ..samples import TEXT_PROMPTS
from ..tab import Shared, TabParts, task_tab


def _examples(form: Form) -> None:
    gr.Examples(examples=[[prompt] for prompt in TEXT_PROMPTS], inputs=[form.component("text")], label="Try a prompt")


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    return task_tab(shared, request_type, receives="condition_image", examples=_examples)
