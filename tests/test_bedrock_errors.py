"""Every Bedrock failure becomes a TitanError a designer can act on (botocore Stubber)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from titan import (
    TitanAccessDeniedError,
    TitanClient,
    TitanContentFilteredError,
    TitanCredentialsError,
    TitanError,
    TitanModelUnavailableError,
    TitanServiceError,
    TitanThrottledError,
    TitanTimeoutError,
    TitanValidationError,
)
from titan.engines.bedrock import BedrockEngine

TITAN = "amazon.titan-image-generator-v2:0"
SENTINEL_KEY = "AKIASENTINEL0000KEY"
SENTINEL_SECRET = "sentinel/secret/never-shown"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SENTINEL_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SENTINEL_SECRET)


@pytest.fixture
def engine(credentials: None) -> BedrockEngine:
    return BedrockEngine(region="us-west-2", max_attempts=1)


def call_with_error(engine: BedrockEngine, code: str, message: str, status: int, model_id: str = TITAN) -> TitanError:
    """The TitanError one refused call ends in (Stubber: a second call would fail differently)."""
    with Stubber(engine.client()) as stub:
        stub.add_client_error("invoke_model", service_error_code=code, service_message=message, http_status_code=status)
        with pytest.raises(TitanError) as info:
            TitanClient(engine=engine, model_id=model_id).text_image("a cat")
    error = info.value
    assert SENTINEL_KEY not in str(error) and SENTINEL_SECRET not in str(error)
    assert not error.__class__.__module__.startswith("botocore")
    return error


CASES = [
    ("ThrottlingException", "Too many requests, please wait before trying again.", 429, TitanThrottledError, "Wait"),
    ("ServiceQuotaExceededException", "quota", 400, TitanThrottledError, "fewer images"),
    ("AccessDeniedException", "You don't have access to the model with the specified model ID.", 403,
     TitanAccessDeniedError, "Model access"),
    ("ResourceNotFoundException", "This model version has reached the end of its life.", 404,
     TitanModelUnavailableError, "retired"),
    ("ResourceNotFoundException", "Access denied. This Model is marked by provider as Legacy and you have not been "
     "actively using the model in the last 30 days.", 404, TitanModelUnavailableError, "legacy"),
    ("ResourceNotFoundException", "Could not resolve the foundation model", 404, TitanModelUnavailableError,
     "not available in us-west-2"),
    ("ValidationException", "This request has been blocked by our content filters.", 400,
     TitanContentFilteredError, "not billed"),
    ("ValidationException", "Malformed input request: #/textToImageParams/text: expected maxLength: 512, actual: 536, "
     "please reformat your input and try again.", 400, TitanValidationError, "maxLength: 512"),
    ("ModelTimeoutException", "timeout", 408, TitanTimeoutError, "too long"),
    ("ModelNotReadyException", "not ready", 429, TitanServiceError, "Try again"),
    ("InternalServerException", "boom", 500, TitanServiceError, "on its side"),
    ("ServiceUnavailableException", "down", 503, TitanServiceError, "on its side"),
    ("UnrecognizedClientException", "The security token included in the request is invalid.", 403,
     TitanCredentialsError, "credentials"),
    ("ExpiredTokenException", "The security token included in the request is expired", 403,
     TitanCredentialsError, "expired"),
    ("AccessDeniedException", "Model access is denied due to IAM user or service role is not authorized to perform "
     "the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe)", 403,
     TitanAccessDeniedError, "Marketplace subscription"),
    ("ValidationException", "Invocation of model ID amazon.titan-image-generator-v2:0 with on-demand throughput "
     "isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
     400, TitanModelUnavailableError, "inference profile"),
    ("ValidationException", "The provided model identifier is invalid.", 400, TitanModelUnavailableError,
     "does not know the model id"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "message", "status", "kind", "advice"), CASES)
def test_client_errors_are_translated(engine, code, message, status, kind, advice) -> None:
    error = call_with_error(engine, code, message, status)
    assert isinstance(error, kind)
    assert advice in str(error)
    assert error.code == code


def test_errors_that_retrying_cannot_fix_are_not_retried(credentials) -> None:
    patient = BedrockEngine(region="us-west-2", max_attempts=4)
    error = call_with_error(patient, "AccessDeniedException", "You don't have access to the model.", 403)
    assert isinstance(error, TitanAccessDeniedError)  # one stubbed answer: a retry would have been a StubResponseError


class OneClientEngine(BedrockEngine):
    """Every attempt on the one stubbed client (the engine picks a shorter-timeout client as time runs out)."""

    def client(self, region: str | None = None, timeout: float | None = None) -> Any:
        return super().client(region)


def test_throttling_is_retried_by_the_engine_itself(credentials, photo) -> None:
    from titan.images import encode_png_b64

    patient = OneClientEngine(region="us-west-2", max_attempts=3)
    assert patient.client().meta.config.retries["total_max_attempts"] == 1  # botocore's own retries are off
    payload = json.dumps({"images": [encode_png_b64(photo)], "error": None}).encode()
    with Stubber(patient.client()) as stub:
        for _ in range(2):
            stub.add_client_error("invoke_model", service_error_code="ThrottlingException", http_status_code=429)
        stub.add_response(
            "invoke_model", {"body": StreamingBody(io.BytesIO(payload), len(payload)), "contentType": "x"}
        )
        result = TitanClient(engine=patient, model_id=TITAN).text_image("a cat")
        stub.assert_no_pending_responses()
    assert result.images[0].size == (512, 512)


def test_retired_model_suggests_a_replacement(engine) -> None:
    error = call_with_error(
        engine, "ResourceNotFoundException", "This model version has reached the end of its life", 404
    )
    # Nova Canvas is past its end of life too, so the suggestion is the first active model: Stability.
    assert error.suggestion == "stability.stable-image-core-v1:1"
    assert "Switch to stability.stable-image-core-v1:1" in str(error)


def test_content_filter_says_input_and_unbilled(engine) -> None:
    error = call_with_error(engine, "ValidationException", "blocked by our content filters", 400)
    assert (error.stage, error.billed) == ("input", False)


def test_schema_error_names_the_field(engine) -> None:
    error = call_with_error(
        engine, "ValidationException", "Malformed input request: #/textToImageParams/negativeText: x", 400
    )
    assert error.field == "negative_text"


def test_no_credentials(monkeypatch) -> None:
    engine = BedrockEngine(region="us-east-1", max_attempts=1)
    with pytest.raises(TitanCredentialsError) as info:
        TitanClient(engine=engine).text_image("a cat")
    assert "aws configure" in str(info.value) and "--engine offline" in str(info.value)


def test_read_timeout(engine) -> None:
    def slow(**kwargs):
        raise ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-west-2.amazonaws.com")

    engine.client().invoke_model = slow
    with pytest.raises(TitanTimeoutError):
        TitanClient(engine=engine).text_image("a cat")


def test_unreadable_answer(engine) -> None:
    with Stubber(engine.client()) as stub:
        stub.add_response("invoke_model", {"body": StreamingBody(io.BytesIO(b"<html>"), 6), "contentType": "text/html"})
        with pytest.raises(TitanServiceError, match="not JSON"):
            TitanClient(engine=engine).text_image("a cat")


def test_success_is_decoded(engine, photo) -> None:
    from titan.images import encode_png_b64

    payload = json.dumps({"images": [encode_png_b64(photo)], "error": None}).encode()
    with Stubber(engine.client()) as stub:
        stub.add_response(
            "invoke_model",
            {"body": StreamingBody(io.BytesIO(payload), len(payload)), "contentType": "application/json"},
            {"modelId": "amazon.titan-image-generator-v2:0", "body": json.dumps({"taskType": "TEXT_IMAGE",
             "textToImageParams": {"text": "a cat"}}), "contentType": "application/json", "accept": "application/json"},
        )  # fmt: skip
        result = TitanClient(engine=engine, model_id=TITAN).text_image("a cat")
    assert result.images[0].size == (512, 512) and result.engine == "bedrock"


def test_output_filtered_with_no_images(engine) -> None:
    payload = json.dumps({"images": [], "error": "All images were blocked by content filters"}).encode()
    with Stubber(engine.client()) as stub:
        stub.add_response(
            "invoke_model", {"body": StreamingBody(io.BytesIO(payload), len(payload)), "contentType": "x"}
        )
        with pytest.raises(TitanContentFilteredError) as info:
            TitanClient(engine=engine, model_id=TITAN).text_image("a cat")
    assert info.value.stage == "output"


def test_auto_engine_without_credentials_is_offline() -> None:
    pytest.importorskip("titan.engines.offline")
    assert TitanClient(engine="auto").engine.name == "offline"


def test_auto_engine_with_credentials_is_bedrock(engine) -> None:
    assert TitanClient(engine="auto", region="us-west-2").engine.name == "bedrock"


def test_region_falls_back_when_none_configured(monkeypatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert BedrockEngine().region == "us-west-2"
