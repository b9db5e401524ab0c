"""History: every past result of this user, newest first; its settings back into its tab in one click."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import Task, TitanError
from titan.history import History, Run, read_png_metadata

from .. import shared as s
from ..history_view import listing, stored_input, zip_file
from ..restore import describe, metadata_run, run_settings

TAB_ID = "history"
SENDS = {
    "inpaint": "Inpaint",
    "outpaint": "Outpaint",
    "variation": "Variation",
    "remove_background": "Remove background",
}
NO_META = "This PNG carries no Titan Playground settings: it was not made here, or its metadata was stripped."


def build_restore_drop() -> gr.UploadButton:
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


def build(shared: s.Shared, parts: list[s.TabParts], drop: gr.UploadButton) -> Any:
    history: History = shared.runner.history
    private: dict[str, Any] = {"api_visibility": "private", "queue": False}
    with gr.Tab("History", id=TAB_ID, elem_id="history-tab") as tab, gr.Row(equal_height=False):
        with gr.Column(scale=7, min_width=380):
            with gr.Row(equal_height=True):
                task = gr.Dropdown([("All tasks", "")] + [(t.label, t.value) for t in Task], value="", label="Task")
                query = gr.Textbox(label="Search prompts", placeholder="lighthouse", scale=2, elem_id="history-query")
            gallery = gr.Gallery(
                label="Past results, newest first",
                format="png",
                columns=4,
                fit_columns=False,
                height=560,
                object_fit="cover",
                allow_preview=False,
                interactive=False,
                elem_id="history-gallery",
            )
            count = gr.Markdown("", elem_classes="hint")
        with gr.Column(scale=5, min_width=340, elem_classes="history-details"):
            summary = gr.Markdown("Select an image to see the settings that made it.", elem_id="history-summary")
            with gr.Row():
                load = gr.Button("Load these settings", variant="primary", elem_id="history-load", scale=2)
                delete = gr.Button("Delete", variant="stop", size="md", scale=1, elem_id="history-delete")
            with gr.Row(elem_classes="send-row"):
                gr.Markdown("Send to", elem_classes="send-label", min_height=0)
                sends = {k: gr.Button(v, size="sm", min_width=60, elem_classes="send") for k, v in SENDS.items()}
            picked = gr.Dropdown([], value=[], multiselect=True, allow_custom_value=True, label="Runs to download")
            download = gr.DownloadButton("Download ZIP", value=None, size="md", elem_id="history-zip")
            with gr.Accordion("Request", open=False):
                request = gr.JSON(label="Body (images stored as files next to it)", open=True)
            items = gr.JSON(visible=False)  # [{run_id, index, ...}] per gallery item: the API's view of the list
            run_id, index = gr.Textbox(visible=False), gr.Number(0, precision=0, visible=False)
            pending = gr.State(None)  # restored values to apply again once the model picker has settled

    def user(req: gr.Request | None) -> str | None:
        return getattr(req, "username", None)

    def list_runs(task: str, query: str, req: gr.Request) -> s.Updates:
        view = listing(history, history.runs(user(req), task=task or None, query=query or ""))
        return {gallery: view.gallery, items: view.items, count: view.count, picked: gr.update(choices=view.choices)}

    def select(info: list[dict[str, Any]], event: gr.SelectData, req: gr.Request) -> s.Updates:
        item = info[event.index]
        run = history.get(user(req), item["run_id"])
        return {
            run_id: run.run_id,
            index: item["index"],
            summary: describe(run, item["index"]),
            request: run.request,
            picked: [run.run_id],
        }

    def fill(run: Run, input_path: Any) -> s.Updates:
        tab_id, values = run_settings(run, input_path)
        controls = shared.controls[tab_id]
        gr.Info(f"Settings of {Task(run.task).label} run {run.run_id} loaded.")
        updates = {controls[name]: value for name, value in values.items() if name in controls}
        return updates | {shared.tabs: gr.Tabs(selected=tab_id), pending: (tab_id, values)}

    def load_run(selected: str, req: gr.Request) -> s.Updates:
        if not selected:
            raise gr.Error("Select an image in History first.", print_exception=False)
        run = _get(history, user(req), selected)
        return fill(run, lambda name: stored_input(history, run, name))

    def restore_png(path: str | None, req: gr.Request) -> s.Updates:
        meta = read_png_metadata(path) if path else None
        if meta is None:
            if path:
                gr.Warning(NO_META)
            return {drop: None}
        try:
            run = history.get(user(req), str(meta.get("run_id")))
            input_path: Any = lambda name: stored_input(history, run, name)  # noqa: E731
        except TitanError:  # another user's or another machine's PNG: the settings, without input images
            run, input_path = metadata_run(meta, user=user(req) or "local"), lambda name: None
            if any(isinstance(v, (str, list)) and "@inputs/" in str(v) for v in meta["request"].values()):
                gr.Warning("Settings restored; its input images are not in your history, so add them again.")
        return fill(run, input_path) | {drop: None}

    def again(held: Any, model: str) -> s.Updates:
        """After the model picker reset its defaults, put the restored values back (once)."""
        if not held or held[1].get("model") != model:
            return {pending: None}
        controls = shared.controls[held[0]]
        return {controls[name]: v for name, v in held[1].items() if name in controls} | {pending: None}

    def delete_run(selected: str, task: str, query: str, req: gr.Request) -> s.Updates:
        if selected:
            history.delete(user(req), selected)
        return list_runs(task, query, req) | {run_id: "", summary: "Deleted.", request: None, picked: []}

    def make_zip(ids: list[str] | None, req: gr.Request) -> str | None:
        try:
            return zip_file(history, user(req), ids)
        except TitanError as err:
            raise gr.Error(f"Could not pack those runs: {err}", print_exception=False) from None

    listed = [gallery, items, count, picked]
    gr.on([tab.select, task.change], list_runs, inputs=[task, query], outputs=listed, **private)
    query.submit(list_runs, inputs=[task, query], outputs=listed, api_name="history_list", queue=False)
    gallery.select(select, inputs=items, outputs=[run_id, index, summary, request, picked], **private)
    controls = list(dict.fromkeys(c for named in shared.controls.values() for c in named.values()))
    filled = [shared.tabs, pending, *controls]
    load.click(load_run, inputs=run_id, outputs=filled, api_name="history_load")
    drop.upload(restore_png, inputs=drop, outputs=[drop, *filled], api_name="history_restore")
    delete.click(
        delete_run, inputs=[run_id, task, query], outputs=[*listed, run_id, summary, request], api_name="history_delete"
    )
    picked.change(make_zip, inputs=picked, outputs=download, api_name="history_zip")
    targets = {name: target for part in parts for name, target in part.targets.items()}
    for name, button in sends.items():

        def send(selected: str, i: int, req: gr.Request, target: s.SendTarget = targets[name]) -> s.Updates:
            run = _get(history, user(req), selected)
            path = str(history.output_path(run, int(i or 0)))
            return {target.component: target.value_for(path), shared.tabs: gr.Tabs(selected=target.tab_id)}

        button.click(send, inputs=[run_id, index], outputs=[targets[name].component, shared.tabs], **private)

    def wire_model_change(changed: Any) -> None:
        changed.then(again, inputs=[pending, shared.model], outputs=[pending, *controls], **private)

    return wire_model_change


def _get(history: History, user: str | None, run_id: str) -> Run:
    try:
        return history.get(user, run_id)
    except TitanError as err:
        raise gr.Error(f"That run is no longer in your history ({err}).", print_exception=False) from None
