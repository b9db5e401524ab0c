"""Every task as a tool for AI assistants (MCP), when the playground starts with `--mcp`.

Gradio's MCP server lists the app's public endpoints as tools. The REST endpoints answer
`(images, run)`, which an assistant would only see as text; the tools here answer with the
first image itself (an MCP image the assistant can look at) and one paragraph saying what
was done. Their arguments are the task's fields, typed and described from its declaration
as the REST endpoints' are; images are taken as URLs or base64 `data:` URIs (Gradio turns
both into files). Logins, budgets and the fair queue apply as they do to the page: a tool
call runs through the same `run_task`. The REST endpoints stay callable but are not listed
as tools, so each task is offered once.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from titan import Request, request_types

from .api import _file, described, run_task, task_signature
from .tab import Shared, person_of

RETURNS = """The first image made (to look at), then a paragraph: how many images were made, each seed,
    the cost, the run id (every image is kept in the caller's History) and any notes."""
IMAGE_ARGUMENTS = "Images are given as an http(s) URL or a base64 data: URI (data:image/png;base64,...)."


def register(shared: Shared) -> None:
    """One tool per task. Called before the REST endpoints are made, so the tools get the plain names."""
    for request_type in request_types():
        gr.api(task_tool(shared, request_type), api_name=f"mcp_{request_type.api_name}", queue=False)


def task_tool(shared: Shared, request_type: type[Request]) -> Any:
    async def tool(*args: Any, **kwargs: Any) -> tuple[FileData, str]:
        request, paths, run = await run_task(shared, request_type, signature.bind(*args, **kwargs).arguments)
        first = shared.guard.publish(paths[0], person_of(request))
        return _file(first), summary(run, len(paths))  # type: ignore[return-value]

    signature = task_signature(request_type, shared.spec.model_id, returns=tuple[FileData, str], plain_files=True)
    tool = described(tool, request_type, signature, request_type.api_name, RETURNS)
    tool.__doc__ = tool.__doc__.replace("\n\nArgs:", f" {IMAGE_ARGUMENTS}\n\nArgs:", 1)
    return tool


def summary(run: dict[str, Any], count: int) -> str:
    """What an assistant should know about a run, in a few sentences."""
    seeds = ", ".join(str(seed) for seed in run["seeds"] if seed is not None) or "none"
    width, height = run["size"]
    made = f"Made {count} image{'s' * (count != 1)} ({width}×{height} px) with {run['price']['service']}"
    shown = " The first is shown; the others are in the playground's History." if count > 1 else ""
    notes = " ".join(run["notes"])
    return f"{made}. Seeds: {seeds}. Cost: ${run['cost_usd']:.2f}. Run id: {run['run_id']}.{shown} {notes}".strip()
