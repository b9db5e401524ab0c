"""`build_app(settings)`: the whole page, assembled from the banner, the model picker and one
module per tab; `launch_options(settings)` holds what Gradio 6 takes at launch (theme, CSS)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import TitanClient, get_model
from titan.history import History, LocalBlobStore, open_store
from titan.redact import install_log_redaction

from . import shared as s
from .handlers import Runner
from .models import ModelBoard, PickerParts, apply_now, merge
from .samples import CSS_PATH
from .settings import AppSettings
from .tabs import color_guided, inpaint, outpaint, remove_background, text_image, variation
from .tabs import history as history_tab

TAB_MODULES = (text_image, inpaint, outpaint, variation, color_guided, remove_background)
TITLE = "Titan Image Playground"
QUEUE_LIMIT = 200  # beyond this, new requests are told the server is busy instead of waiting forever


def build_app(
    settings: AppSettings,
    client: TitanClient | None = None,
    history: History | None = None,
    *,
    control_plane: Any = None,
) -> gr.Blocks:
    """The playground page. `client` defaults to one made from `settings` (engine, model, region),
    `history` to the store `settings.history_location()` names (a folder or s3://bucket/prefix).
    On the Bedrock engine the model states are asked once here (`control_plane`: a stand-in
    for Bedrock's, for tests), for at most about two seconds."""
    install_log_redaction()  # botocore's debug logs carry credential headers
    if client is None:
        client = TitanClient(engine=settings.engine, model_id=settings.model, region=settings.region)
    if history is None:
        history = History(open_store(settings.history_location()))
    runner = Runner(client, history, settings.budget())
    board = ModelBoard.for_engine(client.engine, control_plane=control_plane)
    spec = get_model(board.default_model() if settings.pick_model else settings.model)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Row(equal_height=True, elem_classes="topbar"):
            with gr.Column(scale=3, min_width=320):
                gr.Markdown(
                    f"# {TITLE}\nMake, edit and extend images with Amazon's image models.", elem_classes="title"
                )
            model = gr.Dropdown(
                choices=board.choices(),
                value=spec.model_id,
                label="Model",
                scale=2,
                min_width=400,  # one line per option: name · state · price
                elem_id="model-picker",
            )
            restore_drop = history_tab.build_restore_drop()
        banner = gr.HTML(s.banner_html(runner.engine, spec, runner.region()), elem_id="engine-banner")
        with gr.Row(equal_height=False, elem_classes="lifecycle-row"):
            notice = gr.Markdown("", visible=False, elem_classes="lifecycle-notice", scale=4, elem_id="model-notice")
            switch = gr.Button("Switch", visible=False, size="sm", scale=1, min_width=180, elem_id="model-switch")
        gr.Markdown(board.note(), visible=bool(board.note()), elem_classes="hint lifecycle-note")
        picker = PickerParts(board, model, notice, switch)
        with gr.Tabs(elem_id="task-tabs") as tabs:
            shared = s.Shared(settings=settings, runner=runner, model=model, tabs=tabs, spec=spec, models=picker)
            parts = [module.build(shared) for module in TAB_MODULES]
            wire_history = history_tab.build(shared, parts, restore_drop)
        picker.bind(shared, parts)
        apply_now(picker.updates(spec.model_id))  # how the page starts: the same as picking the model
        gr.Markdown(
            "Images are saved as PNG with their request inside. Titan adds an invisible watermark to "
            "its images; the offline preview marks its own.",
            elem_classes="footer-note",
        )

        wire_history(_wire_model_picker(shared, parts, banner, notice, switch))
        _wire_send_to(shared, parts)
    demo.queue(max_size=QUEUE_LIMIT)
    return demo


def _wire_model_picker(
    shared: s.Shared, parts: list[s.TabParts], banner: gr.HTML, notice: gr.Markdown, switch: gr.Button
) -> Any:
    """Returns the model change event, so History can put restored values back after it."""

    def on_model(model: str) -> s.Updates:
        spec = get_model(model)
        updates: s.Updates = {banner: s.banner_html(shared.engine, spec, shared.runner.region())}
        for part in parts:
            updates |= part.on_model(spec)
        return merge(updates, shared.models.updates(spec.model_id))  # lifecycle, greyed tabs, ignored controls

    outputs = list(on_model(shared.spec.model_id))
    changed = shared.model.change(on_model, inputs=shared.model, outputs=outputs, api_visibility="private", queue=False)
    switch.click(
        shared.models.switch_to,
        inputs=shared.model,
        outputs=shared.model,
        api_visibility="private",
        queue=False,
    )
    return changed


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
    location = settings.history_location()
    if not str(location).startswith("s3://"):  # S3 history is served from a cache in the temp dir
        options["allowed_paths"] = [str(LocalBlobStore(location).root)]
    return options
