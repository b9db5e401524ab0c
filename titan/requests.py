"""Showing requests to people: what was sent (images shortened) and boto3 code that sends it again.

The UI's "Request" panel and History's stored calls are built from these.
"""

from __future__ import annotations

import json
from typing import Any

from .families import Call
from .models import service_model

_SHOWN_CHARS = 24
#: How base64 PNG and JPEG data begin: any such long string in a body is an image.
_IMAGE_STARTS = ("iVBORw0KGgo", "/9j/")


def display_body(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of `body` with every base64 image cut to its first characters and its length."""
    return _shorten(body)


def shown_calls(calls: list[Call]) -> list[dict[str, Any]]:
    """One entry per call: {"modelId", "body"} (and "region" when it left the engine's), images shortened."""
    shown = []
    for call in calls:
        entry: dict[str, Any] = {"modelId": call.model_id, "body": display_body(call.body)}
        if call.region:
            entry["region"] = call.region
        shown.append(entry)
    return shown


def calls_snippet(calls: list[Call], region: str | None) -> str:
    """boto3 code for the call(s) made. Several calls (one image each) differ only in a few fields:
    the snippet makes the first and says how the others differ."""
    first = calls[0]
    snippet = boto3_snippet(first.model_id, first.body, first.region or region or _home_region(first.model_id))
    if len(calls) == 1:
        return snippet
    header = [f"# This run made {len(calls)} invoke_model calls to {first.model_id}, one image each."]
    for key in sorted({key for call in calls[1:] for key in _differences(first.body, call.body)}):
        values = ", ".join(json.dumps(call.body.get(key)) for call in calls)
        header.append(f'# They differ only in body["{key}"]: {values}.')
    return "\n".join([*header, "", snippet])


def boto3_snippet(model_id: str, body: dict[str, Any], region: str | None) -> str:
    """Python that sends the same request with plain boto3. Images are read from files
    named after their field, so the snippet stays short and runnable."""
    images = _image_paths(body)
    shown = json.dumps(_placeholders(body), indent=4)
    client = f'boto3.client("bedrock-runtime", region_name={region!r})' if region else 'boto3.client("bedrock-runtime")'
    lines = [
        "import base64, json",
        "import boto3",
        "",
        f"client = {client}",
        "",
        "def b64(path):",
        '    with open(path, "rb") as f:',
        "        return base64.b64encode(f.read()).decode()",
        "",
        f"body = {shown}",
    ]
    for path, filename in images:
        lines.append(f"body{path} = b64({filename!r})")
    lines += [
        "",
        f"response = client.invoke_model(modelId={model_id!r}, body=json.dumps(body))",
        'result = json.loads(response["body"].read())',
        'for i, image in enumerate(result["images"]):',
        '    with open(f"output_{i}.png", "wb") as f:',
        "        f.write(base64.b64decode(image))",
    ]
    return "\n".join(lines)


def _is_image(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 64 and value.startswith(_IMAGE_STARTS)


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shorten(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shorten(item) for item in value]
    if _is_image(value):
        return f"{value[:_SHOWN_CHARS]}… ({len(value):,} base64 chars)"
    return value


def _image_paths(value: Any, path: str = "", name: str = "image") -> list[tuple[str, str]]:
    """(python subscript path, file name) for every image in the body."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _image_paths(item, f"{path}[{key!r}]", key)]
    if isinstance(value, list):
        return [pair for i, item in enumerate(value) for pair in _image_paths(item, f"{path}[{i}]", f"{name}_{i}")]
    return [(path, f"{name}.png")] if _is_image(value) else []


def _placeholders(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_placeholders(item) for item in value]
    return "<base64 PNG>" if _is_image(value) else value


def _differences(first: dict[str, Any], other: dict[str, Any]) -> set[str]:
    return {key for key in first.keys() | other.keys() if first.get(key) != other.get(key)}


def _home_region(model_id: str) -> str | None:
    """Without a Bedrock region (offline): a region that serves this id, for a snippet that runs."""
    service = service_model(model_id)
    if service is None:
        return None
    route = service.route("us-west-2")
    return route[1] if route else None
