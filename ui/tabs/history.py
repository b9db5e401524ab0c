"""History: every past result of this user, newest first; its settings back into its tab in one click."""

from __future__ import annotations

from typing import Any

import gradio as gr

from titan import (
    History,
    TextImageRequest,
    TitanError,
    describe_foreign,
    metadata_request,
    read_foreign_settings,
    read_png_metadata,
)

from ..history_view import listing, named_copy, zip_file
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
                format="webp",
                columns=4,
                height=560,
                object_fit="cover",
                allow_preview=False,
                interactive=False,
                elem_id="history-gallery",
            )
            with gr.Row(equal_height=True):
                count = gr.Markdown("", elem_classes="hint")
                more = gr.Button("Load more", size="sm", visible=False, elem_id="history-more")
        with gr.Column(scale=5, min_width=300, elem_classes="history-details"):
            preview = gr.Image(
                label="Selected", type="filepath", format="png", interactive=False, height=360, visible=False,
                buttons=["fullscreen"], elem_id="history-preview",
            )  # fmt: skip
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
            save = gr.DownloadButton("Download PNG", value=None, size="md", visible=False, elem_id="history-png")
            picked = gr.Dropdown([], value=[], multiselect=True, allow_custom_value=True, label="Runs to download")
            download = gr.DownloadButton("Download ZIP", value=None, size="md", elem_id="history-zip")
            with gr.Accordion("Request", open=False):
                request = gr.JSON(label="What was sent (base64 shortened)", open=True)
            items = gr.State([])
            listed_runs = gr.State(0)
            selected = gr.State(None)  # {"run_id", "index"}
            pending = gr.State(None)  # restored settings to put back once the model picker has settled
    actions = [load, delete, *sends.values()]

    def user(req: gr.Request | None) -> str | None:
        return person_of(req).user

    def shown(view: Any, req: gr.Request) -> list[tuple[str, str]]:
        return [(shared.guard.publish(path, person_of(req)), words) for path, words in view.gallery]

    def list_runs(task: str, query: str, req: gr.Request) -> dict[Any, Any]:
        view = listing(history, user(req), task=task, query=query)
        return {
            gallery: shown(view, req),
            items: view.items,
            listed_runs: view.shown,
            count: view.count,
            more: gr.update(visible=view.more),
            picked: gr.update(choices=view.choices),
        }

    def load_more(task: str, query: str, offset: int, listed: Any, known: list[Any], req: gr.Request) -> dict[Any, Any]:
        view = listing(history, user(req), task=task, query=query, offset=int(offset or 0))
        before = [(item[0], item[1]) if isinstance(item, (tuple, list)) else item for item in listed or []]
        return {
            gallery: before + shown(view, req),
            items: list(known or []) + view.items,
            listed_runs: view.shown,
            count: view.count,
            more: gr.update(visible=view.more),
        }

    def select(info: list[dict[str, Any]], event: gr.SelectData, req: gr.Request) -> dict[Any, Any]:
        item = info[event.index]
        run = history.get(user(req), item["run_id"])
        index = item["index"]
        chosen = {"run_id": run.run_id, "index": index}
        full = history.output_path(run, index)
        updates = {
            selected: chosen,
            summary: describe(run, index),
            request: run.calls,
            picked: [run.run_id],
            preview: gr.update(value=shared.guard.publish(full, person_of(req)), visible=True),
            save: gr.update(value=shared.guard.publish(named_copy(full, run, index), person_of(req)), visible=True),
        }
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
            return restore_foreign(path) | {drop: None}
        try:
            run = history.get(user(req), str(meta.get("run_id")))
            made = history.restore_request(run)
        except TitanError:  # another user's or another machine's PNG: its settings, without its input images
            run, made = metadata_request(meta)
            if run.request and any(str(value).startswith("@inputs/") for value in run.request.values()):
                gr.Warning("Settings restored; its input images are not in your history, so add them again.")
        return fill(run, made) | {drop: None}

    def restore_foreign(path: str | None) -> dict[Any, Any]:
        """Prompt, negative prompt, seed and size from a PNG another tool made (A1111, ComfyUI, InvokeAI)."""
        found = read_foreign_settings(path) if path else None
        if found is None:
            if path:
                gr.Warning(NO_META)
            return {}
        part = shared.parts["text_image"]
        sized = found.width and found.height and part.form.spec.size_problem(found.width, found.height) is None
        made = TextImageRequest(
            text=found.prompt,
            negative_text=found.negative_prompt,
            seed=found.seed,
            width=found.width if sized else None,
            height=found.height if sized else None,
        )
        said = describe_foreign(found)
        if found.width and found.height and not sized:
            said += f" Its size, {found.width}×{found.height}, is not one {part.form.spec.name} makes."
        gr.Info(said)
        return part.form.show(made) | {shared.tabs: gr.Tabs(selected=part.tab_id)}

    def again(held: Any, model: str) -> dict[Any, Any]:
        """After the model picker reset its defaults, put the restored values back (once)."""
        if not held or held[1].model_id != model:
            return {pending: None}
        tab_id, run = held
        return shared.parts[tab_id].form.show(history.restore_request(run)) | {pending: None}

    def delete_run(chosen: dict[str, Any] | None, task: str, query: str, req: gr.Request) -> dict[Any, Any]:
        if chosen:
            history.delete(user(req), chosen["run_id"])
        cleared = {
            selected: None, summary: "Deleted.", request: None, picked: [], preview: gr.update(visible=False),
            save: gr.update(visible=False),
        }  # fmt: skip
        return list_runs(task, query, req) | cleared | {button: gr.update(interactive=False) for button in actions}

    def make_zip(ids: list[str] | None, req: gr.Request) -> str | None:
        try:
            path = zip_file(history, user(req), ids)
            return shared.guard.publish(path, person_of(req)) if path else None
        except TitanError as err:
            raise gr.Error(f"Could not pack those runs: {err}", print_exception=False) from None

    listed = [gallery, items, listed_runs, count, more, picked]
    # A search typed while the listing asked on opening the tab is still on its way runs after it (Gradio's
    # default, "once", dropped it: the gallery kept every run under the search words).
    gr.on(
        [tab.select, task.change, query.submit],
        list_runs,
        inputs=[task, query],
        outputs=listed,
        trigger_mode="always_last",
        **private,
    )
    more.click(
        load_more,
        inputs=[task, query, listed_runs, gallery, items],
        outputs=[gallery, items, listed_runs, count, more],
        **private,
    )
    gallery.select(
        select, inputs=items, outputs=[selected, summary, request, picked, preview, save, *actions], **private
    )
    controls = list(dict.fromkeys(c for part in shared.parts.values() for c in part.form.components))
    filled = [shared.tabs, shared.model, pending, *controls]
    load.click(load_run, inputs=selected, outputs=filled, **private)
    drop.upload(restore_png, inputs=drop, outputs=list(dict.fromkeys([drop, *filled])), **private)
    delete.click(
        delete_run,
        inputs=[selected, task, query],
        outputs=[*listed, selected, summary, request, preview, save, *actions],
        **private,
    )
    picked.change(make_zip, inputs=picked, outputs=download, **private)
    for tab_id, button in sends.items():
        part = shared.parts[tab_id]

        def send(chosen: dict[str, Any] | None, req: gr.Request, part: Any = part) -> dict[Any, Any]:
            run = _get(history, user(req), chosen)
            path = shared.guard.publish(history.output_path(run, int(chosen["index"])), person_of(req))
            return part.receive(path, run.prompt) | {shared.tabs: gr.Tabs(selected=part.tab_id)}

        button.click(send, inputs=selected, outputs=[*part.form.components, shared.tabs], **private)

    def wire_model_change(changed: Any) -> None:
        quiet = private | {"show_progress": "hidden"}  # a model switch shows one "Switching…" line, no spinners
        changed.then(again, inputs=[pending, shared.model], outputs=[pending, *controls], **quiet)

    return wire_model_change


def _get(history: History, user: str | None, chosen: dict[str, Any] | None) -> Any:
    if not chosen:
        raise gr.Error("Select an image in History first.", print_exception=False)
    try:
        return history.get(user, chosen["run_id"])
    except TitanError as err:
        raise gr.Error(f"That run is no longer in your history ({err}).", print_exception=False) from None
