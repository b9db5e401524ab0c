"""Where a run's images appear: the gallery (and before/after for edits), what was said about
them, one-click follow-ups (Vary, Edit, Extend, Remove background, Upscale) and the Request panel.

Follow-up buttons stay disabled until there is a result to act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from titan import Delivered, Price

from .form import Updates

#: Follow-ups offered under every result: button words -> the tab that receives the image.
ACTIONS = {
    "Vary": "variation",
    "Edit": "inpaint",
    "Extend": "outpaint",
    "Remove background": "remove_background",
    "Upscale": "upscale",
}


@dataclass
class ResultArea:
    gallery: Any
    status: Any
    notes: Any
    request: Any
    snippet: Any
    current: Any  # gr.State: {"paths": [...], "prompt": str, "index": int}
    slider: Any = None
    actions: dict[str, Any] = field(default_factory=dict)
    download: Any = None

    def outputs(self) -> list[Any]:
        extra = [component for component in (self.slider, self.download) if component is not None]
        return [
            self.gallery,
            self.status,
            self.notes,
            self.request,
            self.snippet,
            self.current,
            *extra,
            *self.actions.values(),
        ]

    def show(self, delivered: Delivered, paths: list[str], *, status: str, before: Any = None) -> Updates:
        """The run's images (`paths`: the copies the page may show, in order) and what was said about them."""
        seeds = delivered.result.image_seeds
        captions = [
            f"seed {seed} · {i + 1}/{len(paths)}" if seed is not None else f"{i + 1}/{len(paths)}"
            for i, seed in enumerate(seeds)
        ]
        said = [*delivered.notices, *delivered.result.notes, *delivered.warnings]
        updates: Updates = {
            self.gallery: gr.update(value=list(zip(paths, captions, strict=True)), columns=1 if len(paths) == 1 else 2),
            self.status: status,
            self.notes: gr.update(value="\n".join(f"- {line}" for line in said), visible=bool(said)),
            self.request: delivered.calls,
            self.snippet: delivered.snippet,
            self.current: {"paths": paths, "prompt": delivered.result.request.prompt, "index": 0},
        }
        if self.slider is not None:
            updates[self.slider] = gr.update(
                value=(before, paths[0]) if before is not None else None, visible=before is not None
            )
        if self.download is not None:
            updates[self.download] = gr.update(value=paths[0], visible=True)
        for button in self.actions.values():
            updates[button] = gr.update(interactive=True)
        return updates


def build_result_area(
    tab_id: str, *, before_after: bool = False, checker: bool = False, download: bool = False
) -> ResultArea:
    """Gallery (elem_id "<tab>-results"), status, notes, follow-ups and the Request panel."""
    slider = None
    if before_after:
        slider = gr.ImageSlider(
            label="Before / after", type="filepath", format="png", visible=False, max_height=560,
            buttons=["download", "fullscreen"], elem_id=f"{tab_id}-compare",
        )  # fmt: skip
    gallery = gr.Gallery(
        label="Results",
        format="png",
        columns=1,
        height="auto",
        object_fit="contain",
        interactive=False,
        buttons=["download", "fullscreen"],
        elem_classes=["results", "checker"] if checker else ["results"],
        elem_id=f"{tab_id}-results",
    )
    status = gr.Markdown("", elem_classes="status", elem_id=f"{tab_id}-status")
    notes = gr.Markdown("", visible=False, elem_classes="notes", elem_id=f"{tab_id}-notes")
    download_button = None
    if download:
        download_button = gr.DownloadButton("Download PNG", visible=False, variant="secondary", size="md")
    current = gr.State(None)
    with gr.Row(elem_classes="send-row"):
        gr.Markdown("Then", elem_classes="send-label", min_height=0)
        actions = {
            words: gr.Button(
                words,
                size="sm",
                min_width=60,
                interactive=False,
                elem_classes="send",
                elem_id=f"{tab_id}-then-{target}",
            )
            for words, target in ACTIONS.items()
            if target != tab_id
        }
    with gr.Accordion("Request", open=False, elem_classes="request"):
        request = gr.JSON(label="What was sent (base64 shortened)", open=True)
        snippet = gr.Code(label="Send it again with boto3", language="python", lines=12, max_lines=30)
    gallery.select(_selected, inputs=current, outputs=current, api_visibility="private", queue=False)
    return ResultArea(gallery, status, notes, request, snippet, current, slider, actions, download_button)


def _selected(current: dict[str, Any] | None, event: gr.SelectData) -> dict[str, Any] | None:
    if not current:
        return current
    return {**current, "index": int(event.index or 0)}


def price_words(price: Price | None, *, billed: bool, model_name: str) -> str:
    """The line beside Generate: what this click costs, and which service sells it when that is not the model."""
    if price is None:
        return ""
    count = f" · {price.images} × ${price.per_image:.3f}" if price.images > 1 else ""
    service = f" · uses {price.service}" if price.service != model_name else ""
    unsure = " (price not confirmed by AWS)" if not price.confirmed else ""
    if billed:
        return f"≈ **${price.total:.3f}** on Amazon Bedrock{count}{service}{unsure}"
    return f"**$0.00** offline · on Bedrock ≈ ${price.total:.3f}{count}{service}{unsure}"
