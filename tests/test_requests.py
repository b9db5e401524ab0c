"""The request panel: shortened bodies, runnable boto3 snippets, prices, prompt advice."""

from __future__ import annotations

import ast
import dataclasses

import pytest

from titan import FunctionEngine, TitanClient
from titan.models import MODELS, NOVA_CANVAS, STABLE_IMAGE_CORE, TITAN_V2
from titan.prompting import PROMPT_TIPS, prompt_warnings
from titan.requests import boto3_snippet, calls_snippet, display_body, shown_calls

from .plans import price


def test_display_body_shortens_every_image(client: TitanClient, photo, square_mask) -> None:
    body = client.inpaint(photo, mask_image=square_mask, text="an apple").body
    shown = display_body(body)
    params = shown["inPaintingParams"]
    assert params["image"].endswith("base64 chars)") and len(params["image"]) < 60
    assert params["maskImage"].endswith("base64 chars)")
    assert params["text"] == "an apple"
    assert len(body["inPaintingParams"]["image"]) > 1000  # the original is untouched


def test_display_body_shortens_variation_lists(client: TitanClient, photo) -> None:
    shown = display_body(client.variation([photo, photo]).body)
    assert all(item.endswith("base64 chars)") for item in shown["imageVariationParams"]["images"])


def test_snippet_is_valid_python_reading_image_files(client: TitanClient, photo) -> None:
    body = client.variation([photo, photo], text="autumn", seed=3).body
    snippet = boto3_snippet("amazon.titan-image-generator-v2:0", body, "us-east-1")
    ast.parse(snippet)
    assert "b64('images_1.png')" in snippet and "invoke_model(modelId='amazon.titan-image-generator-v2:0'" in snippet
    assert "iVBOR" not in snippet  # no inline base64


def test_snippet_has_no_credentials(client: TitanClient) -> None:
    snippet = boto3_snippet("m", client.text_image("a cat").body, "us-west-2")
    assert "aws_access_key_id" not in snippet and "secret" not in snippet.lower()


def test_prices_from_the_table(photo) -> None:
    titan = TITAN_V2.model_id
    assert price(titan, "text_image", "a cat", quality="standard", width=512, height=512).total == 0.008
    assert price(titan, "text_image", "a cat", number_of_images=3, quality="premium").total == 0.036
    assert price(NOVA_CANVAS.model_id, "text_image", "a cat", quality="premium", width=2048, height=1024).total == 0.08
    assert price(titan, "remove_background", photo).total == 0.008  # one image, priced at its 512² size


def test_every_model_has_prices_and_lifecycle() -> None:
    for spec in MODELS.values():
        assert spec.price_tiers and spec.lifecycle.status in ("active", "legacy", "retired")


def test_prompt_advice() -> None:
    assert len(PROMPT_TIPS) >= 5
    assert prompt_warnings("a beach with no people", "no clouds")[0].startswith('The prompt says "no"')
    assert len(prompt_warnings("a beach with no people", "without clouds")) == 2
    assert prompt_warnings("a quiet beach", "people, clouds") == []
    assert "English" in prompt_warnings("海辺の静かな夕暮れの風景")[0]


def test_prices_follow_the_serving_service(photo, square_mask) -> None:
    titan, core = TITAN_V2.model_id, STABLE_IMAGE_CORE.model_id
    assert price(titan, "inpaint", photo, mask_image=square_mask, text="an apple", number_of_images=2).total == 0.016
    assert price(core, "text_image", "a", number_of_images=2).total == 0.08
    assert price(core, "text_image", "a", condition_image=photo).total == 0.07  # served by Control Sketch
    assert price(core, "inpaint", photo, mask_image=square_mask, text="an apple", number_of_images=3).total == 0.21


@pytest.fixture
def core() -> TitanClient:
    return TitanClient(engine=FunctionEngine(lambda model, body: {}), model_id=STABLE_IMAGE_CORE.model_id)


def test_shown_calls_shorten_images_and_name_the_region_when_it_is_set(core: TitanClient, photo) -> None:
    calls = core.calls(core.request("remove_background", photo))
    [shown] = shown_calls(calls)
    assert shown["modelId"] == "us.stability.stable-image-remove-background-v1:0" and "region" not in shown
    assert shown["body"]["image"].endswith("base64 chars)")
    moved = [dataclasses.replace(calls[0], region="us-east-2")]
    assert shown_calls(moved)[0]["region"] == "us-east-2"


def test_snippet_of_several_calls_says_how_they_differ(core: TitanClient) -> None:
    calls = core.calls(core.request("text_image", "a fox", number_of_images=3, seed=7))
    snippet = calls_snippet(calls, None)
    ast.parse(snippet)
    assert snippet.startswith("# This run made 3 invoke_model calls to stability.stable-image-core-v1:1")
    assert '# They differ only in body["seed"]: 7, 8, 9.' in snippet
    assert "region_name='us-west-2'" in snippet  # without a Bedrock region: where the model runs
