"""The emulator through the real boto3 path: bodies, validation, every fault kind, the CLI.

Note on botocore's retry config: `max_attempts` counts *retries* (it becomes
`total_max_attempts = max_attempts + 1`), so "no retries" is `total_max_attempts: 1`.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
from PIL import Image

from tests.waiting import wait_until
from titan.emulator import (
    FAULT_KINDS,
    Emulator,
    Fault,
    PlaceholderEngine,
    start_emulator,
    wait_until_healthy,
)

MODEL = "amazon.titan-image-generator-v2:0"
ROOT = Path(__file__).resolve().parents[1]


def text_body(text: str = "a lighthouse at dawn", **config: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": text}}
    body["imageGenerationConfig"] = {"numberOfImages": 1, "width": 512, "height": 512, **config}
    return body


def make_client(url: str, *, attempts: int = 1, read_timeout: float = 30, **credentials: str) -> Any:
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test", **credentials}
    config = botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": attempts}, read_timeout=read_timeout, connect_timeout=5
    )
    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url, config=config, **keys)


def invoke(client: Any, body: dict[str, Any] | str, model_id: str = MODEL) -> dict[str, Any]:
    payload = body if isinstance(body, str) else json.dumps(body)
    answer = client.invoke_model(
        modelId=model_id, body=payload, contentType="application/json", accept="application/json"
    )
    return {"meta": answer["ResponseMetadata"], "content_type": answer["contentType"], "raw": answer["body"].read()}


def decode(data: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data)))


def png_b64(size: tuple[int, int], colour: tuple[int, int, int] = (90, 120, 200)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def http(method: str, url: str, payload: Any = None) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    """Placeholders answer here: fast, and independent of the offline engine's own tests."""
    emulator = start_emulator(stream=io.StringIO(), engine=PlaceholderEngine())
    wait_until_healthy(emulator.url)
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(server: Emulator) -> Emulator:
    server.clear_faults()
    server.clear_requests()
    return server


@pytest.fixture
def client(emulator: Emulator) -> Any:
    return make_client(emulator.url)


# --- answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", [MODEL, "us." + MODEL])
def test_text_image_returns_the_requested_pngs(client: Any, model_id: str) -> None:
    answer = invoke(client, text_body(numberOfImages=2, width=576, height=384), model_id)

    payload = json.loads(answer["raw"])
    assert answer["content_type"] == "application/json"
    assert answer["meta"]["HTTPStatusCode"] == 200
    assert answer["meta"]["RequestId"]
    assert payload["error"] is None
    assert len(payload["images"]) == 2
    for data in payload["images"]:
        image = decode(data)
        assert (image.format, image.size) == ("PNG", (576, 384))


@pytest.mark.parametrize(
    ("change", "field"),
    [({"text": "x" * 600}, "text"), ({"cfgScale": 11}, "cfg_scale")],
    ids=["long-prompt", "cfg-scale"],
)
def test_an_invalid_body_is_a_validation_exception_naming_the_field(
    client: Any, change: dict[str, Any], field: str
) -> None:
    body = text_body(text=change["text"]) if "text" in change else text_body(**change)

    with pytest.raises(client.exceptions.ValidationException) as caught:
        invoke(client, body)

    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(f"Malformed input request: {field}: ")
    assert error["Message"].endswith(", please reformat your input and try again.")


def test_an_unknown_model_is_an_invalid_identifier(client: Any) -> None:
    with pytest.raises(
        client.exceptions.ValidationException, match=re.escape("The provided model identifier is invalid.")
    ):
        invoke(client, text_body(), "amazon.titan-image-generator-v9")


def test_a_body_that_is_not_json_is_malformed_input(client: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException, match=r"Malformed input request: .*not valid JSON"):
        invoke(client, "{not json")


STABILITY = "stability.stable-image-core-v1:1"


def test_stability_native_bodies_get_native_answers_and_filter_reasons(emulator: Emulator, client: Any) -> None:
    pytest.importorskip("titan.families.stability")
    body = {"prompt": "a red fox", "aspect_ratio": "16:9", "seed": 7, "output_format": "png"}

    answer = json.loads(invoke(client, body, STABILITY)["raw"])
    emulator.set_faults({"kind": "content_filter_output"})
    filtered = json.loads(invoke(client, body, "us." + STABILITY)["raw"])

    assert len(answer["images"]) == 1 and answer["seeds"] == [7] and answer["finish_reasons"] == [None]
    assert "error" not in answer
    assert "images" not in filtered and filtered["finish_reasons"] == ["Filter reason: output image"]
    with pytest.raises(client.exceptions.ValidationException, match="Malformed input request: prompt"):
        invoke(client, {"aspect_ratio": "16:9"}, STABILITY)


# --- faults -----------------------------------------------------------------------------

ERROR_FAULTS = {
    "throttle": ("ThrottlingException", 429, "Too many requests, please wait before trying again."),
    "server_error": ("InternalServerException", 500, "internal server error"),
    "unavailable": ("ServiceUnavailableException", 503, "isn't currently available"),
    "access_denied": ("AccessDeniedException", 403, "You don't have access to the model with the specified model ID."),
    "model_retired": ("ResourceNotFoundException", 404, "This model version has reached the end of its life."),
    "legacy_locked": ("ResourceNotFoundException", 404, "marked by provider as Legacy"),
    "model_timeout": ("ModelTimeoutException", 408, "took too long"),
    "not_ready": ("ModelNotReadyException", 429, "not ready"),
    "quota": ("ServiceQuotaExceededException", 400, "exceeds the service quota"),
    "content_filter_input": ("ValidationException", 400, "blocked by our content filters"),
}


def test_every_fault_kind_is_covered_here() -> None:
    assert set(FAULT_KINDS) == {*ERROR_FAULTS, "slow", "malformed", "content_filter_output"}


@pytest.mark.parametrize("kind", list(ERROR_FAULTS))
def test_error_faults_raise_botocore_s_real_exception_classes(emulator: Emulator, client: Any, kind: str) -> None:
    code, status, fragment = ERROR_FAULTS[kind]
    emulator.set_faults({"kind": kind})

    with pytest.raises(getattr(client.exceptions, code)) as caught:
        invoke(client, text_body())

    response = caught.value.response
    assert response["Error"]["Code"] == code
    assert fragment in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RequestId"]
    assert json.loads(invoke(client, text_body())["raw"])["images"], "a fault is used once by default"


def test_content_filter_input_names_the_flagged_input_and_policy(emulator: Emulator, client: Any) -> None:
    emulator.set_faults({"kind": "content_filter_input", "target": "image"})

    with pytest.raises(client.exceptions.ValidationException) as caught:
        invoke(client, text_body())

    message = caught.value.response["Error"]["Message"]
    assert message.startswith("This request has been blocked by our content filters.")
    assert "flagged this image" in message
    assert "AUP or AWS Responsible AI Policy" in message


def test_content_filter_input_still_reports_schema_errors_first(emulator: Emulator, client: Any) -> None:
    emulator.set_faults("content_filter_input")

    with pytest.raises(client.exceptions.ValidationException, match="Malformed input request: cfg_scale"):
        invoke(client, text_body(cfgScale=11))


def test_content_filter_output_keeps_count_images_and_explains(emulator: Emulator, client: Any) -> None:
    emulator.set_faults({"kind": "content_filter_output", "count": 1})

    payload = json.loads(invoke(client, text_body(numberOfImages=3))["raw"])

    assert len(payload["images"]) == 1
    assert "blocked by our content filters" in payload["error"]


def test_malformed_answers_200_with_a_body_that_is_not_json(emulator: Emulator, client: Any) -> None:
    emulator.set_faults("malformed")

    answer = invoke(client, text_body())

    assert answer["meta"]["HTTPStatusCode"] == 200
    with pytest.raises(ValueError):
        json.loads(answer["raw"])


def test_throttled_twice_then_served_within_boto3_s_retries(emulator: Emulator) -> None:
    emulator.set_faults({"kind": "throttle", "times": 2})

    answer = invoke(make_client(emulator.url, attempts=3), text_body())

    assert answer["meta"]["HTTPStatusCode"] == 200
    assert answer["meta"]["RetryAttempts"] == 2
    assert len(emulator.requests) == 3


def test_slow_beyond_the_read_timeout_is_botocore_s_read_timeout(emulator: Emulator) -> None:
    emulator.set_faults({"kind": "slow", "seconds": 2})

    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        invoke(make_client(emulator.url, read_timeout=1), text_body())
    # On a busy machine the call may reach the emulator only after the client gave up: wait until it
    # took its fault, or it would take the next test's.
    wait_until(lambda: "fault=slow" in emulator.stream.getvalue(), "the timed-out call to be answered")


def test_slow_then_answers_normally(emulator: Emulator, client: Any) -> None:
    emulator.set_faults({"kind": "slow", "seconds": 0.3})

    payload = json.loads(invoke(client, text_body())["raw"])

    assert len(payload["images"]) == 1
    assert "status=200" in emulator.stream.getvalue().splitlines()[-1]
    assert "fault=slow" in emulator.stream.getvalue().splitlines()[-1]


def test_faults_run_in_queue_order(emulator: Emulator, client: Any) -> None:
    emulator.set_faults({"kind": "access_denied"}, {"kind": "quota", "times": 2})
    seen = []
    for _ in range(4):
        try:
            invoke(client, text_body())
            seen.append("ok")
        except botocore.exceptions.ClientError as exc:
            seen.append(exc.response["Error"]["Code"])

    assert seen == ["AccessDeniedException", "ServiceQuotaExceededException", "ServiceQuotaExceededException", "ok"]


def test_a_matched_fault_applies_only_to_bodies_that_contain_its_text(emulator: Emulator, client: Any) -> None:
    emulator.set_faults({"kind": "access_denied", "match": "forbidden fruit", "times": None})
    assert invoke(client, text_body("an apple"))["raw"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        invoke(client, text_body("the forbidden fruit"))
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert invoke(client, text_body("a pear"))["raw"]


def test_fault_specs_parse_and_refuse_nonsense() -> None:
    assert Fault.parse("slow:3", permanent=True) == Fault("slow", times=None, seconds=3.0)
    assert Fault.parse("slow:600@hang me", permanent=True) == Fault("slow", times=None, seconds=600, match="hang me")
    assert Fault.parse("throttle@bob").match == "bob"
    assert Fault.parse("content_filter_output:2").count == 2
    assert Fault.from_value({"kind": "throttle", "times": 4}).times == 4
    for bad in ("explode", "throttle:3", "slow:soon", {"kind": "throttle", "times": 0}, {"times": 1}):
        with pytest.raises(ValueError):
            Fault.from_value(bad)


# --- control endpoints and recording ----------------------------------------------------


def test_control_endpoints_queue_list_and_clear_faults(emulator: Emulator, client: Any) -> None:
    base = emulator.url + "/_emulator"
    assert http("GET", base + "/health") == (200, {"ok": True})
    assert http("POST", base + "/faults", {"faults": [{"kind": "nonsense"}]})[0] == 400

    status, state = http("POST", base + "/faults", {"faults": [{"kind": "unavailable", "times": 2}]})
    assert status == 200
    assert [(f["kind"], f["left"]) for f in state["queued"]] == [("unavailable", 2)]
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        invoke(client, text_body())

    assert http("DELETE", base + "/faults") == (200, {"ok": True})
    assert http("GET", base + "/faults") == (200, {"queued": [], "permanent": []})
    assert invoke(client, text_body())["meta"]["HTTPStatusCode"] == 200


def test_requests_are_recorded_and_cleared(emulator: Emulator, client: Any) -> None:
    first, second = text_body("one"), text_body("two", cfgScale=11)
    invoke(client, first)
    with pytest.raises(client.exceptions.ValidationException):
        invoke(client, second)

    assert emulator.requests == [first, second]
    assert http("GET", emulator.url + "/_emulator/requests") == (200, [first, second])
    assert http("DELETE", emulator.url + "/_emulator/requests") == (200, {"ok": True})
    assert emulator.requests == []


# --- engines, concurrency, logging ------------------------------------------------------


def test_the_offline_engine_answers_by_default() -> None:
    pytest.importorskip("titan.engines.offline")
    log = io.StringIO()
    with start_emulator(stream=log) as emulator:
        answer = invoke(make_client(emulator.url), text_body(numberOfImages=2, width=384, height=576))

    payload = json.loads(answer["raw"])
    assert "emulator: engine: offline" in log.getvalue()
    assert payload["error"] is None
    assert [decode(data).size for data in payload["images"]] == [(384, 576), (384, 576)]


def test_placeholder_stands_in_when_the_offline_engine_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "titan.engines.offline", None)  # makes the import fail
    with start_emulator(quiet=True) as emulator:
        client = make_client(emulator.url)
        photo = png_b64((320, 448))
        removal = {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": photo}}
        inpaint = {
            "taskType": "INPAINTING",
            "inPaintingParams": {"image": photo, "maskPrompt": "the sky", "text": "stars"},
            "imageGenerationConfig": {"numberOfImages": 2},
        }
        default = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}

        cut = [decode(i) for i in json.loads(invoke(client, removal)["raw"])["images"]]
        filled = [decode(i) for i in json.loads(invoke(client, inpaint)["raw"])["images"]]
        plain = [decode(i) for i in json.loads(invoke(client, default)["raw"])["images"]]

    assert [(i.mode, i.size) for i in cut] == [("RGBA", (320, 448))]
    assert [i.size for i in filled] == [(320, 448), (320, 448)]
    assert [i.size for i in plain] == [(1024, 1024)]


class Gathering(PlaceholderEngine):
    """Answers only once `count` calls are inside it at the same time; else the barrier breaks (a 500)."""

    def __init__(self, count: int, wait: float) -> None:
        self.barrier = threading.Barrier(count, timeout=wait)

    def invoke(self, model_id: str, body: dict[str, Any], **options: Any) -> dict[str, Any]:
        self.barrier.wait()
        return super().invoke(model_id, body, **options)


def test_delay_does_not_serialise_parallel_calls() -> None:
    """Six calls delayed 1 s each all meet inside the engine; served one after another, the first
    would give up waiting (4 s) before the sixth arrived (6 s)."""
    with start_emulator(delay=1.0, engine=Gathering(6, wait=4.0), quiet=True) as emulator:
        client = make_client(emulator.url)
        statuses: list[int] = []

        def call() -> None:
            statuses.append(invoke(client, text_body())["meta"]["HTTPStatusCode"])

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert statuses == [200] * 6


SENTINEL_KEY, SENTINEL_SECRET, SENTINEL_TOKEN = "AKIASENTINELKEY00042", "sentinel/secret+value", "SENTINELTOKEN0042"


def sentinel_client(url: str) -> Any:
    return make_client(
        url,
        aws_access_key_id=SENTINEL_KEY,
        aws_secret_access_key=SENTINEL_SECRET,
        aws_session_token=SENTINEL_TOKEN,
    )


def test_the_log_has_one_line_per_request_and_never_credentials() -> None:
    log = io.StringIO()
    with start_emulator(stream=log, engine=PlaceholderEngine()) as emulator:
        invoke(sentinel_client(emulator.url), text_body())

    lines = [line for line in log.getvalue().splitlines() if " /model/" in line]
    assert len(lines) == 1
    assert "model=amazon.titan-image-generator-v2:0 task=TEXT_IMAGE status=200" in lines[0]
    for secret in (SENTINEL_KEY, SENTINEL_SECRET, SENTINEL_TOKEN, "Authorization", "Credential="):
        assert secret not in log.getvalue()


def test_the_cli_serves_permanent_faults_logs_safely_and_stops_on_sigterm() -> None:
    port = free_port()
    command = [sys.executable, "-m", "titan.emulator", "--port", str(port), "--fault", "throttle", "--placeholder"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, timeout=10)
        client = sentinel_client(url)
        for _ in range(2):  # permanent: every call
            with pytest.raises(client.exceptions.ThrottlingException):
                invoke(client, text_body())
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=10)

    assert process.returncode == 0, stderr
    assert f"listening on http://127.0.0.1:{port}" in stderr
    assert stderr.count("status=429") == 2
    assert stderr.rstrip().endswith("emulator: stopped")
    for secret in (SENTINEL_KEY, SENTINEL_SECRET, SENTINEL_TOKEN, "Authorization"):
        assert secret not in stdout + stderr
