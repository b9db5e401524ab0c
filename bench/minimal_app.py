"""The floor the playground is measured against: the issue's "minimal Gradio app" for a Bedrock image model.

One `gr.Interface`: a prompt → boto3 `bedrock-runtime.invoke_model` (the playground's
default model, Stable Image Core, with the smallest body it takes) → the PNG written to a
folder → returned. No validation, History, budget, fair queue or page beyond the
Interface: whatever the playground costs on top of this is what bench/load.py measures.
The endpoint comes from the environment, as for the playground
(AWS_ENDPOINT_URL_BEDROCK_RUNTIME, dummy AWS keys for the emulator).

Run: AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8765 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \\
     python bench/minimal_app.py [--port 7861] [--concurrency 16] [--region us-west-2] [--model ID] [--out-dir DIR]
Call it: Client(url).predict("a lighthouse", api_name="/generate") → the PNG's path.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "stability.stable-image-core-v1:1"
TITAN_PREFIXES = ("amazon.", "us.amazon.")


def minimal_body(model_id: str, prompt: str) -> dict[str, Any]:
    """The smallest body `model_id` takes for text-to-image: Titan / Nova Canvas, else Stability."""
    if model_id.startswith(TITAN_PREFIXES):
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": prompt},
            "imageGenerationConfig": {"numberOfImages": 1},
        }
    return {"prompt": prompt, "output_format": "png"}


def generator(runtime: Any, model_id: str, out_dir: Path) -> Callable[[str], str]:
    """The Interface's function: one invoke_model call, its first image saved as a PNG, the path returned."""

    def generate(prompt: str) -> str:
        response = runtime.invoke_model(modelId=model_id, body=json.dumps(minimal_body(model_id, prompt)))
        image = json.loads(response["body"].read())["images"][0]
        path = out_dir / f"{uuid.uuid4().hex}.png"
        path.write_bytes(base64.b64decode(image))
        return str(path)

    return generate


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7861)
    parser.add_argument("--concurrency", type=int, default=16, help="the queue's default concurrency limit")
    parser.add_argument("--region", default="us-west-2")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out-dir", type=Path, default=Path(tempfile.gettempdir()) / "minimal-app")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import boto3
    import gradio as gr

    args.out_dir.mkdir(parents=True, exist_ok=True)
    runtime = boto3.client("bedrock-runtime", region_name=args.region)
    demo = gr.Interface(
        generator(runtime, args.model, args.out_dir),
        gr.Textbox(label="Prompt"),
        gr.Image(label="Image", type="filepath", format="png"),
        title="Minimal Bedrock image app",
        api_name="generate",
    )
    demo.queue(default_concurrency_limit=args.concurrency)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        allowed_paths=[str(args.out_dir)],
        max_threads=max(40, args.concurrency + 8),  # Gradio's default is 40: never the floor's bottleneck
    )


if __name__ == "__main__":
    main()
