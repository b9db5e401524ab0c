"""The Bedrock engine: boto3 `bedrock-runtime` `invoke_model`, and the one place where
botocore's errors become `TitanError`s. `BedrockControlPlane` asks the `bedrock` control
plane which image models the account can use (for `titan.lifecycle`) through the same
translation.

One deadline covers a whole call, retries included: each attempt gets at most the time
that is left (botocore's own retries are off; this engine retries throttling and server
errors with jittered backoff while time remains), so a hung Bedrock never holds a person
longer than `request_timeout`.

The emulator is reached through this same engine: boto3 honours
`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, or pass `endpoint_url`.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
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
from ..redact import redact

#: One request (all its attempts) may take this long before the person is told.
DEFAULT_REQUEST_TIMEOUT = 90.0
#: Longest single attempt: AWS recommends raising the SDK's 60 s read timeout for image models.
DEFAULT_READ_TIMEOUT = 300.0
DEFAULT_MAX_ATTEMPTS = 4  # in total, first try included
#: Where every Stability task runs (text-to-image included), when no region is configured.
FALLBACK_REGION = "us-west-2"
#: Attempts get a client whose read timeout is the largest of these that fits the time left.
_TIMEOUT_STEPS = (2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300)
_BACKOFF_BASE, _BACKOFF_CAP = 0.5, 8.0

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
_RETRY_CODES = (_THROTTLE_CODES - {"ServiceQuotaExceededException"}) | _SERVICE_CODES


def configured_region(profile: str | None = None) -> str | None:
    """The region from the environment (AWS_REGION or AWS_DEFAULT_REGION) or the AWS config, else None.

    botocore reads only AWS_DEFAULT_REGION; AWS_REGION is what most AWS tools and containers set.
    """
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    try:
        import boto3

        return boto3.Session(profile_name=profile).region_name
    except Exception:  # a broken profile is reported when a call is made, not here
        return None


class BedrockEngine:
    """Calls Amazon Bedrock with boto3. Clients are created on first use, one per region and timeout step."""

    name = "bedrock"
    billed = True

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        read_timeout: float | None = None,
        max_attempts: int | None = None,
        request_timeout: float | None = None,
    ) -> None:
        self._region = region
        self.profile = profile
        # boto3 reads this variable itself; keeping it here lets the UI say where calls go.
        self.endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") or None
        self.read_timeout = float(read_timeout or DEFAULT_READ_TIMEOUT)
        self.max_attempts = int(max_attempts or DEFAULT_MAX_ATTEMPTS)
        self.request_timeout = float(request_timeout or DEFAULT_REQUEST_TIMEOUT)
        self._clients: dict[tuple[str, float], Any] = {}
        self._lock = threading.Lock()

    @property
    def region(self) -> str:
        """The region calls go to unless a call names another: the one given, else the environment's,
        else us-west-2."""
        if self._region is None:
            self._region = configured_region(self.profile) or FALLBACK_REGION
        return self._region

    def ready(self) -> bool:
        """True when boto3's chain finds credentials (they are not checked with AWS)."""
        try:
            return self._session().get_credentials() is not None
        except TitanError:
            return False

    has_credentials = ready

    def reason(self) -> str:
        return "Amazon Bedrock: AWS credentials found" if self.ready() else "no AWS credentials found"

    def _session(self) -> Any:
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - boto3 is a requirement
            raise TitanEngineUnavailableError("The Bedrock engine needs boto3: pip install boto3") from exc
        try:
            return boto3.Session(profile_name=self.profile)
        except Exception as exc:
            raise translate_error(exc, model_id="", region=self._region or "") from exc

    def client(self, region: str | None = None, timeout: float | None = None) -> Any:
        """The runtime client for `region` whose read timeout is `timeout` (default: the longest allowed)."""
        region = region or self.region
        timeout = timeout or min(self.read_timeout, self.request_timeout)
        with self._lock:
            key = (region, timeout)
            if key not in self._clients:
                from botocore.config import Config

                config = Config(
                    read_timeout=timeout,
                    connect_timeout=min(10.0, timeout),
                    retries={"mode": "standard", "total_max_attempts": 1},  # this engine retries, within its deadline
                    user_agent_extra="titan-image-playground",
                )
                self._clients[key] = self._session().client(
                    "bedrock-runtime", region_name=region, endpoint_url=self.endpoint_url, config=config
                )
            return self._clients[key]

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        region = region or self.region
        deadline = deadline if deadline is not None else time.monotonic() + self.request_timeout
        payload = json.dumps(body)
        last: TitanError | None = None
        longest = min(self.read_timeout, self.request_timeout)
        for attempt in range(self.max_attempts):
            timeout = _attempt_timeout(deadline, longest)
            if timeout is None:
                break
            try:
                return self._invoke_once(model_id, payload, region, timeout)
            except _Retryable as retryable:
                last = retryable.error
            if attempt + 1 < self.max_attempts:
                pause = random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt))
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
        if last is not None and not isinstance(last, TitanTimeoutError):
            raise last
        raise TitanTimeoutError(
            f"{model_id} did not answer within {self.request_timeout:g} s (tries included). Bedrock may be busy: "
            "try again in a moment; fewer or smaller images finish faster."
        )

    def _invoke_once(self, model_id: str, payload: str, region: str, timeout: float) -> dict[str, Any]:
        try:
            response = self.client(region, timeout).invoke_model(
                modelId=model_id, body=payload, contentType="application/json", accept="application/json"
            )
            raw = response["body"].read()
        except TitanError:
            raise
        except Exception as exc:
            error = translate_error(exc, model_id=model_id, region=region)
            if _retryable(exc):
                raise _Retryable(error) from exc
            raise error from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise TitanServiceError(f"Bedrock answered {model_id} with something that is not JSON; try again.") from exc
        if not isinstance(answer, dict):
            raise TitanServiceError(f"Bedrock answered {model_id} with an unexpected {type(answer).__name__}.")
        return answer


class _Retryable(Exception):
    def __init__(self, error: TitanError) -> None:
        super().__init__(str(error))
        self.error = error


def _retryable(exc: Exception) -> bool:
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return exc.response.get("Error", {}).get("Code", "") in _RETRY_CODES
    return isinstance(exc, bx.ReadTimeoutError | bx.ConnectTimeoutError | bx.EndpointConnectionError)


def _attempt_timeout(deadline: float, longest: float) -> float | None:
    """The read timeout for an attempt starting now: the longest allowed when it fits before `deadline`
    (within a second), else the largest step that ends before it; None when too little time is left."""
    left = deadline - time.monotonic()
    if left >= longest - 1.0:
        return longest
    fitting = [step for step in _TIMEOUT_STEPS if step <= left]
    if fitting:
        return float(fitting[-1])
    return left if left >= 0.5 else None


def create(**options: Any) -> BedrockEngine:
    """The engine "bedrock"; takes region, profile, endpoint_url, read_timeout, max_attempts, request_timeout."""
    known = ("region", "profile", "endpoint_url", "read_timeout", "max_attempts", "request_timeout")
    return BedrockEngine(**{key: value for key, value in options.items() if key in known})


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
    Messages never contain credentials: Bedrock's own words are scrubbed before they are kept.
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
    message = redact(error.get("Message", "") or str(exc))
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
    if code == "AccessDeniedException" and ("marketplace" in lowered or "subscri" in lowered):
        return TitanAccessDeniedError(
            f"{model_id} needs an AWS Marketplace subscription in this account before its first use. Open the model "
            "once in the Bedrock console (Model catalog → the model → Request access / Subscribe), or let an "
            "identity with aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions make the first call; "
            "subscribing to one Stability image service enrols you in all of them.",
            **context,
        )
    if code == "AccessDeniedException":
        return TitanAccessDeniedError(
            f"AWS denied access to {model_id} in {region}. Enable access to this model on the Bedrock "
            "console's Model access page for this region, and check that your IAM policy allows "
            "bedrock:InvokeModel on it (for a us. inference profile: on the profile and on the model in "
            "every US region it routes to).",
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
    if code == "ValidationException" and "on-demand throughput" in lowered:
        return TitanModelUnavailableError(
            f"{model_id} cannot be called by its own id in {region}: it runs only through a cross-region inference "
            f"profile (us.{model_id}). The playground picks the profile itself; this request named the bare id.",
            model_id=model_id,
            **context,
        )
    if code == "ValidationException" and "model identifier is invalid" in lowered:
        return TitanModelUnavailableError(
            f"Bedrock does not know the model id {model_id} in {region}: the id is wrong for this region, or the "
            "model is called through an inference profile here.",
            model_id=model_id,
            **context,
        )
    if code == "ValidationException":
        validation = _service_validation(message)
        validation.code, validation.request_id = code, request_id
        return validation
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
    """The refusal in words; the client adds a model to switch to (`TitanClient` knows the lifecycle)."""
    lowered = message.lower()
    if "end of its life" in lowered:
        reason = f"{model_id} has been retired by AWS and can no longer be called"
    elif "legacy" in lowered:
        reason = f"{model_id} is a legacy model that this account has not used recently, so AWS locked it"
    else:
        reason = f"{model_id} is not available in {region} (wrong region, or the model is retired)"
    return TitanModelUnavailableError(reason + ".", model_id=model_id, **context)


def _service_validation(message: str) -> TitanValidationError:
    """Bedrock's own schema errors, e.g. "#/textToImageParams/text: expected maxLength: 512, actual: 536"."""
    field = "request"
    if "#/" in message:
        path = message.split("#/", 1)[1].split(":", 1)[0]
        field = _field_name(path.rsplit("/", 1)[-1])
    detail = message.removeprefix("Malformed input request: ").removesuffix(
        ", please reformat your input and try again."
    )
    return TitanValidationError(
        field, "rejected by Bedrock", detail.rstrip("."), problem="the service refused the request"
    )


def _field_name(key: str) -> str:
    """A body key as the request field that carries it ("cfgScale" -> "cfg_scale")."""
    from ..families.titan import CONFIG_FIELDS
    from ..tasks import request_types

    names = {value: name for name, value in CONFIG_FIELDS.items()}
    for request_type in request_types():
        mapping = request_type.mappings.get("titan")
        if mapping is not None:
            names |= {value: name for name, value in mapping.params.items()}
    return names.get(key, key)
