"""The Bedrock engine: boto3 `bedrock-runtime` `invoke_model`, and the one place where
botocore's errors become `TitanError`s. `BedrockControlPlane` asks the `bedrock` control
plane which image models the account can use (for `titan.lifecycle`) through the same
translation.

The emulator is reached through this same engine: boto3 honours
`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, or pass `endpoint_url`.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from ..errors import (
    TitanAccessDeniedError,
    TitanContentFilteredError,
    TitanCredentialsError,
    TitanEngineUnavailableError,
    TitanError,
    TitanModelUnavailableError,
    TitanServiceError,
    TitanThrottledError,
    TitanTimeoutError,
    TitanValidationError,
)

#: AWS recommends raising the SDK's 60 s read timeout for image models.
DEFAULT_READ_TIMEOUT = 300
DEFAULT_MAX_ATTEMPTS = 4  # in total, first try included (botocore: total_max_attempts)
# With Titan and Nova retired, us-west-2 is where every Stability task runs (text-to-image included).
FALLBACK_REGION = "us-west-2"

_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
}
_THROTTLE_CODES = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_SERVICE_CODES = {
    "ModelNotReadyException",
    "InternalServerException",
    "ServiceUnavailableException",
    "ModelErrorException",
    "InternalFailure",
}


class BedrockEngine:
    """Calls Amazon Bedrock with boto3. The client is created on first use, not at import."""

    name = "bedrock"

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self._region = region
        self.profile = profile
        # boto3 reads this variable itself; keeping it here lets the UI say where calls go.
        self.endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") or None
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        """The region calls go to: the one given, else boto3's chain, else us-west-2."""
        if self._region is None:
            self._region = self._session().region_name or FALLBACK_REGION
        return self._region

    def _session(self) -> Any:
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - boto3 is a requirement
            raise TitanEngineUnavailableError("The Bedrock engine needs boto3: pip install boto3") from exc
        try:
            return boto3.Session(profile_name=self.profile)
        except Exception as exc:
            raise translate_error(exc, model_id="", region=self._region or "") from exc

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                config = Config(
                    read_timeout=self.read_timeout,
                    connect_timeout=10,
                    retries={"mode": "standard", "total_max_attempts": self.max_attempts},
                    user_agent_extra="titan-image-playground",
                )
                self._client = self._session().client(
                    "bedrock-runtime", region_name=self.region, endpoint_url=self.endpoint_url, config=config
                )
            return self._client

    def has_credentials(self) -> bool:
        """True when boto3's chain finds credentials (they are not checked with AWS)."""
        try:
            return self._session().get_credentials() is not None
        except TitanError:
            return False

    def invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.client().invoke_model(
                modelId=model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
            )
            raw = response["body"].read()
        except TitanError:
            raise
        except Exception as exc:
            raise translate_error(exc, model_id=model_id, region=self.region) from exc
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise TitanServiceError(f"Bedrock answered {model_id} with something that is not JSON; try again.") from exc
        if not isinstance(payload, dict):
            raise TitanServiceError(f"Bedrock answered {model_id} with an unexpected {type(payload).__name__}.")
        return payload


#: The control plane is asked while the app starts: wait briefly, never retry.
CONTROL_PLANE_TIMEOUT = 2.0
AVAILABILITY_OPERATION = "GetFoundationModelAvailability"


class BedrockControlPlane:
    """boto3 `bedrock` (the control plane): the account's image models and their availability.

    Short connect/read timeouts and a single attempt, because `titan.lifecycle` asks at
    start-up and must not hang on it. Every failure leaves as a `TitanError`.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        timeout: float = CONTROL_PLANE_TIMEOUT,
    ) -> None:
        self._runtime = BedrockEngine(region=region, profile=profile)  # shares the session and region rules
        self.endpoint_url = endpoint_url
        self.timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        return self._runtime.region

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                config = Config(
                    connect_timeout=self.timeout,
                    read_timeout=self.timeout,
                    retries={"mode": "standard", "total_max_attempts": 1},
                    user_agent_extra="titan-image-playground",
                )
                self._client = self._runtime._session().client(
                    "bedrock", region_name=self.region, endpoint_url=self.endpoint_url, config=config
                )
            return self._client

    def image_models(self) -> list[dict[str, Any]]:
        """`list_foundation_models(byOutputModality="IMAGE")`'s model summaries."""
        return self._call("list_foundation_models", byOutputModality="IMAGE").get("modelSummaries", [])

    def has_availability(self) -> bool:
        """Whether this botocore knows `get_foundation_model_availability` (newer SDKs only)."""
        return AVAILABILITY_OPERATION in self.client().meta.service_model.operation_names

    def availability(self, model_id: str) -> dict[str, Any]:
        """agreementAvailability, authorizationStatus, entitlementAvailability, regionAvailability."""
        answer = self._call("get_foundation_model_availability", modelId=model_id)
        return {key: value for key, value in answer.items() if key != "ResponseMetadata"}

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client(), operation)(**kwargs)
        except TitanError:
            raise
        except Exception as exc:
            raise translate_error(exc, model_id=kwargs.get("modelId", "the model list"), region=self.region) from exc


def translate_error(exc: Exception, *, model_id: str, region: str) -> TitanError:
    """Map any boto3/botocore failure to a `TitanError` whose message says what to do.

    The only place foreign errors are translated; callers raise the result `from exc`.
    Messages never contain credentials: botocore's own messages do not, and we add none.
    """
    from botocore import exceptions as bx

    name = type(exc).__name__
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return TitanCredentialsError(
            "No AWS credentials found. Run `aws configure` or `aws sso login`, set AWS_PROFILE, "
            "or start the playground with --engine offline to try it without AWS."
        )
    if name in ("TokenRetrievalError", "UnauthorizedSSOTokenError", "SSOTokenLoadError", "SSOError"):
        return TitanCredentialsError("Your AWS SSO session has expired. Run `aws sso login` and try again.")
    if isinstance(exc, bx.ProfileNotFound):
        return TitanCredentialsError(f"{exc}. Check AWS_PROFILE or --profile.")
    if isinstance(exc, bx.NoRegionError):
        return TitanCredentialsError("No AWS region is set. Pass --region or set AWS_REGION.")
    if isinstance(exc, bx.ReadTimeoutError | bx.ConnectTimeoutError):
        return TitanTimeoutError(
            f"{model_id} did not answer in time. Fewer or smaller images finish faster; try again."
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError):
        return TitanServiceError(f"Could not reach Amazon Bedrock in {region}. Check your network and try again.")
    if isinstance(exc, bx.ClientError):
        return _translate_client_error(exc, model_id=model_id, region=region)
    return TitanServiceError(f"Calling Bedrock failed ({name}). Try again; if it keeps failing, check the logs.")


def _translate_client_error(exc: Any, *, model_id: str, region: str) -> TitanError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    message = error.get("Message", "") or str(exc)
    request_id = exc.response.get("ResponseMetadata", {}).get("RequestId")
    context = {"code": code, "request_id": request_id}
    lowered = message.lower()

    if code in _CREDENTIAL_CODES:
        return TitanCredentialsError(
            "AWS did not accept your credentials (invalid or expired). Refresh them "
            "(`aws sso login` or new keys) and try again.",
            **context,
        )
    if "end of its life" in lowered or "legacy" in lowered:
        return _model_unavailable(model_id, region, message, **context)
    if code == "AccessDeniedException":
        return TitanAccessDeniedError(
            f"AWS denied access to {model_id} in {region}. Enable access to this model on the Bedrock "
            "console's Model access page for this region, and check that your IAM policy allows "
            "bedrock:InvokeModel on it.",
            **context,
        )
    if code == "ResourceNotFoundException":
        return _model_unavailable(model_id, region, message, **context)
    if code == "ValidationException" and "content filter" in lowered:
        return TitanContentFilteredError(
            "Bedrock's content filter blocked the prompt or input image. Rephrase the prompt or use "
            "another image; blocked requests are not billed.",
            stage="input",
            billed=False,
            **context,
        )
    if code == "ValidationException":
        error = _service_validation(message)
        error.code, error.request_id = code, request_id
        return error
    if code in _THROTTLE_CODES:
        return TitanThrottledError(
            "Bedrock is throttling requests to this model (too many per minute for your account). "
            "Wait a minute, or ask for fewer images per request, and try again.",
            **context,
        )
    if code == "ModelTimeoutException":
        return TitanTimeoutError(f"{model_id} took too long to answer. Try again with fewer images.", **context)
    if code in _SERVICE_CODES:
        return TitanServiceError(f"Bedrock had a problem on its side ({code}). Try again in a moment.", **context)
    return TitanServiceError(f"Bedrock refused the request ({code}): {message}", **context)


def _model_unavailable(model_id: str, region: str, message: str, **context: Any) -> TitanModelUnavailableError:
    from ..lifecycle import suggest_replacement  # reads only what is cached: no call from an error path

    suggestion = suggest_replacement(model_id, region=region)
    lowered = message.lower()
    if "end of its life" in lowered:
        reason = f"{model_id} has been retired by AWS and can no longer be called"
    elif "legacy" in lowered:
        reason = f"{model_id} is a legacy model that this account has not used recently, so AWS locked it"
    else:
        reason = f"{model_id} is not available in {region} (wrong region, or the model is retired)"
    advice = f" Switch to {suggestion}." if suggestion else " Pick an active model."
    return TitanModelUnavailableError(reason + "." + advice, model_id=model_id, suggestion=suggestion, **context)


def _service_validation(message: str) -> TitanValidationError:
    """Bedrock's own schema errors, e.g. "#/textToImageParams/text: expected maxLength: 512, actual: 536"."""
    from ..options import name_for_key

    field = "request"
    if "#/" in message:
        path = message.split("#/", 1)[1].split(":", 1)[0]
        field = name_for_key(path.rsplit("/", 1)[-1])
    detail = message.removeprefix("Malformed input request: ").removesuffix(
        ", please reformat your input and try again."
    )
    return TitanValidationError(
        field, "rejected by Bedrock", detail.rstrip("."), problem="the service refused the request"
    )
