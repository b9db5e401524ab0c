"""The public API: one endpoint per task, with plain typed parameters taken from its declaration.

`/text_image`, `/inpaint`, ... take the task's fields by their request names (`text`,
`negative_text`, `similarity_strength`, ...), images as files, and `model`; they answer
`(images, run)`: the stored PNGs and what was done (run id, seeds, price, notes, the calls
sent). The parameters, their types and the documentation (which agents read over MCP) are
built from the request declaration, so a new option appears here by itself. The page's own
buttons use private events; these endpoints never see the page's components.

History has endpoints too: `/history_list`, `/history_delete`, `/history_zip`.
"""

from __future__ import annotations

import base64
import binascii
import inspect
from typing import Any, Literal

import gradio as gr
from gradio.data_classes import FileData

from titan import Kind, Option, Request, TitanError, TitanValidationError, request_types

from .history_view import zip_file
from .runs import run_fairly
from .tab import Shared, person_of

_TYPES: dict[Kind, Any] = {
    Kind.TEXT: str,
    Kind.NUMBER: float,
    Kind.INTEGER: int,
    Kind.BOOLEAN: bool,
    Kind.CHOICE: str,
    Kind.IMAGE: FileData,
    Kind.MASK: FileData,
    Kind.IMAGES: list[FileData],
    Kind.COLORS: list[str],
}
_FILES = (Kind.IMAGE, Kind.MASK, Kind.IMAGES)


def register(shared: Shared) -> None:
    """Every task's endpoint and History's, on the page being built (after `ui.mcp`'s tools, if any)."""
    for request_type in request_types():
        endpoint = task_endpoint(shared, request_type)
        if shared.settings.mcp:  # the task is offered once, as ui.mcp's tool; Gradio lists only "tool"s
            endpoint._mcp_type = "rest"
        gr.api(
            endpoint,
            api_name=request_type.api_name,
            concurrency_limit=None,  # the playground's fair gate decides who runs (titan.gate)
        )
    for endpoint in history_endpoints(shared):
        gr.api(endpoint, api_name=endpoint.__name__, queue=False)


def task_endpoint(shared: Shared, request_type: type[Request]) -> Any:
    """A function whose signature is the task's fields plus `model`, as `gr.api` reads it."""

    async def endpoint(*args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        request, paths, run = await run_task(shared, request_type, signature.bind(*args, **kwargs).arguments)
        return [_file(shared.guard.publish(path, person_of(request))) for path in paths], run

    signature = task_signature(request_type, shared.spec.model_id, returns=tuple[list[FileData], dict])
    return described(endpoint, request_type, signature, request_type.api_name, RETURNS)


async def run_task(
    shared: Shared, request_type: type[Request], values: dict[str, Any]
) -> tuple[gr.Request | None, list[Any], dict[str, Any]]:
    """Run one task from an endpoint's bound arguments: (the caller's request, stored PNG paths, the run record)."""
    values = dict(values)
    request = values.pop("request", None)
    model = values.pop("model", None) or shared.spec.model_id
    options = request_type.options()
    try:
        person = person_of(request)
        read = {name: _read(value, options[name].kind, name, shared.guard, person) for name, value in values.items()}
        task_request = request_type.create(**read)
        delivered = await run_fairly(shared.playground, task_request, model=model, person=person)
    except TitanError as err:
        raise gr.Error(str(err), print_exception=False) from None
    result = delivered.result
    run = {
        "run_id": delivered.run.run_id,
        "task": request_type.task,
        "model": model,
        "seeds": result.image_seeds,
        "size": list(result.size),
        "cost_usd": result.cost_usd,
        "price": {"per_image_usd": result.price.per_image, "service": result.price.service},
        "notes": [*delivered.notices, *result.notes],
        "warnings": delivered.warnings,
        "calls": delivered.calls,
        "snippet": delivered.snippet,
    }
    return request, list(delivered.paths), run


def task_signature(
    request_type: type[Request], default_model: str, *, returns: Any, plain_files: bool = False
) -> inspect.Signature:
    """`request` (Gradio's), then the task's fields by their request names, typed from their kinds, then `model`.

    `plain_files`: image arguments typed as files, not "file or None" (Gradio's MCP server
    turns URLs and data: URIs into files only where the schema says plainly "file").
    """
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("request", kind, annotation=gr.Request)]
    for name, option in request_type.options().items():
        annotation = _TYPES[option.kind] if plain_files and option.kind in _FILES else _annotation(option)
        parameters.append(inspect.Parameter(name, kind, default=None, annotation=annotation))
    parameters.append(inspect.Parameter("model", kind, default=default_model, annotation=str))
    return inspect.Signature(parameters, return_annotation=returns)


def described(function: Any, request_type: type[Request], signature: inspect.Signature, name: str, returns: str) -> Any:
    """`function` with `signature`, its annotations, `name` and a docstring from the task's declaration."""
    function.__signature__ = signature
    function.__annotations__ = {
        **{parameter.name: parameter.annotation for parameter in signature.parameters.values()},
        "return": signature.return_annotation,
    }
    function.__name__ = name
    function.__doc__ = _docstring(request_type, returns)
    return function


RETURNS = """The images made (PNG files, each already kept in the caller's History), and a record of the run:
    its id, each image's seed, its size, what it cost, notes on what the model did differently, and
    the exact calls sent to Amazon Bedrock."""


def _annotation(option: Option) -> Any:
    base = _TYPES[option.kind]
    if option.kind is Kind.CHOICE and option.choices:
        base = Literal[option.choices]  # type: ignore[valid-type]
    return base | None


def _read(value: Any, kind: Kind, name: str, guard: Any, person: Any) -> Any:
    """An API value as the request takes it: files checked and read, "" unset, the rest as given."""
    if value in ("", None):
        return None
    if kind in (Kind.IMAGE, Kind.MASK):
        return _uploaded(value, name, guard, person)
    if kind is Kind.IMAGES and isinstance(value, list):
        return [_uploaded(item, f"{name}[{index}]", guard, person) for index, item in enumerate(value)]
    return value


def _uploaded(value: Any, name: str, guard: Any, person: Any) -> Any:
    """An image argument: a file Gradio received (upload folder, the caller's) or a base64 data: URI.

    Never a server path: a caller could otherwise read any image on the server, another
    person's History included.
    """
    if isinstance(value, str) and value.startswith("data:"):
        try:
            return base64.b64decode(value.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            raise TitanValidationError(name, "a data: URI that is not base64", "data:image/png;base64,...") from None
    path = value.get("path") if isinstance(value, dict) else None
    if not isinstance(path, str):
        raise TitanValidationError(
            name, type(value).__name__, "an uploaded file (gradio_client.handle_file) or a base64 data: URI"
        )
    if not gr.utils.is_in_or_equal(path, gr.utils.get_upload_folder()) or not guard.may_fetch(path, person.user):
        raise TitanValidationError(name, "a file the server did not receive from you", "a file you upload")
    return path


def _file(path: Any) -> dict[str, Any]:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def _docstring(request_type: type[Request], returns: str) -> str:
    lines = [request_type.summary, "", "Args:"]
    lines.append("    model: the Bedrock model id to use (the playground's picker lists them); default: the page's.")
    for name, option in request_type.options().items():
        lines.append(f"    {name}: {_describe(option)}")
    return "\n".join([*lines, "", "Returns:", f"    {returns}"])


def _describe(option: Option) -> str:
    words = [option.label + ".", option.help]
    if option.kind in (Kind.IMAGE, Kind.MASK):
        words.append("An image file (PNG, JPEG or WebP).")
    if option.kind is Kind.IMAGES:
        words.append("A list of image files.")
    if option.range is not None:
        words.append(f"From {option.range.describe()} (the model may narrow it).")
    if option.choices:
        words.append("One of: " + ", ".join(option.choices) + ".")
    if option.required:
        words.append("Required.")
    return " ".join(words)


def history_endpoints(shared: Shared) -> list[Any]:
    """History over the API: list (paged), delete, pack as a ZIP. Each sees only the caller's own runs."""
    history = shared.playground.history

    def history_list(
        request: gr.Request, task: str = "", query: str = "", offset: int = 0, limit: int = 48
    ) -> list[dict]:
        """The caller's runs, newest first: optionally one task type, a search in prompts, a page.

        Args:
            task: a task type such as "INPAINTING" ("" for every task).
            query: words to find in prompts ("" for every run).
            offset: how many runs to skip (for the next page).
            limit: how many runs to return (at most 200).
        """
        user = person_of(request).user
        runs = history.runs(user, task=task or None, query=query or "", limit=int(offset) + min(int(limit), 200))
        return [_run_summary(run) for run in runs[int(offset) :]]

    def history_delete(request: gr.Request, run_id: str) -> bool:
        """Delete one of the caller's runs (its images and settings).

        Args:
            run_id: the run's id, as history_list gives it.
        """
        user = person_of(request).user
        try:
            history.get(user, run_id)
        except TitanError:  # someone else's run, or one already gone: nothing is deleted, and the caller is told
            raise gr.Error(f"There is no run {run_id} in your history.", print_exception=False) from None
        try:
            history.delete(user, run_id)
        except TitanError as err:
            raise gr.Error(str(err), print_exception=False) from None
        return True

    def history_zip(request: gr.Request, run_ids: list[str]) -> FileData | None:
        """The caller's chosen runs packed as a ZIP (each run's PNGs and settings).

        Args:
            run_ids: ids of the runs to pack.
        """
        try:
            path = zip_file(history, person_of(request).user, run_ids)
        except (TitanError, TitanValidationError) as err:
            raise gr.Error(f"Could not pack those runs: {err}", print_exception=False) from None
        return _file(shared.guard.publish(path, person_of(request))) if path else None  # type: ignore[return-value]

    return [history_list, history_delete, history_zip]


def _run_summary(run: Any) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "task": run.task,
        "prompt": run.prompt,
        "model": run.model_id,
        "created": run.created,
        "seeds": [output.seed for output in run.outputs],
        "cost_usd": run.cost_usd,
        "settings": run.request,
    }
