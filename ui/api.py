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

import inspect
from typing import Any, Literal

import gradio as gr
from gradio.data_classes import FileData

from titan import Kind, Option, Request, TitanError, TitanValidationError, request_types

from .history_view import zip_file
from .tab import CONCURRENCY_ID, Shared, person_of

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


def register(shared: Shared) -> None:
    """Every task's endpoint and History's, on the page being built."""
    for request_type in request_types():
        gr.api(
            task_endpoint(shared, request_type),
            api_name=request_type.api_name,
            concurrency_limit=shared.settings.concurrency,
            concurrency_id=CONCURRENCY_ID,
        )
    for endpoint in history_endpoints(shared):
        gr.api(endpoint, api_name=endpoint.__name__, queue=False)


def task_endpoint(shared: Shared, request_type: type[Request]) -> Any:
    """A function whose signature is the task's fields plus `model`, as `gr.api` (and MCP) read it."""
    playground = shared.playground
    default_model = shared.spec.model_id

    def endpoint(*args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        values = signature.bind(*args, **kwargs).arguments
        request = values.pop("request", None)
        model = values.pop("model", None) or default_model
        try:
            task_request = request_type.create(**{name: _read(value) for name, value in values.items()})
            delivered = playground.run(task_request, model=model, person=person_of(request))
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
        }
        return [_file(path) for path in delivered.paths], run

    options = request_type.options()
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("request", kind, annotation=gr.Request)]
    annotations: dict[str, Any] = {"request": gr.Request}
    for name, option in options.items():
        annotation = _annotation(option)
        parameters.append(inspect.Parameter(name, kind, default=None, annotation=annotation))
        annotations[name] = annotation
    parameters.append(inspect.Parameter("model", kind, default=default_model, annotation=str))
    annotations |= {"model": str, "return": tuple[list[FileData], dict]}
    signature = inspect.Signature(parameters, return_annotation=annotations["return"])
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__annotations__ = annotations
    endpoint.__name__ = request_type.api_name
    endpoint.__doc__ = _docstring(request_type, options)
    return endpoint


def _annotation(option: Option) -> Any:
    base = _TYPES[option.kind]
    if option.kind is Kind.CHOICE and option.choices:
        base = Literal[option.choices]  # type: ignore[valid-type]
    return base | None


def _read(value: Any) -> Any:
    """An API value as the request takes it: uploaded files become their paths, "" becomes unset."""
    if isinstance(value, dict) and "path" in value:
        return value["path"]
    if isinstance(value, list):
        return [_read(item) for item in value]
    if value == "":
        return None
    return value


def _file(path: Any) -> dict[str, Any]:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def _docstring(request_type: type[Request], options: dict[str, Option]) -> str:
    lines = [request_type.summary, "", "Args:"]
    lines.append("    model: the Bedrock model id to use (the playground's picker lists them); default: the page's.")
    for name, option in options.items():
        lines.append(f"    {name}: {_describe(option)}")
    lines += [
        "",
        "Returns:",
        "    The images made (PNG files, each already kept in the caller's History), and a record of the run:",
        "    its id, each image's seed, its size, what it cost, notes on what the model did differently, and",
        "    the exact calls sent to Amazon Bedrock.",
    ]
    return "\n".join(lines)


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
        return _file(path) if path else None  # type: ignore[return-value]

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
