"""End to end: TitanClient → real boto3 → HTTP → the emulator (offline engine), every task and fault."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from titan import (
    TitanAccessDeniedError,
    TitanClient,
    TitanContentFilteredError,
    TitanModelUnavailableError,
    TitanServiceError,
    TitanThrottledError,
    TitanTimeoutError,
    TitanValidationError,
)
from titan.emulator import Emulator, PlaceholderEngine, start_emulator, wait_until_healthy

pytestmark = pytest.mark.timeout(120)

TITAN = "amazon.titan-image-generator-v2:0"
CORE = "stability.stable-image-core-v1:1"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    server = start_emulator(quiet=True)
    yield server
    server.stop()


@pytest.fixture
def aws(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Bedrock clients reach the emulator only through the standard AWS variable; no faults, no requests yet."""
    emulator.clear_faults()
    emulator.clear_requests()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return emulator


@pytest.fixture
def bedrock(aws: Emulator) -> TitanClient:
    """Titan v2 on the Bedrock engine, one attempt per call."""
    return TitanClient(engine="bedrock", model_id=TITAN, region="us-east-1", max_attempts=1)


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    image = Image.new("RGB", (512, 512), (60, 120, 200))
    image.paste((230, 200, 40), (180, 180, 330, 330))
    return image


@pytest.fixture(scope="module")
def mask() -> Image.Image:
    mask = Image.new("L", (512, 512), 255)
    mask.paste(0, (170, 170, 340, 340))
    return mask


def test_text_image(bedrock: TitanClient, emulator: Emulator) -> None:
    result = bedrock.text_image("a lighthouse at dusk", number_of_images=2, width=768, height=1152, seed=3)
    assert [image.size for image in result.images] == [(768, 1152)] * 2
    assert result.engine == "bedrock"
    assert emulator.requests == [result.body]  # exactly the body that was sent


def test_conditioned_text_image(bedrock: TitanClient, picture: Image.Image) -> None:
    result = bedrock.text_image("a city", condition_image=picture, control_mode="CANNY_EDGE", width=512, height=512)
    assert result.images[0].size == (512, 512)


def test_inpaint_replace_and_remove(bedrock: TitanClient, picture, mask) -> None:
    assert bedrock.inpaint(picture, mask_image=mask, text="a red rose").images[0].size == (512, 512)
    removed = bedrock.inpaint(picture, mask_image=mask).images[0]
    assert removed.getpixel((5, 5))[:3] == picture.getpixel((5, 5))  # outside the mask untouched


def test_outpaint(bedrock: TitanClient, picture) -> None:
    from titan import pad_for_outpaint

    canvas, keep = pad_for_outpaint(picture, left=128, right=128)
    result = bedrock.outpaint(canvas, text="a wide beach", mask_image=keep, mode="PRECISE")
    assert result.images[0].size == (768, 512)


def test_variation_and_color_guided(bedrock: TitanClient, picture) -> None:
    assert len(bedrock.variation([picture, picture], similarity_strength=0.8, number_of_images=3).images) == 3
    result = bedrock.color_guided("a vase of flowers", ["#FF5500", "#0055FF"], width=512, height=512)
    assert result.images[0].size == (512, 512)


def test_background_removal(bedrock: TitanClient, picture) -> None:
    assert bedrock.remove_background(picture).images[0].mode == "RGBA"


def test_server_side_validation_is_translated(bedrock: TitanClient, emulator: Emulator) -> None:
    """A body our own check would refuse, sent anyway, comes back as a TitanValidationError."""
    with pytest.raises(TitanValidationError, match="cfg_scale"):
        bedrock.engine.invoke(bedrock.model_id, {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a"},
                                                  "imageGenerationConfig": {"cfgScale": 11}})  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("throttle", TitanThrottledError, "Wait a minute"),
        ("server_error", TitanServiceError, "on its side"),
        ("unavailable", TitanServiceError, "on its side"),
        ("access_denied", TitanAccessDeniedError, "Model access"),
        ("model_retired", TitanModelUnavailableError, "retired"),
        ("legacy_locked", TitanModelUnavailableError, "legacy"),
        ("model_timeout", TitanTimeoutError, "too long"),
        ("content_filter_input", TitanContentFilteredError, "not billed"),
        ("malformed", TitanServiceError, "not JSON"),
    ],
)
def test_faults_become_plain_messages(bedrock: TitanClient, emulator: Emulator, fault, error, words) -> None:
    emulator.set_faults({"kind": fault, "times": 1})
    with pytest.raises(error, match=words):
        bedrock.text_image("a cat", width=512, height=512)


def test_throttling_is_retried_by_the_engine_itself(emulator: Emulator, aws: Emulator) -> None:
    """botocore's own retries are off (one attempt); the engine retries throttling within its deadline."""
    patient = TitanClient(engine="bedrock", model_id=TITAN, region="us-east-1", max_attempts=3)
    emulator.set_faults({"kind": "throttle", "times": 2})
    result = patient.text_image("a cat", width=512, height=512)
    assert result.images and emulator.requests == [result.body] * 3


@pytest.mark.parametrize(
    ("fault", "error", "words", "model_id"),
    [
        ("slow", TitanTimeoutError, "did not answer within 2 s (tries included)", CORE),
        ("throttle", TitanThrottledError, "Wait a minute", TITAN),
        ("throttle", TitanThrottledError, "Wait a minute", CORE),
    ],
)
def test_the_request_timeout_bounds_a_request_retries_included(aws: Emulator, fault, error, words, model_id) -> None:
    """A Bedrock that hangs or keeps throttling ends in a plain error once `request_timeout` is spent,
    however many attempts were allowed (Stability: each of the parallel calls keeps the deadline)."""
    request_timeout = 2.0
    client = TitanClient(
        engine="bedrock", model_id=model_id, region="us-west-2", request_timeout=request_timeout, max_attempts=50
    )
    aws.set_faults({"kind": fault, "times": None, "seconds": 60})  # every attempt; `seconds` applies to slow
    started = time.monotonic()
    with pytest.raises(error) as info:
        client.text_image("a cat", number_of_images=2, width=512 if model_id == TITAN else 1024, height=512)
    elapsed = time.monotonic() - started
    assert elapsed < request_timeout + 5  # generous: the deadline is the bound, not botocore's 300 s read timeout
    assert words in str(info.value)
    if fault == "throttle":
        assert len(aws.requests) > (1 if model_id == TITAN else 2)  # retried, by the engine itself


def test_partial_results_keep_what_was_returned(bedrock: TitanClient, emulator: Emulator) -> None:
    emulator.set_faults({"kind": "content_filter_output", "count": 1})
    result = bedrock.text_image("a cat", number_of_images=3, width=512, height=512)
    assert len(result.images) == 1 and result.partial
    assert "2 of 3 images were withheld" in result.error


def test_output_fully_filtered(bedrock: TitanClient, emulator: Emulator) -> None:
    emulator.set_faults({"kind": "content_filter_output", "count": 0})
    with pytest.raises(TitanContentFilteredError) as info:
        bedrock.text_image("a cat", width=512, height=512)
    assert info.value.stage == "output"


def test_slow_answers_time_out(emulator: Emulator, bedrock: TitanClient) -> None:
    impatient = TitanClient(engine="bedrock", model_id=TITAN, region="us-east-1", max_attempts=1, read_timeout=0.5)
    emulator.set_faults({"kind": "slow", "seconds": 2})
    with pytest.raises(TitanTimeoutError):
        impatient.text_image("a cat", width=512, height=512)


def test_cli_emulator_serves_boto3(tmp_path) -> None:
    """`python -m titan.emulator --port N` as a separate process, reached by env var only."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "titan.emulator", "--port", str(port)], stderr=subprocess.PIPE)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", timeout=20)
        env = {**os.environ, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": f"http://127.0.0.1:{port}",
               "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-west-2"}  # fmt: skip
        code = (
            "from titan import TitanClient\n"
            f"client = TitanClient(engine='bedrock', model_id={TITAN!r})\n"
            "print(client.text_image('a cat', width=512, height=512).images[0].size)"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "(512, 512)", out.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- Stability AI family: same task methods, native bodies over real boto3 ------------------


@pytest.fixture
def stability(emulator: Emulator, bedrock: TitanClient) -> TitanClient:
    """An account with only Stability access, in us-west-2 where every Stability task runs."""
    return TitanClient(engine="bedrock", model_id=CORE, region="us-west-2", max_attempts=1)


def test_stability_serves_every_task_it_can(stability: TitanClient, emulator: Emulator, picture, mask) -> None:
    from titan import pad_for_outpaint

    canvas, keep = pad_for_outpaint(picture, left=64, right=64)
    runs = {
        "text_image": lambda: stability.text_image("a lighthouse", number_of_images=2, seed=7, width=1024, height=1024),
        "conditioned": lambda: stability.text_image("a city", condition_image=picture, control_mode="SEGMENTATION"),
        "inpaint": lambda: stability.inpaint(picture, mask_image=mask, text="a red rose"),
        "remove_object": lambda: stability.inpaint(picture, mask_image=mask),
        "outpaint": lambda: stability.outpaint(canvas, text="a wide beach", mask_image=keep),
        "outpaint_paddings": lambda: stability.outpaint(picture, text="a wide beach", left=64, right=64),
        "variation": lambda: stability.variation(picture, text="autumn", similarity_strength=0.8),
        "remove_background": lambda: stability.remove_background(picture),
    }
    sizes = {}
    for name, run in runs.items():
        emulator.clear_requests()
        result = run()
        assert result.images, name
        sizes[name] = result.images[0].size
        assert all("stability." in call.model_id for call in result.calls), name
        # exactly what was sent (several images go out in parallel, so in any order)
        assert sorted(map(json.dumps, (call.body for call in result.calls))) == sorted(
            map(json.dumps, emulator.requests)
        )
    assert sizes["outpaint"] == sizes["outpaint_paddings"] == (640, 512)


def test_stability_masks_are_inverted_for_the_service(stability: TitanClient, emulator: Emulator, picture, mask):
    emulator.clear_requests()
    result = stability.inpaint(picture, mask_image=mask, text="a red rose")
    import base64
    import io

    sent = Image.open(io.BytesIO(base64.b64decode(result.calls[0].body["mask"]))).convert("L")
    assert sent.getpixel((255, 255)) == 255 and sent.getpixel((5, 5)) == 0  # Stability: white = change


@pytest.fixture(scope="module")
def placeholder_emulator() -> Iterator[Emulator]:
    """Placeholder answers: every Stability service, whatever the offline engine can do."""
    server = start_emulator(engine=PlaceholderEngine(), quiet=True)
    yield server
    server.stop()


def test_the_new_stability_services_end_to_end(placeholder_emulator: Emulator, aws: Emulator, picture) -> None:
    """Search and recolor, style guide, style transfer, the upscalers and colour guided (on Style
    Guide) through boto3: the emulator receives exactly the bodies sent and answers each."""
    client = TitanClient(
        engine="bedrock", model_id=CORE, region="us-east-1", endpoint_url=placeholder_emulator.url, max_attempts=1
    )
    style = Image.new("RGB", (256, 256), (200, 160, 40))
    runs = {
        "search_recolor": lambda: client.search_recolor(picture, "the square", "emerald green", number_of_images=2),
        "style_guide": lambda: client.style_guide("a fox", style, width=1344, height=768, seed=3),
        "style_transfer": lambda: client.style_transfer(picture, style, style_strength=0.5),
        "fast": lambda: client.upscale(picture),
        "conservative": lambda: client.upscale(picture, "conservative", "crisp detail"),
        "creative": lambda: client.upscale(picture, "creative", "crisp detail", creativity=0.2),
        "color_guided": lambda: client.color_guided("a vase", ["#FF5500", "#0055FF"], number_of_images=2),
    }
    for name, run in runs.items():
        placeholder_emulator.clear_requests()
        result = run()
        assert len(result.images) == result.requested and not result.partial, name
        assert sorted(map(json.dumps, (call.body for call in result.calls))) == sorted(
            map(json.dumps, placeholder_emulator.requests)
        ), name
    assert aws.requests == []  # the other emulator saw nothing
