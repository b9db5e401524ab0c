"""`build_app(settings)`: the whole page — header with the model picker, the engine banner, one tab
per task (found in `titan`'s task registry), History — and `launch_options(settings, demo)`, what
Gradio 6 takes at launch (theme, CSS, auth, limits)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from titan import (
    Gate,
    History,
    Playground,
    Request,
    TitanClient,
    default_data_dir,
    default_index_dir,
    get_model,
    install_log_redaction,
    open_store,
    request_types,
)

from . import api, mcp
from .guard import Guard
from .models import ModelBoard, PickerParts, apply_now, merge
from .page import CSS_PATH, SWITCHED_JS, head, switching_js
from .result import ACTIONS
from .settings import AppSettings
from .tab import Shared, TabParts, initial_price, task_tab
from .tabs import compare as compare_tab
from .tabs import history as history_tab

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
        client = TitanClient(
            engine=settings.engine,
            model_id=settings.model,
            region=settings.region,
            request_timeout=settings.request_timeout,
        )
    if history is None:
        history = History(
            open_store(settings.history_location()), index_dir=settings.history_index_dir, signer=settings.signer()
        )
    playground = Playground(client, history, settings.budget(), gate=Gate(settings.concurrency))
    board = ModelBoard.for_engine(client.engine, control_plane=control_plane)
    guard = Guard(logins=bool(settings.auth))
    spec = get_model(board.default_model() if settings.pick_model else settings.model)

    with PlaygroundBlocks(title=TITLE, analytics_enabled=False) as demo:
        with gr.Row(equal_height=True, elem_classes="topbar"):
            with gr.Column(scale=3, min_width=280):
                gr.Markdown(f"# {TITLE}\nMake, edit and extend images with Amazon Bedrock.", elem_classes="title")
            model = gr.Dropdown(
                choices=board.choices(),
                value=spec.model_id,
                label="Model",
                scale=2,
                min_width=300,
                elem_id="model-picker",
            )
            restore_drop = history_tab.build_restore_drop()
        banner = gr.HTML(banner_html(playground, spec), elem_id="engine-banner")
        with gr.Row(equal_height=False, elem_classes="lifecycle-row"):
            notice = gr.Markdown("", visible=False, elem_classes="lifecycle-notice", scale=4, elem_id="model-notice")
            switch = gr.Button("Switch", visible=False, size="sm", scale=1, min_width=180, elem_id="model-switch")
        gr.Markdown(board.note(), visible=bool(board.note()), elem_classes="hint lifecycle-note")
        reasons = gr.HTML("", elem_id="tab-reasons-box", padding=False)
        picker = PickerParts(board, model, notice, switch, reasons)
        with gr.Tabs(elem_id="task-tabs") as tabs:
            shared = Shared(
                settings=settings, playground=playground, model=model, tabs=tabs, spec=spec, board=board, guard=guard
            )
            for request_type in request_types():
                parts = build_tab(shared, request_type)
                parts.row.price.value = initial_price(shared, parts)
            compare_tab.build(shared)
            wire_history = history_tab.build(shared, restore_drop)
        start = {}
        for part in shared.parts.values():
            start |= part.on_model(spec)
        apply_now(
            merge(start, picker.updates(spec.model_id, shared.parts))
        )  # the page starts as if the model was picked
        gr.Markdown(
            "Every image is kept in your History as a PNG with its settings inside. Offline previews are marked "
            "as previews in their pixels and metadata.",
            elem_classes="footer-note",
        )
        wire_history(_wire_model_picker(shared, picker, banner))
        _wire_follow_ups(shared)
        if settings.mcp:
            mcp.register(shared)
        api.register(shared)
    demo.queue(max_size=QUEUE_LIMIT)
    demo.guard = guard  # type: ignore[attr-defined]  # launch_options hands it to the server
    demo.playground = playground  # type: ignore[attr-defined]  # for whoever runs the page (tests, benches)
    demo.start_facts = start_facts(settings, playground, spec)  # type: ignore[attr-defined]
    return demo


def start_facts(settings: AppSettings, playground: Playground, spec: Any) -> list[str]:
    """One line per fact for the console: what answers, with which model and region, where runs go, who may sign in."""
    engine = playground.client.engine
    reason = engine.reason() if hasattr(engine, "reason") else engine.name
    logins = f"on ({len(settings.auth)} login{'s' * (len(settings.auth) != 1)})" if settings.auth else "off"
    return [
        f"Engine:  {engine.name} — {reason}",
        f"Model:   {spec.name} ({spec.model_id})",
        f"Region:  {playground.region or 'none (offline)'}",
        f"History: {playground.history.store.describe()}",
        f"Auth:    {logins}",
        f"URL:     http://{settings.host}:{settings.port}",
    ]


class PlaygroundBlocks(gr.Blocks):
    """The page, its config without the per-component API documentation the browser never reads.

    Gradio puts each component's API schema into the page config; only the public endpoints'
    own parameters (`gr.api`) are documented through it, so the rest is left out: a much
    smaller page for every visitor and every API client that connects.
    """

    def get_config_file(self) -> Any:
        config = super().get_config_file()
        for component in config["components"]:
            if component.get("type") != "api":
                for key in ("api_info", "api_info_as_input", "api_info_as_output", "example_inputs"):
                    component.pop(key, None)
        return config


def build_tab(shared: Shared, request_type: type[Request]) -> TabParts:
    """The task's own tab module (`ui/tabs/<task module>.py`, `build(shared, request_type)`) when it has one,
    else the standard tab."""
    name = request_type.__module__.rsplit(".", 1)[-1]
    try:
        module = importlib.import_module(f"{__package__}.tabs.{name}")
    except ModuleNotFoundError:
        return task_tab(shared, request_type)
    return module.build(shared, request_type)


def banner_html(playground: Playground, spec: Any) -> str:
    """What answers requests, in one pill; offline, what the preview is and how to connect Bedrock."""
    if playground.billed:
        region = playground.region or "default region"
        return (
            f'<div class="engine-banner bedrock"><span class="dot"></span>Amazon Bedrock · {spec.name} · {region}</div>'
        )
    return (
        '<div class="banner-line"><div class="engine-banner offline"><span class="dot"></span>Offline preview</div>'
        '<span class="banner-help">Shapes and colours from your prompt, real masks and edits; nothing is sent to '
        "AWS, $0. For Bedrock: <code>aws configure</code>, then restart.</span></div>"
    )


def _wire_model_picker(shared: Shared, picker: PickerParts, banner: Any) -> Any:
    """Returns the model change event, so History can put restored values back after it."""

    def on_model(model: str) -> dict[Any, Any]:
        spec = get_model(model)
        updates: dict[Any, Any] = {banner: banner_html(shared.playground, spec)}
        for part in shared.parts.values():
            updates |= part.on_model(spec)
        return merge(updates, picker.updates(spec.model_id, shared.parts))

    outputs = list(on_model(shared.spec.model_id))
    private: dict[str, Any] = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    tabs = [part.tab for part in shared.parts.values()]
    labels = [part.request_type.label for part in shared.parts.values()]
    shared.model.change(None, inputs=shared.model, outputs=tabs, js=switching_js(labels), **private)
    changed = shared.model.change(on_model, inputs=shared.model, outputs=outputs, **private)
    changed.then(None, js=SWITCHED_JS, **private)
    picker.switch.click(picker.switch_to, inputs=shared.model, outputs=shared.model, **private)
    return changed


def _wire_follow_ups(shared: Shared) -> None:
    """Each result's follow-ups put its selected image (and prompt) into another tab and open it."""
    for part in shared.parts.values():
        for words, button in part.result.actions.items():
            target = shared.parts.get(ACTIONS[words])
            if target is None:
                button.visible = False
                continue

            def follow(current: dict[str, Any] | None, target: TabParts = target) -> dict[Any, Any]:
                if not current:
                    return {}
                path = current["paths"][min(int(current.get("index") or 0), len(current["paths"]) - 1)]
                return target.receive(path, current.get("prompt", "")) | {shared.tabs: gr.Tabs(selected=target.tab_id)}

            button.click(
                follow,
                inputs=part.result.current,
                outputs=[*target.form.components, shared.tabs],
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


class CompressedConfig:
    """Gzip for the page's config and the API's description, which every visitor and client fetches
    (half a megabyte of JSON, a tenth of that gzipped). Gradio compresses only paths that end in a
    file extension; everything else (event streams above all) passes through untouched."""

    PATHS = ("/config", "/gradio_api/info")

    def __init__(self, app: Any) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=2048)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith(self.PATHS):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def private_folders(settings: AppSettings) -> list[str]:
    """What Gradio must never serve or read as an input: History, its indexes, the spend file."""
    folders = [default_data_dir(), settings.history_index_dir or default_index_dir()]
    if not isinstance(settings.history_location(), str):
        folders.append(settings.history_location())
    if settings.spend and "://" not in settings.spend:
        folders.append(Path(settings.spend))
    return [str(Path(folder).expanduser().resolve()) for folder in folders]


def launch_options(settings: AppSettings, demo: gr.Blocks) -> dict[str, Any]:
    """Keyword arguments for `demo.launch()` from the settings and the page's guard (file ownership, sign-ins)."""
    options: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        "theme": theme(),
        "css_paths": [CSS_PATH],
        "head": head(),
        "footer_links": ["api"],
        "max_file_size": f"{settings.max_upload_mb}mb",
        "max_threads": max(40, settings.concurrency * 2 + 8),  # running calls, previews and file serving
        "app_kwargs": {"middleware": [demo.guard.middleware(), Middleware(CompressedConfig)]},  # type: ignore[attr-defined]
        "run_history": False,  # History is this app's, per user, on the server; nothing kept in browsers
        "blocked_paths": private_folders(settings),
    }
    if settings.auth:
        options["auth"] = list(settings.auth)
    if settings.mcp:
        options["mcp_server"] = True
    return options
