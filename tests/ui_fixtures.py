"""Helpers for the UI tests, all explicit: the app on the offline engine launched in this process
(its history, index and spending under the test's folder), the page's own events driven over
HTTP as a browser drives them (`PageSession`), the tab pieces built without a server
(`built_tabs`), engines that record or hold calls, and input files.

The offline engine is a requirement of these tests: nothing falls back to another engine.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import numpy as np
from gradio_client import Client
from PIL import Image

from tests.waiting import WAIT_S, wait_until  # noqa: F401 (re-exported for the UI tests)
from titan import MODELS, FunctionEngine, History, Playground, TitanClient, get_model, open_store, request_types
from titan.engines.offline import OfflineEngine
from tools.browser import Served, offline_settings, serving
from ui.app import build_tab
from ui.guard import Guard
from ui.models import ModelBoard, apply_now
from ui.settings import AppSettings
from ui.tab import Shared

TITAN = "amazon.titan-image-generator-v2:0"


def make_client(model_id: str = TITAN, engine: Any = "offline") -> TitanClient:
    """A client on the offline engine (or the engine given)."""
    return TitanClient(engine=engine, model_id=model_id)


def recording_engine() -> FunctionEngine:
    """The offline engine's answers, with every (model id, body) sent kept in `.calls`."""
    return FunctionEngine(OfflineEngine().invoke)


class GatedEngine:
    """Holds every call until `open()` (again after `hold()`); `wait_for_calls(n)` returns once n calls
    have arrived (waiting or done).

    Answers with the offline engine. For tests about requests in flight (several people, a
    cancelled job, a client that went away) without guessing how long a call takes.
    """

    name = "gated"
    billed = False
    region = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._gate = threading.Event()
        self._arrived = threading.Condition()
        self._offline = OfflineEngine()

    def invoke(self, model_id: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        with self._arrived:
            self.calls.append((model_id, body))
            self._arrived.notify_all()
        if not self._gate.wait(WAIT_S):
            raise TimeoutError("the test never opened the gate")
        return self._offline.invoke(model_id, body)

    def wait_for_calls(self, count: int) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.calls) >= count, WAIT_S):
                raise TimeoutError(f"{count} call(s) expected at the engine, {len(self.calls)} arrived")

    def open(self) -> None:
        self._gate.set()

    def hold(self) -> None:
        """Hold calls again from now on."""
        self._gate.clear()


@contextmanager
def emulator_client(model_id: str = TITAN) -> Iterator[TitanClient]:
    """A client on the Bedrock engine pointed at the local Bedrock-runtime emulator (which answers offline)."""
    from titan.emulator import start_emulator, wait_until_healthy

    emulator = start_emulator(quiet=True)
    try:
        wait_until_healthy(emulator.url)
        yield TitanClient(
            engine="bedrock", model_id=model_id, region="us-east-1", endpoint_url=emulator.url, max_attempts=1
        )
    finally:
        emulator.stop()


# --- the app, launched -------------------------------------------------------------------------


@contextmanager
def launched_app(folder: Path, *, client: TitanClient | None = None, **settings: Any) -> Iterator[Served]:
    """The app on the offline engine (or `client`), on Titan v2 unless `model=` says otherwise."""
    app_settings = offline_settings(folder, **({"model": TITAN} | settings))
    with serving(app_settings, client=client or make_client(app_settings.model)) as served:
        yield served


@contextmanager
def api_client(served: Served, auth: tuple[str, str] | None = None) -> Iterator[Client]:
    """gradio_client on the app's public API."""
    client = Client(served.url, auth=auth, verbose=False)
    try:
        yield client
    finally:
        client.close()


class PageError(Exception):
    """An event of the page failed; the message is what the page would show."""


class PageSession:
    """One browser session without the browser: the page's own (private) events called over HTTP
    as the page calls them, its current values kept like the page keeps them.

    `call(fn, {component: value})` sets the given values (as a person typing or picking), sends
    the event with the page's values for its inputs, applies its outputs to them and returns
    the outputs by component.
    """

    def __init__(self, served: Served, *, auth: tuple[str, str] | None = None) -> None:
        self.demo = served.demo
        self.http = httpx.Client(base_url=served.url, timeout=WAIT_S, trust_env=False)
        if auth is not None:
            self.http.post("login", data={"username": auth[0], "password": auth[1]}).raise_for_status()
        self.session = secrets.token_hex(8)
        config = self.http.get("config").raise_for_status().json()
        self.values: dict[int, Any] = {item["id"]: item.get("props", {}).get("value") for item in config["components"]}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PageSession:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    # --- finding events -------------------------------------------------------------------

    def event(self, name: str, *, output: Any = None, trigger: Any = None) -> Any:
        """The one wired function named `name` (that writes `output` / fires on `trigger`, when given)."""
        found = [
            fn
            for fn in self.demo.fns.values()
            if fn.name == name
            and (output is None or output in fn.outputs)
            and (trigger is None or any(block_id == trigger._id for block_id, _ in fn.targets))
        ]
        assert len(found) == 1, f"{len(found)} events named {name!r} match"
        return found[0]

    # --- calling them ---------------------------------------------------------------------

    def value(self, component: Any) -> Any:
        return self.values.get(component._id)

    def upload(self, path: str | Path) -> dict[str, Any]:
        """The file uploaded as the page uploads it; its FileData as the page sends it."""
        with open(path, "rb") as handle:
            answer = self.http.post("gradio_api/upload", files={"files": (Path(path).name, handle, "image/png")})
        [server_path] = answer.raise_for_status().json()
        return {"path": server_path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}

    def call(self, fn: Any, given: Mapping[Any, Any] | None = None, *, event_data: Any = None) -> dict[Any, Any]:
        for component, value in (given or {}).items():  # what the person typed or picked stays on the page
            self.values[component._id] = value
        data = [self.values.get(block._id) for block in fn.inputs]
        payload = {
            "data": data,
            "fn_index": fn._id,
            "session_hash": self.session,
            "event_data": event_data,
            "trigger_id": None,
        }
        outputs = self._queued(payload) if fn.queue else self._direct(payload)
        shown = dict(zip(fn.outputs, outputs, strict=True))
        for block, value in shown.items():
            self._apply(block, value)
        return shown

    def _apply(self, block: Any, value: Any) -> None:
        if isinstance(value, dict) and value.get("__type__") == "update":
            if "value" in value:
                self.values[block._id] = value["value"]
        else:
            self.values[block._id] = value

    def _direct(self, payload: dict[str, Any]) -> list[Any]:
        answer = self.http.post("gradio_api/run/predict", json=payload)
        body = answer.json()
        if answer.status_code != 200:
            raise PageError(body.get("error") or body)
        return body["data"]

    def _queued(self, payload: dict[str, Any]) -> list[Any]:
        event_id = self.http.post("gradio_api/queue/join", json=payload).raise_for_status().json()["event_id"]
        with self.http.stream("GET", "gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id or message.get("msg") != "process_completed":
                    continue
                if not message.get("success"):
                    raise PageError(message.get("output", {}).get("error") or message)
                return message["output"]["data"]
        raise PageError("the queue closed without an answer")


# --- the tabs, built without a server -----------------------------------------------------------


def built_tabs(playground: Playground, model_id: str = TITAN) -> Shared:
    """Every task tab as `ui.app.build_app` builds it (same `build_tab`), started on `model_id`,
    without the header, History or a server: for testing forms and result areas directly."""
    spec = get_model(model_id)
    board = ModelBoard.for_engine(playground.client.engine)
    with gr.Blocks():
        model = gr.Dropdown(choices=list(MODELS), value=model_id)
        with gr.Tabs() as tabs:
            shared = Shared(
                settings=AppSettings(engine="offline", model=model_id),
                playground=playground,
                model=model,
                tabs=tabs,
                spec=spec,
                board=board,
                guard=Guard(logins=False),
            )
            for request_type in request_types():
                build_tab(shared, request_type)
    for part in shared.parts.values():
        apply_now(part.on_model(spec))
    return shared


def playground_on(engine: Any, folder: Path, *, model_id: str = TITAN, budget: Any = None) -> Playground:
    """A Playground on `engine` keeping its History (and index) under `folder`."""
    history = History(open_store(folder / "history"), index_dir=folder / "history-index")
    return Playground(make_client(model_id, engine), history, budget)


# --- input files -------------------------------------------------------------------------------


def rgb_image(width: int = 512, height: int = 512, color: tuple[int, int, int] = (90, 140, 200)) -> np.ndarray:
    array = np.zeros((height, width, 3), np.uint8)
    array[:] = color
    array[height // 3 : height // 2, width // 3 : width // 2] = (230, 120, 40)
    return array


def save_png(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).save(path, format="PNG")
    return path


def painted_layer(width: int, height: int, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """An editor layer: transparent, with `box` (x0, y0, x1, y1) painted like the brush (alpha 140)."""
    layer = np.zeros((height, width, 4), np.uint8)
    if box is not None:
        x0, y0, x1, y1 = box
        layer[y0:y1, x0:x1] = (255, 45, 111, 140)
    return layer


def editor_value(
    background: str | Path | None, *, box: tuple[int, int, int, int] | None = (100, 120, 220, 260)
) -> dict[str, Any]:
    """What the inpaint editor (`ui.widgets.PathEditor`) hands the app: the picture's path and the painted layers."""
    if background is None:
        return {"background": None, "layers": [], "composite": None}
    width, height = Image.open(background).size
    return {"background": str(background), "layers": [painted_layer(width, height, box)], "composite": str(background)}


def titan_mask(width: int, height: int, box: tuple[int, int, int, int]) -> Image.Image:
    """A Titan mask: black (change) inside `box`, white elsewhere."""
    mask = Image.new("L", (width, height), 255)
    mask.paste(0, box)
    return mask


def input_files(folder: Path) -> dict[str, Path]:
    """Upload-ready files: a 512×384 photo, its mask (black = change), a 512×512 square, a painted layer."""
    Image.fromarray(painted_layer(512, 384, (150, 100, 300, 200)), "RGBA").save(folder / "layer.png")
    titan_mask(512, 384, (150, 100, 300, 200)).save(folder / "mask.png")
    return {
        "photo": save_png(rgb_image(512, 384), folder / "photo.png"),
        "mask": folder / "mask.png",
        "square": save_png(rgb_image(512, 512, (40, 160, 90)), folder / "square.png"),
        "layer": folder / "layer.png",
    }


def pixels(image: Any, mode: str = "RGB") -> np.ndarray:
    """Pixels of a path, PNG bytes or PIL image, for comparing images however they are held."""
    from titan import load_image

    return np.asarray(load_image(image).convert(mode))
