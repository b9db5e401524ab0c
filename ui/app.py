"""`build_app(settings)`: the whole page, assembled from the banner, the model picker and one
module per tab; `launch_options(settings)` holds what Gradio 6 takes at launch (theme, CSS)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import MODELS, ModelSpec, TitanClient, get_model

from . import shared as s
from .handlers import Runner
from .samples import CSS_PATH
from .settings import AppSettings
from .tabs import color_guided, inpaint, outpaint, remove_background, text_image, variation

TAB_MODULES = (text_image, inpaint, outpaint, variation, color_guided, remove_background)
TITLE = "Titan Image Playground"


def build_app(settings: AppSettings, client: TitanClient | None = None) -> gr.Blocks:
    """The playground page. `client` defaults to one made from `settings` (engine, model, region)."""
    if client is None:
        client = TitanClient(engine=settings.engine, model_id=settings.model, region=settings.region)
    runner = Runner(client, settings.outputs_folder(), settings.budget())
    spec = get_model(settings.model)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Row(equal_height=True, elem_classes="topbar"):
            with gr.Column(scale=3, min_width=320):
                gr.Markdown(
                    f"# {TITLE}\nMake, edit and extend images with Amazon's image models.", elem_classes="title"
                )
            model = gr.Dropdown(
                choices=s.model_choices(),
                value=settings.model,
                label="Model",
                scale=2,
                min_width=300,
                elem_id="model-picker",
            )
        banner = gr.HTML(s.banner_html(runner.engine, spec, runner.region()), elem_id="engine-banner")
        notice_text = s.lifecycle_notice(runner.engine, spec)
        with gr.Row(equal_height=True, elem_classes="lifecycle-row"):
            notice = gr.Markdown(notice_text, visible=bool(notice_text), elem_classes="lifecycle-notice", scale=4)
            switch = gr.Button(**_switch_props(runner.engine, spec), size="sm", scale=1, min_width=180)
        with gr.Tabs(elem_id="task-tabs") as tabs:
            shared = s.Shared(settings=settings, runner=runner, model=model, tabs=tabs, spec=spec)
            parts = [module.build(shared) for module in TAB_MODULES]
        gr.Markdown(
            "Images are saved as PNG with their request inside. Titan adds an invisible watermark to "
            "its images; the offline preview marks its own.",
            elem_classes="footer-note",
        )

        _wire_model_picker(shared, parts, banner, notice, switch)
        _wire_send_to(shared, parts)
    return demo


def _switch_props(engine: str, spec: ModelSpec) -> dict[str, Any]:
    """The one-click "Switch to <successor>" button beside the lifecycle notice."""
    successor = MODELS.get(spec.replacement or "")
    shown = bool(s.lifecycle_notice(engine, spec)) and successor is not None
    return {"value": f"Switch to {successor.name}" if successor else "", "visible": shown}


def _wire_model_picker(
    shared: s.Shared, parts: list[s.TabParts], banner: gr.HTML, notice: gr.Markdown, switch: gr.Button
) -> None:
    def on_model(model: str) -> s.Updates:
        spec = get_model(model)
        text = s.lifecycle_notice(shared.engine, spec)
        updates: s.Updates = {
            banner: s.banner_html(shared.engine, spec, shared.runner.region()),
            notice: gr.update(value=text, visible=bool(text)),
            switch: gr.update(**_switch_props(shared.engine, spec)),
        }
        for part in parts:
            updates |= part.on_model(spec)
        return updates

    outputs = list(on_model(shared.spec.model_id))
    shared.model.change(on_model, inputs=shared.model, outputs=outputs, api_visibility="private", queue=False)
    switch.click(
        lambda model: get_model(model).replacement or model,
        inputs=shared.model,
        outputs=shared.model,
        api_visibility="private",
        queue=False,
    )


def _wire_send_to(shared: s.Shared, parts: list[s.TabParts]) -> None:
    """Every result area's "Send to" buttons put the selected image into another tab and open it."""
    targets = {name: target for part in parts for name, target in part.targets.items()}
    for part in parts:
        for name, button in part.result.send.items():
            target = targets[name]

            def send(values: dict[Any, Any], target: s.SendTarget = target, result: s.ResultArea = part.result) -> Any:
                items = values[result.gallery] or []
                if not items:
                    gr.Warning("Nothing to send yet: generate an image first.")
                    return {}
                index = min(int(values[result.selected] or 0), len(items) - 1)
                path = items[index][0] if isinstance(items[index], (tuple, list)) else items[index]
                return {target.component: target.value_for(str(path)), shared.tabs: gr.Tabs(selected=target.tab_id)}

            button.click(
                send,
                inputs={part.result.gallery, part.result.selected},
                outputs=[target.component, shared.tabs],
                api_visibility="private",
                queue=False,
            )


def theme() -> gr.themes.Base:
    """Soft with a restrained indigo accent and local fonts (nothing fetched from the web)."""
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="slate",
        neutral_hue="slate",
        radius_size="md",
        font=("Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"),
        font_mono=("ui-monospace", "SFMono-Regular", "Menlo", "monospace"),
    ).set(
        body_background_fill="#f6f7fb",
        block_border_width="1px",
        block_shadow="0 1px 2px rgba(15, 23, 42, 0.04)",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
    )


def launch_options(settings: AppSettings) -> dict[str, Any]:
    """Keyword arguments for `demo.launch()` that come from the settings."""
    options: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        "theme": theme(),
        "css_paths": [CSS_PATH],
        "footer_links": ["api"],
        "max_file_size": f"{settings.max_upload_mb}mb",
    }
    if settings.auth:
        options["auth"] = list(settings.auth)
    if settings.output_dir is not None:
        options["allowed_paths"] = [str(settings.output_dir)]
    return options
