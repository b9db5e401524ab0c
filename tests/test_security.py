"""A shared server tried as a curious colleague would: two people signed in, every route that
hands out or takes a file, sign-in guessing, queue actions before signing in.

One app on the offline engine serves the module; alice and bob talk to it over raw HTTP, as
any script could.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.served import app_from_flags, login_flags
from titan import request_types

LOGINS = {"alice": "wonderland", "bob": "builder"}
WAIT_S = 120.0  # a ceiling for a busy machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("security")
    with app_from_flags(folder, *login_flags(LOGINS)) as url:
        yield url, folder


def signed_in(url: str, user: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=WAIT_S, trust_env=False)
    http.post("login", data={"username": user, "password": LOGINS[user]}).raise_for_status()
    return http


@pytest.fixture
def alice(server) -> Iterator[httpx.Client]:
    http = signed_in(server[0], "alice")
    yield http
    http.close()


@pytest.fixture
def bob(server) -> Iterator[httpx.Client]:
    http = signed_in(server[0], "bob")
    yield http
    http.close()


def task(api_name: str, **named: Any) -> list[Any]:
    """A task endpoint's positional values, as raw HTTP must send them: every field in declared order, then model."""
    [request_type] = [kind for kind in request_types() if kind.api_name == api_name]
    return [named.get(name) for name in request_type.options()] + [None]


def call(http: httpx.Client, api_name: str, data: list[Any]) -> tuple[str, Any]:
    """POST /gradio_api/call/<api_name>, then read its event stream: ("complete", outputs) or ("error", message)."""
    answer = http.post(f"gradio_api/call/{api_name}", json={"data": data})
    if answer.status_code != 200:
        return f"http {answer.status_code}", answer.text
    event_id = answer.json()["event_id"]
    kind, payload = "", None
    with http.stream("GET", f"gradio_api/call/{api_name}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: ") and kind in ("complete", "error"):
                return kind, json.loads(line.removeprefix("data: "))
    return kind, payload


def upload(http: httpx.Client, image: Image.Image) -> dict[str, Any]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    answer = http.post("gradio_api/upload", files={"files": ("photo.png", buffer.getvalue(), "image/png")})
    [path] = answer.raise_for_status().json()
    return as_file(path)


def made_by(http: httpx.Client, prompt: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    kind, outputs = call(http, "text_image", task("text_image", text=prompt))
    assert kind == "complete", outputs
    images, run = outputs
    return images, run


def as_file(path: str | Path) -> dict[str, Any]:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def fetch(http: httpx.Client, file: dict[str, Any]) -> int:
    return http.get(f"gradio_api/file={file['path']}").status_code


def test_a_result_is_fetched_only_by_the_person_who_made_it(alice, bob) -> None:
    images, _ = made_by(alice, "a private sketch")
    assert fetch(alice, images[0]) == 200
    assert fetch(bob, images[0]) == 404
    with httpx.Client(base_url=str(alice.base_url), trust_env=False) as stranger:
        assert fetch(stranger, images[0]) == 404


def test_an_upload_is_fetched_and_used_only_by_its_uploader(alice, bob) -> None:
    photo = upload(alice, Image.new("RGB", (96, 64), (10, 120, 200)))
    assert fetch(alice, photo) == 200 and fetch(bob, photo) == 404
    kind, _ = call(bob, "upscale", task("upscale", image=photo, upscaler="fast"))
    assert kind == "http 404"  # naming someone else's file as an input
    kind, outputs = call(alice, "upscale", task("upscale", image=photo, upscaler="fast"))
    assert kind == "complete" and outputs[1]["size"] == [384, 256]


def test_someone_elses_result_cannot_be_an_input(alice, bob) -> None:
    images, _ = made_by(alice, "a secret plan")
    kind, _ = call(
        bob,
        "upscale",
        task("upscale", image=as_file(images[0]["path"]), upscaler="fast"),
    )
    assert kind == "http 404"


def test_no_server_path_is_read_as_an_input(server, alice) -> None:
    _, folder = server
    made_by(alice, "a stored run")
    stored = next((folder / "history").rglob("*.png"))
    kind, _ = call(
        alice,
        "upscale",
        task("upscale", image=as_file(stored), upscaler="fast"),
    )
    assert kind == "http 404"
    kind, message = call(alice, "upscale", task("upscale", image=str(stored), upscaler="fast"))
    assert kind == "error" and "uploaded file" in json.dumps(message)


def test_history_files_are_never_served_directly(server, alice) -> None:
    _, folder = server
    made_by(alice, "kept safe")
    stored = next((folder / "history").rglob("*.png"))
    assert alice.get(f"gradio_api/file={stored}").status_code in (403, 404)


def test_history_endpoints_see_only_the_callers_runs(alice, bob) -> None:
    _, run = made_by(alice, "alice's lighthouse")
    kind, listed = call(bob, "history_list", ["", "", 0, 200])
    assert kind == "complete" and run["run_id"] not in json.dumps(listed)
    kind, _ = call(bob, "history_delete", [run["run_id"]])
    assert kind == "error"
    kind, packed = call(bob, "history_zip", [[run["run_id"]]])
    if kind == "complete" and packed[0]:
        with zipfile.ZipFile(io.BytesIO(bob.get(f"gradio_api/file={packed[0]['path']}").content)) as archive:
            assert not archive.namelist()
    kind, listed = call(alice, "history_list", ["", "", 0, 200])
    assert run["run_id"] in json.dumps(listed)  # still there: bob's delete did nothing


def test_the_page_config_names_no_server_folder(server, alice) -> None:
    _, folder = server
    config = alice.get("config").text
    assert str(folder) not in config and "/history" not in config


@pytest.mark.parametrize("route", ["gradio_api/queue/join", "gradio_api/cancel", "gradio_api/mcp/"])
def test_nothing_acts_on_the_queue_before_signing_in(server, route) -> None:
    with httpx.Client(base_url=server[0], trust_env=False) as stranger:
        answer = stranger.post(route, json={})
    assert answer.status_code == 401 and "Sign in first" in answer.text


def test_guessing_a_password_slows_down(server) -> None:
    with httpx.Client(base_url=server[0], trust_env=False) as guesser:
        answers = [guesser.post("login", data={"username": "carol", "password": f"guess{n}"}) for n in range(7)]
    assert answers[0].status_code in (400, 401)
    assert answers[-1].status_code == 429 and "Try again in" in answers[-1].text
