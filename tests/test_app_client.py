"""The launched app over its HTTP API (gradio_client): every task endpoint, sizes, counts, errors."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.ui_fixtures import emulator_client, input_files, launched_app, placeholder_handler
from titan import FunctionEngine, Task, TitanClient, TitanValidationError
from titan.models import NOVA_CANVAS, TITAN_V1

API_NAMES = ["text_image", "inpaint", "outpaint", "variation", "color_guided", "remove_background"]
HISTORY_API = ["history_list", "history_load", "history_restore", "history_delete", "history_zip"]


@pytest.fixture(scope="module", params=["offline", "emulator"])
def client(request, tmp_path_factory):
    """The app over HTTP, on the offline engine and on Bedrock's engine talking to the emulator."""
    with ExitStack() as stack:
        engine = stack.enter_context(emulator_client()) if request.param == "emulator" else None
        url = stack.enter_context(launched_app(tmp_path_factory.mktemp(request.param), client=engine))
        api = Client(url, verbose=False)
        stack.callback(api.close)
        yield api


@pytest.fixture(autouse=True)
def fake_aws_keys(monkeypatch):
    """The emulator takes any keys; the real ones are never read (see conftest)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return input_files(tmp_path_factory.mktemp("inputs"))


def sizes(gallery: list[dict]) -> list[tuple[int, int]]:
    result = []
    for item in gallery:
        with Image.open(item["image"]) as image:
            assert image.format == "PNG"
            result.append(image.size)
    return result


def test_only_the_six_tasks_and_history_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert sorted(name.lstrip("/") for name in endpoints) == sorted(API_NAMES + HISTORY_API)


def test_text_image(client):
    gallery, status, request, snippet, seed = client.predict(
        prompt="A red bucket on a beach",
        number_of_images=3,
        size="1152x768",
        seed=99,
        lock_seed=True,
        api_name="/text_image",
    )
    assert sizes(gallery) == [(1152, 768)] * 3
    assert [item["caption"] for item in gallery] == ["seed 99 · 1/3", "seed 100 · 2/3", "seed 101 · 3/3"]
    assert seed == 99 and "3 images" in status and "$0.030" in status  # 3 × $0.010, shown on both engines
    [call] = request  # one invoke_model call: the model id and the body sent
    assert call["modelId"] == "amazon.titan-image-generator-v2:0"
    assert call["body"]["imageGenerationConfig"]["seed"] == 99 and "invoke_model" in snippet


def test_text_image_on_nova_with_a_style(client):
    gallery, *_ = client.predict(
        model=NOVA_CANVAS.model_id,
        prompt="A teal mug",
        style="FLAT_VECTOR_ILLUSTRATION",
        size="1280x720",
        api_name="/text_image",
    )
    assert sizes(gallery) == [(1280, 720)]


def test_inpaint_with_a_painted_layer(client, files):
    editor = {
        "background": handle_file(files["photo"]),
        "layers": [handle_file(files["layer"])],
        "composite": handle_file(files["photo"]),
        "id": None,
    }
    gallery, _, request, _, _ = client.predict(editor=editor, prompt="A lemon", number_of_images=2, api_name="/inpaint")
    assert sizes(gallery) == [(512, 384)] * 2
    assert "maskImage" in request[0]["body"]["inPaintingParams"]


def test_outpaint(client, files):
    gallery, *_ = client.predict(
        image=handle_file(files["photo"]),
        left=128,
        right=128,
        top=0,
        bottom=64,
        prompt="A meadow",
        api_name="/outpaint",
    )
    assert sizes(gallery) == [(768, 448)]


def test_variation(client, files):
    images = [
        {"image": handle_file(files["photo"]), "caption": None},
        {"image": handle_file(files["square"]), "caption": None},
    ]
    gallery, _, request, _, _ = client.predict(
        images=images, number_of_images=2, size="512x512", similarity=0.4, api_name="/variation"
    )
    assert sizes(gallery) == [(512, 512)] * 2
    assert len(request[0]["body"]["imageVariationParams"]["images"]) == 2


def test_color_guided(client, files):
    gallery, _, request, _, _ = client.predict(
        colors="#FF8800, #00AA88, #223344",
        prompt="An abstract poster",
        reference_image=handle_file(files["square"]),
        size="768x768",
        api_name="/color_guided",
    )
    assert sizes(gallery) == [(768, 768)]
    assert request[0]["body"]["colorGuidedGenerationParams"]["colors"] == ["#FF8800", "#00AA88", "#223344"]


def test_remove_background(client, files):
    gallery, _, request, _, _ = client.predict(image=handle_file(files["square"]), api_name="/remove_background")
    assert sizes(gallery) == [(512, 512)]
    with Image.open(gallery[0]["image"]) as image:
        assert image.mode == "RGBA"
    assert "imageGenerationConfig" not in request[0]["body"]


@pytest.mark.parametrize("prompt", ["", "   ", "x" * 600])
def test_bad_prompt_returns_the_validation_message(client, prompt):
    with pytest.raises(TitanValidationError) as expected:
        TitanClient(engine=FunctionEngine(placeholder_handler)).build_body(Task.TEXT_IMAGE, prompt)
    with pytest.raises(AppError) as caught:
        client.predict(prompt=prompt, api_name="/text_image")
    assert str(caught.value) == str(expected.value)
    assert "text" in str(caught.value) and "Traceback" not in str(caught.value)


def test_unsupported_task_says_pick_another_model(client):
    with pytest.raises(AppError, match="not supported by this model"):
        client.predict(model=TITAN_V1.model_id, colors="#FF0000", prompt="A poster", api_name="/color_guided")


def test_missing_image_is_a_plain_message(client):
    with pytest.raises(AppError, match="Upload an image to extend first"):
        client.predict(image=None, left=64, prompt="A meadow", api_name="/outpaint")
