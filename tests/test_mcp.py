"""The MCP server (`--mcp`): tools listed and called with the `mcp` client library, as an assistant would.

One app on the offline engine with two logins serves every test in this module.
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from titan import request_types
from titan.fields import TEXT

mcp = pytest.importorskip("mcp", reason='the MCP server needs pip install "gradio[mcp]"')
from mcp import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from tests.served import app_from_flags, login_flags  # noqa: E402
from ui.settings import AppSettings  # noqa: E402

LOGINS = {"alice": "wonderland", "bob": "builder"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("mcp")
    with app_from_flags(folder, "--mcp", *login_flags(LOGINS)) as url:
        yield url, folder / "history"


def cookie_of(url: str, user: str) -> dict[str, str]:
    answer = httpx.post(url + "login", data={"username": user, "password": LOGINS[user]})
    answer.raise_for_status()
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in answer.cookies.items())}


def session(url: str, headers: dict[str, str], work: Any) -> Any:
    """Run `work(session)` in one MCP session over streamable HTTP."""

    async def go() -> Any:
        async with (
            httpx.AsyncClient(headers=headers, timeout=120) as http,
            streamable_http_client(url + "gradio_api/mcp/", http_client=http) as (read, write, _),
            ClientSession(read, write) as opened,
        ):
            await opened.initialize()
            return await work(opened)

    with ThreadPoolExecutor(1) as thread:  # its own event loop: a session's browser may hold this thread's
        return thread.submit(asyncio.run, go()).result()


def png_data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_every_task_is_one_tool_with_its_arguments_explained(served) -> None:
    url, _ = served
    tools = {tool.name: tool for tool in session(url, cookie_of(url, "alice"), _list_tools)}
    tasks = {request_type.api_name for request_type in request_types()}
    assert tasks <= set(tools)
    assert set(tools) - tasks == {"history_list", "history_delete", "history_zip"}  # no page events, no duplicates
    text_image = tools["text_image"]
    properties = text_image.inputSchema["properties"]
    assert {"text", "negative_text", "seed", "number_of_images", "model"} <= set(properties)
    assert "request" not in properties
    assert properties["text"]["description"].startswith(f"{TEXT.label}. {TEXT.help}")
    assert "base64" in text_image.description and "URL" in text_image.description
    mask = tools["inpaint"].inputSchema["properties"]["mask_image"]
    assert "Black = the area to change" in mask["description"] and mask["type"] == "string"  # a URL or data: URI


def test_text_to_image_answers_with_the_image_itself(served) -> None:
    url, history = served

    async def work(opened: ClientSession) -> Any:
        return await opened.call_tool("text_image", {"text": "a red fox in the snow", "seed": 5})

    result = session(url, cookie_of(url, "alice"), work)
    assert not result.isError
    image = next(item for item in result.content if item.type == "image")
    assert image.mimeType == "image/png"
    assert Image.open(io.BytesIO(base64.b64decode(image.data))).size == (1024, 1024)
    words = " ".join(item.text for item in result.content if item.type == "text")
    assert "Made 1 image (1024×1024 px)" in words and "Seeds: 5." in words and "Run id:" in words
    run_id = words.split("Run id: ")[1].split(".")[0]
    assert (history / "users" / "alice").is_dir() and any((history / "users" / "alice").rglob(f"*{run_id}*"))


def test_an_image_argument_may_be_a_base64_data_uri(served) -> None:
    url, _ = served
    picture = Image.new("RGB", (96, 64), (200, 40, 40))

    async def work(opened: ClientSession) -> Any:
        return await opened.call_tool("upscale", {"image": png_data_uri(picture), "upscaler": "fast"})

    result = session(url, cookie_of(url, "alice"), work)
    image = next(item for item in result.content if item.type == "image")
    assert Image.open(io.BytesIO(base64.b64decode(image.data))).size == (384, 256)


def test_each_signed_in_person_sees_only_their_own_runs(served) -> None:
    url, _ = served

    async def make_and_list(opened: ClientSession) -> Any:
        made = await opened.call_tool("text_image", {"text": "a lighthouse at dusk", "seed": 9})
        listed = await opened.call_tool("history_list", {})
        return made, listed

    made, _ = session(url, cookie_of(url, "bob"), make_and_list)
    words = " ".join(item.text for item in made.content if item.type == "text")
    bobs_run = words.split("Run id: ")[1].split(".")[0]
    _, alices_list = session(url, cookie_of(url, "alice"), make_and_list)
    assert bobs_run not in " ".join(item.text for item in alices_list.content if item.type == "text")


def test_without_signing_in_no_tool_answers(served) -> None:
    url, _ = served
    answer = httpx.post(
        url + "gradio_api/mcp/",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert answer.status_code == 401 and "Sign in first" in answer.text


async def _list_tools(opened: ClientSession) -> Any:
    return (await opened.list_tools()).tools


def test_the_flag_and_its_variable_switch_the_server_on() -> None:
    assert AppSettings.from_args(["--mcp"]).mcp
    assert AppSettings.from_args([], env={"TITAN_MCP": "1"}).mcp
    assert not AppSettings.from_args([], env={}).mcp
