"""History: every past result of this user, newest first; its settings back into its tab in one click."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import History, TitanError, metadata_request, read_png_metadata

from ..history_view import listing, zip_file
from ..restore import describe, tab_of
from ..tab import Shared, person_of

TAB_ID = "history"
NO_META = "This PNG carries no settings this playground can read: it was not made here, or its metadata was stripped."


def build_restore_drop() -> Any:
    """The one "Restore from PNG" upload, in the header so it works from every tab."""
    return gr.UploadButton(
        "⤒ Restore settings from a PNG",
        file_types=[".png"],
        type="filepath",
        size="sm",
        scale=0,
        min_width=230,
        elem_id="restore-png",
    )


def build(shared: Shared, drop: Any) -> Any:
    history: History = shared.playground.history
    private: dict[str, Any] = {"api_visibility": "private", "queue": False}
    with gr.Tab("History", id=TAB_ID, elem_id="history-tab") as tab, gr.Row(equal_height=False):
        with gr.Column(scale=7, min_width=320):
            with gr.Row(equal_height=True):
                kinds = [(part.request_type.label, part.request_type.task) for part in shared.parts.values()]
                task = gr.Dropdown([("All tasks", ""), *kinds], value="", label="Task")
                query = gr.Textbox(label="Search prompts", placeholder="lighthouse", scale=2, elem_id="history-query")
            gallery = gr.Gallery(
                label="Past results, newest first",
                format="png",
                columns=4,
                height=560,
                object_fit="cover",
                allow_preview=False,
                interactive=False,
                elem_id="history-gallery",
            )
            count = gr.Markdown("", elem_classes="hint")
        with gr.Column(scale=5, min_width=300, elem_classes="history-details"):
            summary = gr.Markdown("Select an image to see the settings that made it.", elem_id="history-summary")
            with gr.Row():
                load = gr.Button("Load these settings", variant="primary", interactive=False, elem_id="history-load")
                delete = gr.Button("Delete", variant="stop", interactive=False, elem_id="history-delete")
            with gr.Row(elem_classes="send-row"):
                gr.Markdown("Send to", elem_classes="send-label", min_height=0)
                sends = {
                    tab_id: gr.Button(part.request_type.label, size="sm", min_width=60, interactive=False)
                    for tab_id, part in shared.parts.items()
                    if part.receives in ("image", "images")
                }
            picked = gr.Dropdown([], value=[], multiselect=True, allow_custom_value=True, label="Runs to download")
            download = gr.DownloadButton("Download ZIP", value=None, size="md", elem_id="history-zip")
            with gr.Accordion("Request", open=False):
                request = gr.JSON(label="What was sent (base64 shortened)", open=True)
            items = gr.State([])
            selected = gr.State(None)  # {"run_id", "index"}
            pending = gr.State(None)  # restored settings to put back once the model picker has settled
    actions = [load, delete, *sends.values()]

    def user(req: gr.Request | None) -> str | None:
        return person_of(req).user

    def list_runs(task: str, query: str, req: gr.Request) -> dict[Any, Any]:
        view = listing(history, history.runs(user(req), task=task or None, query=query or ""))
        return {gallery: view.gallery, items: view.items, count: view.count, picked: gr.update(choices=view.choices)}

    def select(info: list[dict[str, Any]], event: gr.SelectData, req: gr.Request) -> dict[Any, Any]:
        item = info[event.index]
        run = history.get(user(req), item["run_id"])
        chosen = {"run_id": run.run_id, "index": item["index"]}
        updates = {selected: chosen, summary: describe(run, item["index"]), request: run.calls, picked: [run.run_id]}
        return updates | {button: gr.update(interactive=True) for button in actions}

    def fill(run: Any, request_made: Any) -> dict[Any, Any]:
        tab_id = tab_of(run)
        part = shared.parts[tab_id]
        gr.Info(f"Settings of this {run.label.lower()} run loaded.")
        values = part.form.show(request_made)
        return values | {shared.tabs: gr.Tabs(selected=tab_id), shared.model: run.model_id, pending: (tab_id, run)}

    def load_run(chosen: dict[str, Any] | None, req: gr.Request) -> dict[Any, Any]:
        run = _get(history, user(req), chosen)
        return fill(run, history.restore_request(run))

    def restore_png(path: str | None, req: gr.Request) -> dict[Any, Any]:
        meta = read_png_metadata(path) if path else None
        if meta is None:
            if path:
                gr.Warning(NO_META)
            return {drop: None}
        try:
            run = history.get(user(req), str(meta.get("run_id")))
            made = history.restore_request(run)
        except TitanError:  # another user's or another machine's PNG: its settings, without its input images
            run, made = metadata_request(meta)
            if run.request and any(str(value).startswith("@inputs/") for value in run.request.values()):
                gr.Warning("Settings restored; its input images are not in your history, so add them again.")
        return fill(run, made) | {drop: None}

    def again(held: Any, model: str) -> dict[Any, Any]:
        """After the model picker reset its defaults, put the restored values back (once)."""
        if not held or held[1].model_id != model:
            return {pending: None}
        tab_id, run = held
        return shared.parts[tab_id].form.show(history.restore_request(run)) | {pending: None}

    def delete_run(chosen: dict[str, Any] | None, task: str, query: str, req: gr.Request) -> dict[Any, Any]:
        if chosen:
            history.delete(user(req), chosen["run_id"])
        cleared = {selected: None, summary: "Deleted.", request: None, picked: []}
        return list_runs(task, query, req) | cleared | {button: gr.update(interactive=False) for button in actions}

    def make_zip(ids: list[str] | None, req: gr.Request) -> str | None:
        try:
            return zip_file(history, user(req), ids)
        except TitanError as err:
            raise gr.Error(f"Could not pack those runs: {err}", print_exception=False) from None

    listed = [gallery, items, count, picked]
    gr.on([tab.select, task.change, query.submit], list_runs, inputs=[task, query], outputs=listed, **private)
    gallery.select(select, inputs=items, outputs=[selected, summary, request, picked, *actions], **private)
    controls = list(dict.fromkeys(c for part in shared.parts.values() for c in part.form.components))
    filled = [shared.tabs, shared.model, pending, *controls]
    load.click(load_run, inputs=selected, outputs=filled, **private)
    drop.upload(restore_png, inputs=drop, outputs=[drop, *filled], **private)
    delete.click(
        delete_run, inputs=[selected, task, query], outputs=[*listed, selected, summary, request, *actions], **private
    )
    picked.change(make_zip, inputs=picked, outputs=download, **private)
    for tab_id, button in sends.items():
        part = shared.parts[tab_id]

        def send(chosen: dict[str, Any] | None, req: gr.Request, part: Any = part) -> dict[Any, Any]:
            run = _get(history, user(req), chosen)
            path = str(history.output_path(run, int(chosen["index"])))
            return part.receive(path, run.prompt) | {shared.tabs: gr.Tabs(selected=part.tab_id)}

        button.click(send, inputs=selected, outputs=[*part.form.components, shared.tabs], **private)

    def wire_model_change(changed: Any) -> None:
        changed.then(again, inputs=[pending, shared.model], outputs=[pending, *controls], **private)

    return wire_model_change


def _get(history: History, user: str | None, chosen: dict[str, Any] | None) -> Any:
    if not chosen:
        raise gr.Error("Select an image in History first.", print_exception=False)
    try:
        return history.get(user, chosen["run_id"])
    except TitanError as err:
        raise gr.Error(f"That run is no longer in your history ({err}).", print_exception=False) from None
