"""The one error tree of `titan`.

Every failure a caller can see is a `TitanError`; its message is written for a person
who does not read stack traces and says what to do next.

    TitanError                      base; `.code` and `.request_id` when the service gave them
    ├── TitanValidationError        a request value is out of range, before any call is made
    ├── TitanCredentialsError       no AWS credentials, or an expired SSO session
    ├── TitanAccessDeniedError      model access not enabled, or IAM lacks bedrock:InvokeModel
    ├── TitanModelUnavailableError  model retired, legacy-locked, or not offered in this region
    ├── TitanContentFilteredError   the prompt/image or the output was blocked; `.stage`, `.billed`
    ├── TitanThrottledError         still throttled after the Bedrock engine's retries
    ├── TitanTimeoutError           the model or the connection took too long
    ├── TitanServiceError           the service failed (5xx, model not ready, malformed answer)
    ├── TitanEngineUnavailableError the chosen engine cannot do this (e.g. mask prompts offline)
    └── TitanBudgetError            the request would pass the daily or session spending limit

Foreign errors (botocore, HTTP) are translated in exactly one place per engine and raised
`from` the original, so no botocore type leaves `titan`.
"""

from __future__ import annotations

from typing import Any


class TitanError(Exception):
    """Base of every error `titan` raises."""

    def __init__(self, message: str, *, code: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message


class TitanValidationError(TitanError, ValueError):
    """A request value breaks a limit; raised before any network call (nothing is billed).

    `field` is the argument name (snake_case, as in the Python API), `value` the offending
    value as shown to the user, `allowed` the allowed range in words.
    """

    def __init__(
        self,
        field: str,
        value: Any,
        allowed: str,
        *,
        problem: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.problem = problem
        self.hint = hint
        said = [problem] if problem else []
        if value is not None:
            said.append(f"got {_show(value)}")
        message = f"{field}: {' — '.join(said)}; allowed: {allowed}."
        if hint:
            message += f" {hint[0].upper()}{hint[1:]}."
        super().__init__(message, code="ValidationError")


class TitanCredentialsError(TitanError):
    """No usable AWS credentials (none found, expired SSO token, invalid keys)."""


class TitanAccessDeniedError(TitanError):
    """AWS refused: model access not granted in this account/region, or IAM denies InvokeModel."""


class TitanModelUnavailableError(TitanError):
    """The model id cannot be called here: retired, legacy-locked, or not in this region.

    `.model_id` names it and `.suggestion` a model id to try instead (or None).
    """

    def __init__(self, message: str, *, model_id: str, suggestion: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.model_id = model_id
        self.suggestion = suggestion


class TitanContentFilteredError(TitanError):
    """A content filter blocked the request.

    `.stage` is "input" (prompt, image or mask; not billed) or "output" (generated images
    were withheld). `.billed` says whether AWS charges for it, when known.
    """

    def __init__(self, message: str, *, stage: str, billed: bool | None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.stage = stage
        self.billed = billed


class TitanThrottledError(TitanError):
    """Bedrock kept throttling after the engine's retries within the request's deadline (rate or quota)."""


class TitanTimeoutError(TitanError):
    """The model or the connection did not answer in time."""


class TitanServiceError(TitanError):
    """The service failed on its side (5xx, model not ready) or answered something unreadable."""


class TitanEngineUnavailableError(TitanError):
    """The chosen engine cannot serve this request (missing package, unsupported feature)."""


class TitanBudgetError(TitanError):
    """Refused before sending: the request's estimated cost would pass a spending limit."""


def _show(value: Any) -> str:
    """Values as a person reads them: short text as-is, long text by its length."""
    if isinstance(value, str):
        if not value.strip():
            return "empty text"
        if len(value) > 60:
            return f"{len(value)} characters"
    return str(value)
