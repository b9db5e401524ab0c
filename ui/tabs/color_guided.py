"""Color guided: a palette of one to ten colours (the browser's colour picker), optionally on a layout."""

from __future__ import annotations

import gradio as gr

from titan import Request

from ..form import Form
from ..samples import PALETTES
from ..tab import Shared, TabParts, task_tab
from ..widgets import Palette


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    palette: list[Palette] = []

    def own(form: Form) -> None:
        palette.append(form.add(Palette(request_type, shared.spec, value=PALETTES[0][1], elem_id="color-palette")))

    def examples(form: Form) -> None:
        gr.Examples(
            examples=[[prompt, colors] for prompt, colors in PALETTES],
            inputs=[form.component("text"), palette[0].palette],
            label="Try a palette",
        )

    return task_tab(shared, request_type, own_widgets=own, examples=examples, receives="reference_image")
