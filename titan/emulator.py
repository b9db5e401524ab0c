"""A local stand-in for Amazon Bedrock Runtime's `InvokeModel`, for the Titan image models.

Real boto3 talks to it unchanged: point the endpoint at it and use any dummy keys::

    python -m titan.emulator --port 8765 [--host 127.0.0.1] [--delay SECONDS]
                             [--fault KIND[:ARG] ...] [--placeholder]
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8765 \\
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test python -m your_app

`POST /model/{modelId}/invoke` reads the body back into its typed request with the same
declaration the client builds it from (`titan.families.*.decode`, then
`Request.validate`), so a bad request gets the 400 `ValidationException` that
Bedrock would send ("Malformed input request: ..., please reformat your input and try
again."; an unknown model id gets "The provided model identifier is invalid."). Valid
requests are answered by the offline engine (`titan.engines.offline.OfflineEngine`), or by
flat gradient placeholders when that engine is not installed or `--placeholder` is given:
`{"images": [base64 PNG...], "error": null}`, with an `x-amzn-RequestId` header.
Stability model ids (`stability.*`, also `us.`-prefixed) take their native bodies and get
`{"images", "seeds", "finish_reasons"}` back; an output-filter fault then reports
"Filter reason: output image".
Errors use Bedrock's rest-json shape (status, `x-amzn-ErrorType` header, `{"message"}`),
so botocore raises its real exception classes (`client.exceptions.ThrottlingException`...).

Faults, injected on demand, let tests drive retries and error messages through the real
boto3 path. Each queued fault is used by the next invoke call(s), in order:

    kind                   answer
    throttle               429 ThrottlingException
    server_error           500 InternalServerException
    unavailable            503 ServiceUnavailableException
    access_denied          403 AccessDeniedException ("You don't have access to the model ...")
    model_retired          404 ResourceNotFoundException ("... reached the end of its life ...")
    legacy_locked          404 ResourceNotFoundException ("... marked by provider as Legacy ...")
    model_timeout          408 ModelTimeoutException
    not_ready              429 ModelNotReadyException
    quota                  400 ServiceQuotaExceededException
    malformed              200 with a body that is not JSON
    slow                   waits `seconds` (default 5), then answers normally
    content_filter_input   400 ValidationException "This request has been blocked by our content
                           filters ..." for a valid body; `target` "prompt" (default), "image" or "mask"
    content_filter_output  200 keeping only `count` images (default 0), `error` says they were blocked

The error kinds and `malformed` answer before the body is looked at; the content filters
apply to valid bodies only (an invalid one still gets its ValidationException).
A fault entry is `{"kind": KIND, "times": N}` plus `seconds`, `count` or `target` where
they apply, and `match`: then the fault applies only to bodies whose JSON contains that text
(one person's prompt, say); `times` defaults to 1, and `null` makes the fault permanent. Queued faults come
first; when none is left, permanent faults apply in turn, one per call. On the command
line `--fault KIND[:ARG][@MATCH]` adds a permanent fault (ARG is `seconds` for slow, `count` for
content_filter_output, `target` for content_filter_input), and `--delay` adds a fixed
latency to every invoke answer; parallel calls are served concurrently.

Control endpoints (JSON in and out; not delayed):

    GET    /_emulator/health     200 {"ok": true}
    POST   /_emulator/faults     {"faults": [entry, ...], "replace": false} queues faults
    GET    /_emulator/faults     what is queued and permanent
    DELETE /_emulator/faults     clears all faults, permanent ones included
    GET    /_emulator/requests   the recorded invoke bodies, oldest first (the last 1,000)
    DELETE /_emulator/requests   forgets them

From Python (tests)::

    emulator = start_emulator()            # port 0: a free port, served by a background thread
    client = boto3.client("bedrock-runtime", endpoint_url=emulator.url, ...)
    emulator.set_faults({"kind": "throttle", "times": 2})
    emulator.requests                      # bodies received so far
    emulator.stop()

One line per request goes to stderr (method, path, model, task, status, milliseconds,
fault). Headers are never logged: they carry the SigV4 `Authorization` header and
session tokens. Listens on IPv4 only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
import time
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

import numpy as np
from PIL import Image

from .engines import Engine
from .errors import TitanEngineUnavailableError, TitanError, TitanValidationError
from .families import Outcome, family_of_model_id, spec_for_model_id
from .images import encode_png_b64
from .models import MODELS, service_model, strip_profile

__all__ = [
    "FAULT_KINDS",
    "Emulator",
    "Fault",
    "PlaceholderEngine",
    "input_filter_message",
    "main",
    "output_filter_message",
    "start_emulator",
    "wait_until_healthy",
]

_VALIDATION = "ValidationException"
_FILTER_LEAD = "This request has been blocked by our content filters."
_POLICY = "as it may conflict with our AUP or AWS Responsible AI Policy"

#: Faults answered with an error before the body is looked at: kind -> (status, code, message).
_ERROR_FAULTS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    "server_error": (500, "InternalServerException", "An internal server error occurred. Retry your request."),
    "unavailable": (503, "ServiceUnavailableException", "The service isn't currently available. Try again later."),
    "access_denied": (403, "AccessDeniedException", "You don't have access to the model with the specified model ID."),
    "model_retired": (
        404,
        "ResourceNotFoundException",
        "This model version has reached the end of its life. Please refer to the AWS documentation for more details.",
    ),
    "legacy_locked": (
        404,
        "ResourceNotFoundException",
        "Access denied. This Model is marked by provider as Legacy and you have not been actively using the model "
        "in the last 30 days. Please upgrade to an active model on Amazon Bedrock",
    ),
    "model_timeout": (
        408,
        "ModelTimeoutException",
        "The request took too long to process. Processing time exceeded the model timeout length.",
    ),
    "not_ready": (
        429,
        "ModelNotReadyException",
        "The model specified in the request is not ready to serve inference requests. Try again later.",
    ),
    "quota": (
        400,
        "ServiceQuotaExceededException",
        "Your request exceeds the service quota for your account. You can view your quotas at Viewing service "
        "quotas. You can resubmit your request later.",
    ),
}
_OTHER_FAULTS = ("malformed", "slow", "content_filter_input", "content_filter_output")
FAULT_KINDS: tuple[str, ...] = (*_ERROR_FAULTS, *_OTHER_FAULTS)
FILTER_TARGETS: tuple[str, ...] = ("prompt", "image", "mask")

_MALFORMED_BODY = b'{"images": ["iVBORw0KGgoAAAANSUhEUgAA'  # cut short: not JSON
_INVOKE_PREFIX, _INVOKE_SUFFIX = "/model/", "/invoke"
_DEFAULT_SIZE = (1024, 1024)
_RECORD_LIMIT = 1000


# --- faults -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One injected fault: `kind` for the next `times` invoke calls (None = every call)."""

    kind: str
    times: int | None = 1
    seconds: float = 5.0
    count: int = 0
    target: str = "prompt"
    match: str | None = None  # only bodies whose JSON text contains this (one person's prompt, say)

    def applies_to(self, raw: str) -> bool:
        return self.match is None or self.match in raw

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of: {', '.join(FAULT_KINDS)}")
        if self.times is not None and (not _is_int(self.times) or self.times < 1):
            raise ValueError(f"times must be a whole number ≥ 1 or null (permanent), got {self.times!r}")
        if not _is_number(self.seconds) or self.seconds < 0:
            raise ValueError(f"seconds must be a number ≥ 0, got {self.seconds!r}")
        if not _is_int(self.count) or self.count < 0:
            raise ValueError(f"count must be a whole number ≥ 0, got {self.count!r}")
        if self.target not in FILTER_TARGETS:
            raise ValueError(f"target must be one of {', '.join(FILTER_TARGETS)}, got {self.target!r}")

    @property
    def permanent(self) -> bool:
        return self.times is None

    @classmethod
    def from_value(cls, value: FaultLike) -> Fault:
        """A `Fault`, a JSON-style mapping (`{"kind": ..., "times": ...}`) or a CLI string."""
        if isinstance(value, Fault):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"kind", "times", "seconds", "count", "target", "match"})
            if unknown:
                raise ValueError(f"unknown fault field(s): {', '.join(map(str, unknown))}")
            if "kind" not in value:
                raise ValueError("a fault needs a kind")
            return cls(**value)
        raise ValueError(f"a fault is a mapping with a kind, got {type(value).__name__}")

    @classmethod
    def parse(cls, text: str, *, permanent: bool = False) -> Fault:
        """`KIND[:ARG][@MATCH]` as on the command line: "slow:3", "slow:600@hang", "content_filter_input:image"."""
        spec, _, match = text.strip().partition("@")
        kind, _, arg = spec.partition(":")
        times = None if permanent else 1
        common = {"times": times, "match": match or None}
        if not arg:
            return cls(kind, **common)
        if kind == "slow":
            return cls(kind, seconds=_parse_number(arg, float, "seconds"), **common)
        if kind == "content_filter_output":
            return cls(kind, count=_parse_number(arg, int, "count"), **common)
        if kind == "content_filter_input":
            return cls(kind, target=arg, **common)
        raise ValueError(f"fault {kind!r} takes no argument, got {arg!r}")


FaultLike = Fault | Mapping[str, Any] | str


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_number(text: str, kind: type, name: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None


class _FaultQueue:
    """Queued faults first (consumed in order), then permanent ones in turn. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: deque[list[Any]] = deque()  # [fault, calls left]
        self._permanent: list[Fault] = []
        self._turn = 0

    def add(self, faults: Iterable[Fault], *, replace: bool = False) -> None:
        with self._lock:
            if replace:
                self._clear()
            for fault in faults:
                if fault.permanent:
                    self._permanent.append(fault)
                else:
                    self._queued.append([fault, fault.times])

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._queued.clear()
        self._permanent.clear()
        self._turn = 0

    def take(self, raw: str) -> Fault | None:
        """The fault for a call whose body is `raw`: the first queued one that applies, else the next
        permanent one that applies (in turn)."""
        with self._lock:
            for entry in self._queued:
                if entry[0].applies_to(raw):
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self._queued.remove(entry)
                    return entry[0]
            applying = [fault for fault in self._permanent if fault.applies_to(raw)]
            if applying:
                fault = applying[self._turn % len(applying)]
                self._turn += 1
                return fault
            return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            queued = [{**asdict(fault), "left": left} for fault, left in self._queued]
            return {"queued": queued, "permanent": [asdict(fault) for fault in self._permanent]}


# --- answers ----------------------------------------------------------------------------


@dataclass
class _Reply:
    status: int
    body: bytes
    error_type: str | None = None
    model: str = "-"
    task: str = "-"
    fault: str = "-"


class _Refusal(Exception):
    """An error answer in Bedrock's shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json_reply(status: int, payload: Any) -> _Reply:
    return _Reply(status, json.dumps(payload).encode())


def _error_reply(status: int, code: str, message: str) -> _Reply:
    reply = _json_reply(status, {"message": message})
    reply.error_type = code
    return reply


def _malformed(problem: str) -> str:
    return f"Malformed input request: {problem.rstrip('.')}, please reformat your input and try again."


def input_filter_message(target: str = "prompt") -> str:
    """What Bedrock says when the prompt, input image or mask is blocked (HTTP 400)."""
    flagged = {"prompt": "this prompt", "image": "this image", "mask": "this mask"}[target]
    adjust = {"prompt": "your text prompt", "image": "your input image", "mask": "your mask"}[target]
    return (
        f"{_FILTER_LEAD} Our filters automatically flagged {flagged} {_POLICY}. "
        f"Please adjust {adjust} to submit a new request."
    )


def output_filter_message() -> str:
    """The `error` of a 200 answer whose generated images were (partly) withheld."""
    return (
        f"{_FILTER_LEAD} Our filters automatically flagged the generated image(s) {_POLICY}. "
        "Please adjust your text prompt to submit a new request."
    )


_NOT_JSON = object()


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _invoked_model(path: str) -> str | None:
    """The decoded model id of an `/model/{modelId}/invoke` path (botocore escapes ":" and "/")."""
    if not (path.startswith(_INVOKE_PREFIX) and path.endswith(_INVOKE_SUFFIX)):
        return None
    quoted = path[len(_INVOKE_PREFIX) : -len(_INVOKE_SUFFIX)]
    return unquote(quoted) if quoted and "/" not in quoted else None


def _task_name(model_id: str, body: Any) -> str:
    """What a body asks for, for the log line: Titan's taskType, or the Stability service's name."""
    task = body.get("taskType") if isinstance(body, dict) else None
    if isinstance(task, str):
        return task
    service = service_model(model_id)
    return service.name if service is not None else "-"


def _check_request(model_id: str, body: Any) -> None:
    """Raise the `_Refusal` Bedrock would send for this model id and body."""
    if body is _NOT_JSON:
        raise _Refusal(400, _VALIDATION, _malformed("the request body is not valid JSON"))
    if strip_profile(model_id) not in MODELS and service_model(model_id) is None:
        raise _Refusal(400, _VALIDATION, "The provided model identifier is invalid.")
    family = family_of_model_id(model_id)
    try:
        family.decode(model_id, body).validate(spec_for_model_id(model_id))
    except TitanValidationError as exc:
        native = getattr(family, "native_name", None)
        if native is not None:  # Stability names its own keys ("prompt", not "text")
            exc = TitanValidationError(native(model_id, body, exc.field), exc.value, exc.allowed, problem=exc.problem)
        raise _Refusal(400, _VALIDATION, _malformed(exc.message)) from None


def _filter_output(model_id: str, result: dict[str, Any], keep: int) -> dict[str, Any]:
    if family_of_model_id(model_id).name == "stability":
        from .families.stability import filtered_answer

        return filtered_answer(result, keep)
    return {**result, "images": list(result.get("images") or [])[:keep], "error": output_filter_message()}


# --- placeholder images -----------------------------------------------------------------


class PlaceholderEngine:
    """Flat gradients of the right size, count and mode: the stand-in when the offline engine
    is missing. Edits answer at the output's size; background removal in RGBA."""

    name = "placeholder"
    billed = False
    region = None

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        family = family_of_model_id(model_id)
        request = family.decode(model_id, body)
        colors = getattr(request, "colors", None) or []
        seeds = [(getattr(request, "seed", None) or 0) + i for i in range(request.image_count())]
        images = [
            encode_png_b64(_gradient(_placeholder_size(request), *_colours(request, colors, i), rgba=_rgba(request)))
            for i in range(request.image_count())
        ]
        return family.respond(model_id, request, Outcome(images, seeds))


def _placeholder_size(request: Any) -> tuple[int, int]:
    size = getattr(request, "output_size", None)
    return size() if callable(size) else _DEFAULT_SIZE


def _rgba(request: Any) -> bool:
    return request.task == "BACKGROUND_REMOVAL"


def _colours(request: Any, colors: list[str], index: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    if colors:
        return _hex(colors[index % len(colors)]), _hex(colors[(index + 1) % len(colors)])
    seed = f"{request.task}|{request.prompt}|{getattr(request, 'seed', None)}|{index}"
    digest = hashlib.sha256(seed.encode()).digest()
    return (digest[0], digest[1], digest[2]), (digest[3], digest[4], digest[5])


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _gradient(
    size: tuple[int, int], start: tuple[int, int, int], end: tuple[int, int, int], *, rgba: bool
) -> Image.Image:
    width, height = size
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    row = np.asarray(start, np.float32) * (1 - ramp) + np.asarray(end, np.float32) * ramp
    pixels = np.repeat(row, height, axis=0).astype(np.uint8)
    if not rgba:
        return Image.fromarray(pixels, "RGB")
    ys, xs = np.ogrid[:height, :width]
    inside = ((xs - width / 2) / (width / 2.5)) ** 2 + ((ys - height / 2) / (height / 2.5)) ** 2 <= 1
    alpha = np.where(inside, 255, 0).astype(np.uint8)[:, :, None]
    return Image.fromarray(np.concatenate([pixels, alpha], axis=2), "RGBA")


def _default_engine() -> Engine:
    """The offline engine when it can be imported, else placeholders."""
    try:
        from .engines.offline import OfflineEngine
    except ImportError:
        return PlaceholderEngine()
    return OfflineEngine()


# --- the server -------------------------------------------------------------------------


class Emulator:
    """A Bedrock Runtime stand-in on `host:port` (port 0 picks a free one).

    The socket is bound on construction; `start()` serves from a background thread,
    `serve_forever()` from the calling one. `engine` None means the offline engine when it
    can be imported, else `PlaceholderEngine`. `stream` receives the request log
    (default: the current `sys.stderr`); `quiet` turns it off.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        faults: Iterable[FaultLike] = (),
        engine: Engine | None = None,
        stream: TextIO | None = None,
        quiet: bool = False,
    ) -> None:
        self.delay = delay
        self.stream = stream
        self.quiet = quiet
        self._engine = engine
        self._faults = _FaultQueue()
        self._faults.add(Fault.from_value(fault) for fault in faults)
        self._requests: deque[Any] = deque(maxlen=_RECORD_LIMIT)
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False
        self._server = _Server((host, port), self)
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    # lifecycle

    def start(self) -> Emulator:
        """Serve from a daemon thread and return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"emulator-{self.port}"
            )
            self._thread.daemon = True
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until `stop()` or an exception (Ctrl-C, SIGTERM in `main`)."""
        self._serving = True
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self._serving = False

    def stop(self) -> None:
        """Stop serving and close the socket; waiting calls (delay, slow) end at once."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        if self._thread is not None or self._serving:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # state

    def set_faults(self, *faults: FaultLike, append: bool = False) -> None:
        """Queue `faults` (Fault, mapping or "kind[:arg]"), replacing what was set unless `append`."""
        parsed = [Fault.from_value(fault) for fault in faults]
        self._faults.add(parsed, replace=not append)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> dict[str, Any]:
        """What is queued (with calls left) and what is permanent."""
        return self._faults.snapshot()

    @property
    def requests(self) -> list[Any]:
        """Invoke bodies received, oldest first (parsed JSON; raw text when not JSON)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # requests

    def _handle(self, method: str, target: str, raw: bytes) -> _Reply:
        """Answer one HTTP request; never raises."""
        path = urlsplit(target).path
        try:
            model_id = _invoked_model(path)
            if method == "POST" and model_id:
                return self._invoke(model_id, raw)
            return self._control(method, path, raw)
        except Exception as exc:  # a bug here must still answer, in Bedrock's shape
            self.log(f"error {type(exc).__name__}: {exc}")
            return _error_reply(500, "InternalServerException", "An internal server error occurred.")

    def _invoke(self, model_id: str, raw: bytes) -> _Reply:
        body = _parse_json(raw)
        self._record(raw.decode("utf-8", "replace") if body is _NOT_JSON else body)
        fault = self._faults.take(raw.decode("utf-8", "replace"))
        self._pause(self.delay)
        try:
            reply = self._respond(model_id, body, fault)
        except _Refusal as refusal:
            reply = _error_reply(refusal.status, refusal.code, refusal.message)
        reply.model, reply.task = model_id, _task_name(model_id, body)
        reply.fault = fault.kind if fault else "-"
        return reply

    def _respond(self, model_id: str, body: Any, fault: Fault | None) -> _Reply:
        kind = fault.kind if fault else None
        if fault is not None and kind == "slow":
            self._pause(fault.seconds)
        if kind in _ERROR_FAULTS:
            raise _Refusal(*_ERROR_FAULTS[kind])
        if kind == "malformed":
            return _Reply(200, _MALFORMED_BODY)
        _check_request(model_id, body)
        if fault is not None and kind == "content_filter_input":
            raise _Refusal(400, _VALIDATION, input_filter_message(fault.target))
        result = self._generate(model_id, body)
        if fault is not None and kind == "content_filter_output":
            result = _filter_output(model_id, result, fault.count)
        return _json_reply(200, result)

    def _generate(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            result = dict(self._request_engine().invoke(model_id, body))
        except TitanEngineUnavailableError as exc:
            raise _Refusal(400, _VALIDATION, exc.message) from None
        except TitanValidationError as exc:
            raise _Refusal(400, _VALIDATION, _malformed(exc.message)) from None
        except TitanError as exc:
            raise _Refusal(500, "InternalServerException", exc.message) from None
        if family_of_model_id(model_id).name == "titan":
            result.setdefault("error", None)  # Titan always sends the key; Stability never does
        return result

    def _request_engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = _default_engine()
                self.log(f"engine: {self._engine.name}")
            return self._engine

    def _control(self, method: str, path: str, raw: bytes) -> _Reply:
        route = {
            ("GET", "/_emulator/health"): lambda: _json_reply(200, {"ok": True}),
            ("GET", "/_emulator/faults"): lambda: _json_reply(200, self.faults),
            ("POST", "/_emulator/faults"): lambda: self._post_faults(raw),
            ("DELETE", "/_emulator/faults"): lambda: self._cleared(self.clear_faults),
            ("GET", "/_emulator/requests"): lambda: _json_reply(200, self.requests),
            ("DELETE", "/_emulator/requests"): lambda: self._cleared(self.clear_requests),
        }.get((method, path))
        if route is None:
            return _error_reply(404, "UnknownOperationException", f"No operation for {method} {path}.")
        return route()

    def _post_faults(self, raw: bytes) -> _Reply:
        payload = _parse_json(raw)
        if not isinstance(payload, dict) or not isinstance(payload.get("faults"), list):
            return _error_reply(400, _VALIDATION, 'Expected {"faults": [{"kind": ..., "times": ...}, ...]}.')
        try:
            faults = [Fault.from_value(entry) for entry in payload["faults"]]
        except (TypeError, ValueError) as exc:
            return _error_reply(400, _VALIDATION, str(exc))
        self._faults.add(faults, replace=bool(payload.get("replace", False)))
        return _json_reply(200, {"ok": True, **self.faults})

    @staticmethod
    def _cleared(clear: Callable[[], None]) -> _Reply:
        clear()
        return _json_reply(200, {"ok": True})

    def _record(self, body: Any) -> None:
        with self._lock:
            self._requests.append(body)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def log(self, line: str) -> None:
        """Write one line to the log stream (never anything from the request headers)."""
        if self.quiet:
            return
        stream = self.stream or sys.stderr
        with self._log_lock:
            stream.write(f"emulator: {line}\n")
            stream.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many parallel clients (the load benchmark)

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        self.emulator.log(f"connection error {type(exc).__name__}: {exc}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    server_version = "titan-emulator"
    timeout = 120  # idle keep-alive connections end after this
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        started = time.perf_counter()
        emulator = self.server.emulator
        reply = emulator._handle(method, self.path, self._read_body())
        sent = self._send(reply)
        ms = (time.perf_counter() - started) * 1000
        path = urlsplit(self.path).path  # the query string is left out, as are all headers
        gone = "" if sent else " (client gone)"
        emulator.log(
            f"{method} {path} model={reply.model} task={reply.task} status={reply.status} ms={ms:.0f} "
            f"fault={reply.fault}{gone}"
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # chunked uploads are not read; botocore sends a length
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: _Reply) -> bool:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if reply.error_type:
                self.send_header("x-amzn-ErrorType", reply.error_type)
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return False
        return True

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own log; `_serve` writes one line per request."""


# --- helpers and CLI --------------------------------------------------------------------


def start_emulator(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    delay: float = 0.0,
    faults: Iterable[FaultLike] = (),
    engine: Engine | None = None,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> Emulator:
    """Start an `Emulator` in a background thread; call `.stop()` when done."""
    emulator = Emulator(host=host, port=port, delay=delay, faults=faults, engine=engine, stream=stream, quiet=quiet)
    return emulator.start()


def wait_until_healthy(url: str, timeout: float = 10) -> None:
    """Poll `{url}/_emulator/health` until it answers `{"ok": true}`; TimeoutError after `timeout` s."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last: object = "no answer"
    while time.monotonic() < deadline:
        try:
            with opener.open(f"{url.rstrip('/')}/_emulator/health", timeout=1) as answer:
                if json.loads(answer.read()).get("ok") is True:
                    return
                last = "health answered without ok"
        except (OSError, ValueError) as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"the emulator at {url} did not answer within {timeout:g} s ({last})")


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m titan.emulator",
        description="A local Bedrock Runtime stand-in for the Titan image models (see the module docs).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument("--delay", type=float, default=0.0, metavar="SECONDS", help="latency added to every answer")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:ARG]",
        help=f"a permanent fault, repeatable (applied in turn): {', '.join(FAULT_KINDS)}",
    )
    parser.add_argument("--placeholder", action="store_true", help="answer with gradients, not the offline engine")
    args = parser.parse_args(argv)
    try:
        args.faults = [Fault.parse(text, permanent=True) for text in args.fault]
    except ValueError as exc:
        parser.error(str(exc))
    if args.delay < 0:
        parser.error("--delay must be 0 or more seconds")
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until Ctrl-C or SIGTERM; returns the exit status."""
    args = _parse_args(argv)
    engine = PlaceholderEngine() if args.placeholder else None
    try:
        emulator = Emulator(host=args.host, port=args.port, delay=args.delay, faults=args.faults, engine=engine)
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    faults = ", ".join(fault.kind for fault in args.faults) or "none"
    emulator.log(f"listening on {emulator.url} (delay {args.delay:g} s, faults: {faults})")
    emulator.log(f"use AWS_ENDPOINT_URL_BEDROCK_RUNTIME={emulator.url} with any AWS keys")
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        emulator.log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
