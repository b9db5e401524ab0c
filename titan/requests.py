"""Showing a request to people: the body with images shortened, a boto3 snippet that
reproduces it, and its price. The UI's "Request" panel is built from these."""

from __future__ import annotations

import json
from typing import Any

from .models import ModelSpec, Task

#: Image fields: Titan's (nested in the task's params) and Stability's (flat: "image", "mask").
_IMAGE_KEYS = {"image", "maskImage", "conditionImage", "referenceImage", "mask"}
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
    found: list[tuple[str, str]] = [(f"[{key!r}]", f"{key}.png") for key in body if key in _IMAGE_KEYS]
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
        elif key in _IMAGE_KEYS:  # a flat (Stability) body
            value = "<base64 PNG>"
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
    route: str | None = None,
) -> float:
    """USD for a request on Bedrock, from the price table. Background removal bills one image.

    The price per image is the model's for `task` (`ModelSpec.price_for`): size and quality
    tiers for Titan and Nova, the serving service's flat price for Stability (`route`
    picks a non-default one, e.g. "condition_canny" for a conditioned text-to-image).
    """
    count = 1 if task is Task.BACKGROUND_REMOVAL else number_of_images
    return round(count * spec.price_for(task, quality, width, height, route=route), 4)


def body_cost(spec: ModelSpec, task: Task, body: dict[str, Any], *, images: int | None = None) -> float:
    """USD for `body` on Bedrock: `images` billed (default: as many as asked), priced by the
    service that serves it. Size defaults to the input's for edit tasks, else 1024×1024."""
    from .families import family_for

    config = body.get("imageGenerationConfig", {})
    width, height = config.get("width"), config.get("height")
    if not (width and height):
        width, height = _input_size(task, body) or (1024, 1024)
    return estimate_cost(
        spec,
        task,
        number_of_images=images if images is not None else images_billed(body),
        quality=config.get("quality", "standard"),
        width=width,
        height=height,
        route=family_for(spec).route(task, body),
    )


def _input_size(task: Task, body: dict[str, Any]) -> tuple[int, int] | None:
    image = body.get(task.params_key, {}).get("image")
    if not isinstance(image, str):
        return None
    from .images import peek_b64

    return peek_b64(image).size
