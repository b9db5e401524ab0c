"""What keeps one person's things from another on a shared server, at the HTTP door.

- Files: History lives outside everything Gradio serves. What the page shows is a copy in
  Gradio's upload folder (`Guard.publish`; Gradio serves files from there as they are, any
  other path it would copy), and with logins it is registered to its owner, as is every
  file a person uploads: a file URL asked for by anyone else answers 404, and so does an
  event (page, REST or client) that names someone else's file as an input.
- Logins: failed sign-ins slow down per name and per address (a lockout that doubles, up to
  a few minutes), so a password cannot be guessed at machine speed.
- With logins, nothing that acts on the queue (cancel, join) and no MCP tool answers before
  signing in (Gradio's MCP server does not check logins itself).

`Guard.middleware()` is handed to `launch(app_kwargs=...)`; the rest of the app calls
`publish(path, person)` wherever it shows a stored file.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from starlette.middleware import Middleware

from titan import Person

#: Failures allowed before a lockout, per sign-in name and per client address.
NAME_FAILURES, ADDRESS_FAILURES = 5, 20
#: The first lockout, doubling with every further failure, up to the longest.
FIRST_LOCKOUT, LONGEST_LOCKOUT = 2.0, 300.0
#: Failures older than this are forgotten.
FAILURE_WINDOW = 900.0
_GUARDED = ("/gradio_api/cancel", "/gradio_api/queue/join", "/gradio_api/queue/data", "/gradio_api/mcp")
#: Where events arrive with their inputs (the page's queue, the REST and client routes).
_EVENTS = ("/gradio_api/queue/join", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/api/")
_UPLOAD = "/gradio_api/upload"
_MCP = "/gradio_api/mcp"
#: Who signed in, for the MCP tools: Gradio's MCP server does not tell them (`person_of` reads it).
USER_HEADER = "x-titan-user"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Guard:
    """File ownership and sign-in back-off for one app; see the module docstring."""

    def __init__(self, *, logins: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.logins = logins
        self.clock = clock
        self._owners: dict[str, set[str]] = defaultdict(set)
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    # --- files ---------------------------------------------------------------------------

    def publish(self, path: str | Path, person: Person) -> str:
        """A copy of a stored file that the page may show; with logins only `person` can fetch it."""
        from gradio import processing_utils, utils

        cached = processing_utils.save_file_to_cache(str(path), cache_dir=utils.get_upload_folder())
        self.register(cached, person.user)
        return cached

    def register(self, path: str, user: str | None) -> None:
        """With logins, `path` (a file Gradio serves) becomes `user`'s."""
        if self.logins and user:
            with self._lock:
                self._owners[str(Path(path).resolve())].add(user)

    def may_fetch(self, path: str, user: str | None) -> bool:
        """Whether `user` may fetch the cached file at `path` (files no one registered are anyone's)."""
        if not self.logins:
            return True
        with self._lock:
            owners = self._owners.get(str(Path(path).resolve()))
        return owners is None or user in owners

    def may_use(self, path: str, user: str | None) -> bool:
        """Whether an event may name `path` as an input: a URL, or a file Gradio received that `user` may fetch.

        Any other path is refused: Gradio's API routes would otherwise copy any image under
        the working or temporary folder into their cache and hand it to the app.
        """
        if path.startswith(("http://", "https://")):
            return True
        from gradio import utils

        return utils.is_in_or_equal(path, utils.get_upload_folder()) and self.may_fetch(path, user)

    # --- sign-in back-off -----------------------------------------------------------------

    def lockout(self, name: str, address: str) -> float:
        """Seconds before `name` may try again from `address` (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                self._wait(self._failures[f"name:{name}"], NAME_FAILURES, now),
                self._wait(self._failures[f"address:{address}"], ADDRESS_FAILURES, now),
            ]
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"name:{name}", f"address:{address}"):
                self._failures[key].append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name}", None)

    def _wait(self, failures: deque[float], allowed: int, now: float) -> float:
        while failures and now - failures[0] > FAILURE_WINDOW:
            failures.popleft()
        extra = len(failures) - allowed
        if extra < 0:
            return 0.0
        lockout = min(LONGEST_LOCKOUT, FIRST_LOCKOUT * 2**extra)
        return max(0.0, failures[-1] + lockout - now)

    def middleware(self) -> Middleware:
        return Middleware(GuardMiddleware, guard=self)


class GuardMiddleware:
    """The ASGI side of `Guard`: file URLs, sign-ins and queue actions are checked before Gradio sees them."""

    def __init__(self, app: Any, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        scope["headers"] = _signed_in_as(scope, _user(scope) if self.guard.logins and path.startswith(_MCP) else None)
        if path.startswith(_EVENTS) and scope["method"] == "POST":
            body = await _body(receive)
            if not all(self.guard.may_use(named, _user(scope)) for named in _paths_in(body)):
                await _answer(send, 404, b'{"detail": "Not found"}')
                return
            receive = _replay(body)
        if not self.guard.logins:
            await self.app(scope, receive, send)
        elif "/file=" in path and not self.guard.may_fetch(unquote(path.split("/file=", 1)[1]), _user(scope)):
            await _answer(send, 404, b'{"detail": "Not found"}')
        elif path.rstrip("/").endswith("/login") and scope["method"] == "POST":
            await self._login(scope, receive, send)
        elif path.startswith(_GUARDED) and _user(scope) is None:
            await _answer(send, 401, b'{"detail": "Sign in first: send the cookie that POST /login sets."}')
        elif path.startswith(_UPLOAD) and scope["method"] == "POST":
            await self._upload(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the upload on; the files it stored become the uploader's."""
        chunks: list[bytes] = []
        status: list[int] = []

        async def keeping(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keeping)
        if status and status[0] == 200:
            for stored in _paths_in(b"".join(chunks)):
                self.guard.register(stored, _user(scope))

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        form = parse_qs(body.decode("utf-8", "replace"))
        name = (form.get("username") or [""])[0]
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.guard.lockout(name, address)
        if wait > 0:
            message = f'{{"detail": "Too many failed sign-ins. Try again in {int(wait) + 1} s."}}'
            await _answer(send, 429, message.encode())
            return
        status: list[int] = []

        async def noting(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, _replay(body), noting)
        if status and status[0] == 200:
            self.guard.succeeded(name)
        elif status and status[0] in (400, 401):
            self.guard.failed(name, address)


def _user(scope: Scope) -> str | None:
    """The signed-in user of a request, as Gradio's own `get_current_user` finds it."""
    app = scope.get("app")
    cookie_id = getattr(app, "cookie_id", None)
    tokens = getattr(app, "tokens", None)
    if cookie_id is None or tokens is None:
        return None
    cookies = _cookies(scope)
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return tokens.get(token)


def _signed_in_as(scope: Scope, user: str | None) -> list[tuple[bytes, bytes]]:
    """The request's headers with `USER_HEADER` set to `user` (removed when None): never the caller's own."""
    headers = [(key, value) for key, value in scope.get("headers", []) if key != USER_HEADER.encode()]
    return [*headers, (USER_HEADER.encode(), user.encode())] if user else headers


def _paths_in(body: bytes) -> list[str]:
    """Every file path a JSON body names: {"path": ...} objects, and the strings of an upload's answer."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return []
    found: list[str] = []

    def walk(node: Any, top: bool) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("path"), str):
                found.append(node["path"])
            for value in node.values():
                walk(value, False)
        elif isinstance(node, list):
            for item in node:
                if top and isinstance(item, str):
                    found.append(item)
                walk(item, False)

    walk(data, True)
    return found


def _cookies(scope: Scope) -> dict[str, str]:
    raw = "; ".join(value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"cookie")
    pairs = (part.strip().split("=", 1) for part in raw.split(";") if "=" in part)
    return {key: value for key, value in pairs}


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
