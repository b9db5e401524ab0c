"""What TitanClient adds on top of a bare boto3 invoke_model, against the same emulator.

Both sides send the same TEXT_IMAGE request for a 1024×1024 image to a local emulator,
over real HTTP through botocore; the bare side only parses the JSON and base64-decodes the
image bytes, TitanClient also builds, validates and decodes the PNG. Two emulator modes:

- generating: the emulator runs the offline engine (~0.2 s an image, still far quicker
  than Bedrock's several seconds, so the ratio is an upper bound for real use);
- instant: the emulator returns a cached image, which isolates the client's own cost.

Prints the median time of each side, the ratio (target ≤ 1.05× in generating mode) and the
absolute milliseconds added. Run: python bench/overhead.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from botocore.config import Config
from titan.engines.base import FunctionEngine

from titan import TitanClient
from titan.emulator import start_emulator
from titan.engines.offline import OfflineEngine

MODEL = "amazon.titan-image-generator-v2:0"
PROMPT = "A cute brown puppy and a white cat inside a red bucket"
CONFIG = {"numberOfImages": 1, "width": 1024, "height": 1024, "seed": 42, "cfgScale": 8.0, "quality": "standard"}


def bare_call(client) -> None:
    body = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": PROMPT}, "imageGenerationConfig": CONFIG}
    response = client.invoke_model(modelId=MODEL, body=json.dumps(body))
    payload = json.loads(response["body"].read())
    [base64.b64decode(image) for image in payload["images"]]


def titan_call(client: TitanClient) -> None:
    client.text_image(PROMPT, number_of_images=1, width=1024, height=1024, seed=42, cfg_scale=8.0, quality="standard")


def median_seconds(call, rounds: int) -> float:
    call()  # warm up connections and caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(engine, rounds: int) -> tuple[float, float]:
    server = start_emulator(engine=engine, quiet=True)
    try:
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
        config = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=300)
        bare = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=server.url, config=config)
        titan = TitanClient(engine="bedrock", region="us-east-1", endpoint_url=server.url, max_attempts=1)
        # Interleave sides so drift on the machine affects both alike.
        bare_times, titan_times = [], []
        for _ in range(3):
            bare_times.append(median_seconds(lambda: bare_call(bare), rounds // 3 or 1))
            titan_times.append(median_seconds(lambda: titan_call(titan), rounds // 3 or 1))
        return statistics.median(bare_times), statistics.median(titan_times)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds

    offline = OfflineEngine()
    cached = offline.invoke(MODEL, {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": PROMPT},
                                    "imageGenerationConfig": CONFIG})  # fmt: skip
    modes = {"generating": offline, "instant": FunctionEngine(lambda model, body: cached)}
    print(f"TitanClient vs bare boto3 invoke_model, 1024×1024 TEXT_IMAGE, median of {rounds} rounds")
    print(f"{'emulator':<12}{'bare boto3':>12}{'TitanClient':>13}{'ratio':>8}{'added':>10}")
    for name, engine in modes.items():
        bare, titan = measure(engine, rounds)
        added_ms = (titan - bare) * 1000
        print(f"{name:<12}{bare * 1000:>10.1f}ms{titan * 1000:>11.1f}ms{titan / bare:>7.3f}×{added_ms:>8.1f}ms")
    print("target: ratio ≤ 1.05× with a generating model behind the endpoint")


if __name__ == "__main__":
    main()
