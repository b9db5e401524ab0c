"""The launched app over its public HTTP API: one endpoint per task with the task's own parameter
names, History's three, every Titan task on the offline engine and on Bedrock's engine talking
to the emulator, and the plain messages for what is refused (gradio_client and raw HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.ui_fixtures import TITAN, api_client, emulator_client, input_files, launched_app, make_client
from titan import TextImageRequest, TitanValidationError, request_types

NOVA, V1 = "amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v1"
HISTORY_API = {
    "/history_list": ["task", "query", "offset", "limit"],
    "/history_delete": ["run_id"],
    "/history_zip": ["run_ids"],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Any]:
    """The app on the offline engine."""
    with launched_app(tmp_path_factory.mktemp("offline")) as served:
        yield served


@pytest.fixture(scope="module")
def client(app) -> Iterator[Client]:
    with api_client(app) as api:
        yield api


@pytest.fixture(scope="module", params=["offline", "emulator"])
def engine_app(request, app, tmp_path_factory) -> Iterator[Any]:
    """The same app on the offline engine, and on Bedrock's engine talking to the emulator."""
    if request.param == "offline":
        yield app
        return
    with emulator_client() as engine, launched_app(tmp_path_factory.mktemp("emulator"), client=engine) as served:
        yield served


@pytest.fixture(scope="module")
def engine_client(engine_app) -> Iterator[Client]:
    with api_client(engine_app) as api:
        yield api


@pytest.fixture(autouse=True)
def emulator_keys(monkeypatch) -> None:
    """The emulator takes any keys; the real ones are never read (see conftest)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return input_files(tmp_path_factory.mktemp("inputs"))


def sizes(images: list[str]) -> list[tuple[int, int]]:
    found = []
    for path in images:
        with Image.open(path) as image:
            assert image.format == "PNG"
            found.append(image.size)
    return found


# --- the API's shape ----------------------------------------------------------------------


def test_each_task_has_an_endpoint_with_its_declared_parameters_and_history_has_three(client):
    info = client.view_api(print_info=False, return_format="dict")
    endpoints = {name: [p["parameter_name"] for p in e["parameters"]] for name, e in info["named_endpoints"].items()}
    tasks = {f"/{kind.api_name}": [*kind.options(), "model"] for kind in request_types()}
    assert endpoints == tasks | HISTORY_API
    assert info["unnamed_endpoints"] == {}  # the page's own events are not part of the API
    text_image = info["named_endpoints"]["/text_image"]
    assert [item["parameter_default"] for item in text_image["parameters"]][-1] == TITAN  # the page's model


def test_a_wrong_field_name_is_refused_naming_it(app, client):
    with pytest.raises(TypeError, match="`prompt`"):
        client.predict(prompt="a cat", api_name="/text_image")
    with httpx.Client(base_url=app.url, trust_env=False, timeout=60) as http:
        answer = http.post("gradio_api/call/v2/text_image", json={"prompt": "a cat"})
    assert answer.status_code != 200  # refused before it runs (Gradio's answer does not name the field: a gap)
    with pytest.raises(
        TitanValidationError, match=r"prompt: not a setting of text to image.*allowed: text, negative_text"
    ):
        make_client().text_image(prompt="a cat")  # the Python API says it with the names it knows


def raw_call(url: str, api_name: str, data: list[Any]) -> tuple[str, Any]:
    """POST /gradio_api/call/<api_name> with a JSON body written by hand (NaN included), then the
    first "complete" or "error" event of its answer stream."""
    with httpx.Client(base_url=url, trust_env=False, timeout=120) as http:
        body = json.dumps({"data": data})  # json writes NaN as the bare word NaN, as a careless client would
        posted = http.post(f"gradio_api/call/{api_name}", content=body, headers={"content-type": "application/json"})
        event_id = posted.raise_for_status().json()["event_id"]
        event = None
        with http.stream("GET", f"gradio_api/call/{api_name}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return event, json.loads(line[5:])
    raise AssertionError("the answer stream ended without a result")


def test_nan_in_a_number_over_raw_http_is_a_plain_error(app):
    names = [*TextImageRequest.options(), "model"]
    data: list[Any] = [None] * len(names)
    data[names.index("text")] = "a cat"
    data[names.index("cfg_scale")] = float("nan")
    data[names.index("model")] = TITAN
    event, answer = raw_call(app.url, "text_image", data)
    assert event == "error"
    assert answer["error"] == "cfg_scale: got nan; allowed: a number from 1.1 to 10."


# --- every task ---------------------------------------------------------------------------


def test_text_image(engine_app, engine_client):
    images, run = engine_client.predict(
        text="A red bucket on a beach", number_of_images=2, width=576, height=384, seed=99, api_name="/text_image"
    )
    assert sizes(images) == [(576, 384)] * 2 and run["size"] == [576, 384]
    assert run["seeds"] == [99, 100] and run["task"] == "TEXT_IMAGE" and run["model"] == TITAN
    assert run["price"] == {"per_image_usd": 0.008, "service": "Titan Image Generator v2"}
    stored = engine_app.history.get(None, run["run_id"])  # kept in History before it was answered
    assert run["cost_usd"] == stored.cost_usd == (0.016 if stored.engine == "bedrock" else 0.0)
    [call] = run["calls"]  # one invoke_model call: the model id and the body sent
    assert call["modelId"] == TITAN
    assert call["body"]["imageGenerationConfig"]["seed"] == 99 and call["body"]["textToImageParams"]["text"]


def test_text_image_on_nova_with_a_style(engine_client):
    images, run = engine_client.predict(
        model=NOVA, text="A teal mug", style="FLAT_VECTOR_ILLUSTRATION", width=576, height=320, api_name="/text_image"
    )
    assert sizes(images) == [(576, 320)]
    assert run["calls"][0]["body"]["textToImageParams"]["style"] == "FLAT_VECTOR_ILLUSTRATION"


def test_inpaint_with_a_mask(engine_client, files):
    images, run = engine_client.predict(
        image=handle_file(files["photo"]),
        mask_image=handle_file(files["mask"]),
        text="A lemon",
        number_of_images=2,
        api_name="/inpaint",
    )
    assert sizes(images) == [(512, 384)] * 2
    assert "maskImage" in run["calls"][0]["body"]["inPaintingParams"]


def test_outpaint(engine_client, files):
    images, _ = engine_client.predict(
        image=handle_file(files["photo"]), left=128, right=128, bottom=64, text="A meadow", api_name="/outpaint"
    )
    assert sizes(images) == [(768, 448)]


def test_variation(engine_client, files):
    images, run = engine_client.predict(
        images=[handle_file(files["photo"]), handle_file(files["square"])],
        number_of_images=2,
        width=512,
        height=512,
        similarity_strength=0.4,
        api_name="/variation",
    )
    assert sizes(images) == [(512, 512)] * 2
    params = run["calls"][0]["body"]["imageVariationParams"]
    assert len(params["images"]) == 2 and params["similarityStrength"] == 0.4


def test_color_guided(engine_client, files):
    images, run = engine_client.predict(
        colors=["#ff8800", "00AA88", "#234"],
        text="An abstract poster",
        reference_image=handle_file(files["square"]),
        width=768,
        height=768,
        api_name="/color_guided",
    )
    assert sizes(images) == [(768, 768)]
    assert run["calls"][0]["body"]["colorGuidedGenerationParams"]["colors"] == ["#FF8800", "#00AA88", "#223344"]


def test_remove_background(engine_client, files):
    images, run = engine_client.predict(image=handle_file(files["square"]), api_name="/remove_background")
    assert sizes(images) == [(512, 512)] and run["seeds"] == [None]
    with Image.open(images[0]) as image:
        assert image.mode == "RGBA"
    assert "imageGenerationConfig" not in run["calls"][0]["body"]


# --- what is refused, in plain words ------------------------------------------------------


@pytest.mark.parametrize("prompt", ["", "   ", "x" * 600])
def test_bad_prompt_returns_the_validation_message(client, prompt):
    with pytest.raises(TitanValidationError) as expected:
        make_client().plan(TextImageRequest(text=prompt or None))  # the API reads "" as "not set"
    with pytest.raises(AppError) as caught:
        client.predict(text=prompt, api_name="/text_image")
    assert str(caught.value) == str(expected.value)
    assert str(caught.value).startswith("text: ") and "Traceback" not in str(caught.value)


def test_unsupported_task_says_pick_another_model(client):
    with pytest.raises(AppError, match=r"not supported by this model.*pick another model"):
        client.predict(model=V1, colors=["#FF0000"], text="A poster", api_name="/color_guided")


def test_missing_image_is_a_plain_message(client):
    with pytest.raises(AppError, match=r"^image: required"):
        client.predict(image=None, left=64, text="A meadow", api_name="/outpaint")
