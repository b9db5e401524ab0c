"""Outpaint: extend a picture by some pixels on each side (or to an aspect ratio), previewing the canvas."""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import ImageDraw

from titan import Request, TitanError, get_model, pad_for_outpaint, peek_size

from ..form import Form
from ..samples import sample
from ..tab import Shared, TabParts, task_tab
from ..widgets import ExtendWidget

OUTLINE = (255, 45, 111)


def canvas_preview(model: str, image: Any, left: int, right: int, top: int, bottom: int) -> tuple[Any, str]:
    """The padded canvas with the original outlined, and a line about its size."""
    if not image:
        return None, ""
    sides = {"left": int(left or 0), "right": int(right or 0), "top": int(top or 0), "bottom": int(bottom or 0)}
    try:
        canvas, _ = pad_for_outpaint(image, **sides)
    except TitanError as err:
        return None, str(err)
    width, height = canvas.size
    box = (sides["left"], sides["top"], width - sides["right"] - 1, height - sides["bottom"] - 1)
    ImageDraw.Draw(canvas).rectangle(box, outline=OUTLINE, width=max(2, width // 300))
    spec = get_model(model)
    note = f"Canvas {width} × {height} px; grey = new area to generate."
    if max(width, height) > spec.max_input_side:
        note += f" Larger than {spec.name} takes: the picture and the extension will be scaled down together."
    return canvas, note


def build(shared: Shared, request_type: type[Request]) -> TabParts:
    parts: dict[str, Any] = {}

    def own(form: Form) -> None:
        parts["image"] = form.render(["image"], elem_id="outpaint-image")["image"]
        parts["extend"] = form.add(ExtendWidget(request_type, shared.spec, tab_id="outpaint"))
        parts["extend"].wire(parts["image"])

    def aside(form: Form) -> None:
        preview = gr.Image(
            label="Padded canvas preview", type="pil", format="png", interactive=False, height=260,
            elem_classes="canvas-preview",
        )  # fmt: skip
        note = gr.Markdown("", elem_classes="hint")
        inputs = [shared.model, parts["image"], *parts["extend"].components]
        gr.on(
            [component.change for component in inputs[1:]],
            canvas_preview,
            inputs=inputs,
            outputs=[preview, note],
            api_visibility="private",
            show_progress="hidden",
            trigger_mode="always_last",
        )

    def examples(form: Form) -> None:
        gr.Examples(
            examples=[[sample("landscape.png"), 256, 256, 0, 0, "Rolling green hills at sunset, wide landscape"]],
            inputs=[parts["image"], *parts["extend"].components, form.component("text")],
            label="Try a sample",
        )

    return task_tab(
        shared, request_type, own_widgets=own, aside=aside, examples=examples, hidden=("mask_image",),
    )  # fmt: skip


__all__ = ["build", "canvas_preview", "peek_size"]
