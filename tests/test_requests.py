"""The request panel: shortened bodies, runnable boto3 snippets, prices, prompt advice."""

from __future__ import annotations

import ast

from titan import TitanClient
from titan.models import MODELS, NOVA_CANVAS, TITAN_V2, Task
from titan.prompting import PROMPT_TIPS, prompt_warnings
from titan.requests import boto3_snippet, display_body, estimate_cost


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
    assert "b64('image_1.png')" in snippet and "invoke_model(modelId='amazon.titan-image-generator-v2:0'" in snippet
    assert "iVBOR" not in snippet  # no inline base64


def test_snippet_has_no_credentials(client: TitanClient) -> None:
    snippet = boto3_snippet("m", client.text_image("a cat").body, "us-west-2")
    assert "aws_access_key_id" not in snippet and "secret" not in snippet.lower()


def test_prices_from_the_table() -> None:
    assert (
        estimate_cost(TITAN_V2, Task.TEXT_IMAGE, number_of_images=1, quality="standard", width=512, height=512) == 0.008
    )
    assert estimate_cost(TITAN_V2, Task.TEXT_IMAGE, number_of_images=3, quality="premium") == 0.036
    assert estimate_cost(NOVA_CANVAS, Task.TEXT_IMAGE, quality="premium", width=2048, height=1024) == 0.08
    assert estimate_cost(TITAN_V2, Task.BACKGROUND_REMOVAL, number_of_images=5) == 0.01


def test_every_model_has_prices_and_lifecycle() -> None:
    for spec in MODELS.values():
        assert spec.price_tiers and spec.lifecycle.status in ("active", "legacy", "retired")


def test_prompt_advice() -> None:
    assert len(PROMPT_TIPS) >= 5
    assert prompt_warnings("a beach with no people", "no clouds")[0].startswith('The prompt says "no"')
    assert len(prompt_warnings("a beach with no people", "without clouds")) == 2
    assert prompt_warnings("a quiet beach", "people, clouds") == []
    assert "English" in prompt_warnings("海辺の静かな夕暮れの風景")[0]


def test_body_cost_prices_by_the_serving_service(client: TitanClient, photo, square_mask) -> None:
    from titan.models import get_model
    from titan.requests import body_cost

    inpaint = client.inpaint(photo, mask_image=square_mask, text="an apple", number_of_images=2).body
    assert body_cost(TITAN_V2, Task.INPAINTING, inpaint) == 0.016  # 512×512 input: the small tier, twice
    core = get_model("stability.stable-image-core-v1:1")
    conditioned = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a", "conditionImage": "x"}}
    assert body_cost(core, Task.TEXT_IMAGE, {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a"}}) == 0.04
    assert body_cost(core, Task.TEXT_IMAGE, conditioned) == 0.07  # served by control-sketch
