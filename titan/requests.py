"""Showing a request to people: the body with images shortened, a boto3 snippet that
reproduces it, and its price. The UI's "Request" panel is built from these."""

from __future__ import annotations

import json
from typing import Any

from .models import ModelSpec, Task

_IMAGE_KEYS = {"image", "maskImage", "conditionImage", "referenceImage"}
_SHOWN_CHARS = 24


def display_body(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of `body` with every base64 image cut to its first characters and its length."""
    return _shorten(body)


def _shorten(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _shorten(v, k) for k, v in value.items()}
    if isinstance(value, list) and key == "images":
        return [_shorten_b64(v) for v in value]
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    if key in _IMAGE_KEYS and isinstance(value, str):
        return _shorten_b64(value)
    return value


def _shorten_b64(value: Any) -> Any:
    if not isinstance(value, str) or len(value) <= _SHOWN_CHARS:
        return value
    return f"{value[:_SHOWN_CHARS]}… ({len(value):,} base64 chars)"


def boto3_snippet(model_id: str, body: dict[str, Any], region: str | None) -> str:
    """Python that sends the same request with plain boto3. Images are read from files
    named after their field, so the snippet stays short and runnable."""
    images = _image_fields(body)
    shown = json.dumps(_placeholders(body), indent=4)
    lines = [
        "import base64, json",
        "import boto3",
        "",
        f'client = boto3.client("bedrock-runtime", region_name={region!r})',
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


def _image_fields(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(python subscript path, file name) for every image in the body."""
    found: list[tuple[str, str]] = []
    for params_key, params in body.items():
        if not isinstance(params, dict):
            continue
        for key, value in params.items():
            if key in _IMAGE_KEYS:
                found.append((f"[{params_key!r}][{key!r}]", f"{key}.png"))
            elif key == "images" and isinstance(value, list):
                found += [(f"[{params_key!r}]['images'][{i}]", f"image_{i}.png") for i in range(len(value))]
    return found


def _placeholders(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            value = {
                k: ("<base64 PNG>" if k in _IMAGE_KEYS else ["<base64 PNG>"] * len(v) if k == "images" else v)
                for k, v in value.items()
            }
        result[key] = value
    return result


def images_billed(body: dict[str, Any]) -> int:
    """How many images a body asks for (each is billed)."""
    return int(body.get("imageGenerationConfig", {}).get("numberOfImages", 1))


def estimate_cost(
    spec: ModelSpec,
    task: Task,
    *,
    number_of_images: int = 1,
    quality: str = "standard",
    width: int = 1024,
    height: int = 1024,
) -> float:
    """USD for a request on Bedrock, from the price table. Background removal bills one image."""
    count = 1 if task is Task.BACKGROUND_REMOVAL else number_of_images
    return round(count * spec.price_per_image(quality, width, height), 4)
