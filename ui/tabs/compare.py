"""Compare models: one prompt and its settings on two to four models side by side, with each one's
price and time. The runs share the playground's fair gate (so Bedrock is not flooded) and go to
History together, marked as one comparison."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import gradio as gr

from titan import MODELS, Delivered, TextImageRequest, TitanError, get_model, new_run_id

from ..form import Form
from ..result import price_words
from ..runs import run_fairly
from ..tab import Shared, person_of
from ..widgets import seed_box, typed_seed

TAB_ID = "compare"
FEWEST, MOST = 2, 4
#: The settings every model takes alike; model-specific ones (style, guide, quality) stay on Text to image.
SHARED_FIELDS = ("text", "negative_text")


def build(shared: Shared) -> None:
    able = [spec for spec in MODELS.values() if spec.supports(TextImageRequest.task)]
    usable = [spec.model_id for spec in able if shared.board.usable(spec.model_id)]
    with gr.Tab("Compare", id=TAB_ID, elem_id="tab-compare"), gr.Row(equal_height=False, elem_classes="task-row"):
        with gr.Column(scale=5, min_width=300, elem_classes="inputs"):
            gr.Markdown(
                "The same prompt on two to four models side by side, each with its price and time.",
                elem_classes="hint task-summary",
            )
            models = gr.CheckboxGroup(
                choices=[(spec.name, spec.model_id) for spec in able],
                value=usable[:FEWEST],
                label="Models",
                info=f"Pick {FEWEST} to {MOST}.",
                elem_id="compare-models",
            )
            form = Form(TextImageRequest, shared.spec, tab_id=TAB_ID)
            form.render(SHARED_FIELDS)
            seed = seed_box(info="Empty: one random seed, the same for every model.", elem_id="compare-seed")
            go = gr.Button("Compare", variant="primary", elem_id="compare-go", elem_classes="go")
            error = gr.Markdown("", visible=False, elem_classes="error-box", elem_id="compare-error")
        with gr.Column(scale=6, min_width=300, elem_classes="outputs"):
            gallery = gr.Gallery(
                label="Side by side",
                format="png",
                columns=2,
                height="auto",
                object_fit="contain",
                interactive=False,
                buttons=["download", "fullscreen"],
                elem_classes="results",
                elem_id="compare-results",
            )
            status = gr.Markdown("", elem_classes="status", elem_id="compare-status")

    async def compare(values: dict[Any, Any], request: gr.Request) -> dict[Any, Any]:
        chosen = list(values[models] or [])
        if not FEWEST <= len(chosen) <= MOST:
            return {error: gr.update(value=f"⚠ Pick {FEWEST} to {MOST} models to compare.", visible=True)}
        seed_value = typed_seed(values[seed])
        try:
            base = form.request(values, shared.spec)
            if seed_value is not None:
                base.replace(seed=seed_value).validate(shared.spec)  # a wrong seed is said once, not per model
        except TitanError as err:
            return {error: gr.update(value=f"⚠ {err}", visible=True)}
        group = {"comparison": new_run_id()}
        person = person_of(request)

        async def one(model: str) -> tuple[str, Delivered | TitanError, float]:
            started = time.perf_counter()
            ask = base.replace(seed=seed_value) if seed_value is not None else base
            try:
                made = await run_fairly(shared.playground, ask, model=model, person=person, extra=group)
            except TitanError as err:
                return model, err, time.perf_counter() - started
            return model, made, time.perf_counter() - started

        outcomes = await asyncio.gather(*(one(model) for model in chosen))
        items, lines = [], []
        for model, outcome, seconds in outcomes:
            spec = get_model(model)
            if isinstance(outcome, TitanError):
                lines.append(f"- **{spec.name}**: ⚠ {outcome}")
                continue
            price = price_words(outcome.result.price, billed=shared.playground.billed, model_name=spec.name)
            for path in outcome.paths:
                items.append((shared.guard.publish(path, person), f"{spec.name} · {seconds:.1f} s"))
            lines.append(f"- **{spec.name}**: {seconds:.1f} s · {price}")
        return {
            gallery: gr.update(value=items, columns=min(len(items), 2) or 1),
            status: "\n".join(lines),
            error: gr.update(value="", visible=False),
        }

    go.click(
        compare,
        inputs={models, seed, *form.components},
        outputs=[gallery, status, error],
        api_visibility="private",
        concurrency_limit=None,
        show_progress_on=[gallery],
    )
