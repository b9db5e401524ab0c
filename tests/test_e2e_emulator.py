"""End to end: TitanClient → real boto3 → HTTP → the emulator (offline engine), every task and fault."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
from titan.emulator import Emulator, start_emulator, wait_until_healthy

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    server = start_emulator(quiet=True)
    yield server
    server.stop()


@pytest.fixture
def bedrock(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> TitanClient:
    """A Bedrock client pointed at the emulator only through the standard AWS variable."""
    emulator.clear_faults()
    emulator.clear_requests()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return TitanClient(engine="bedrock", region="us-east-1", max_attempts=1)


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


def test_throttling_is_retried_by_boto3(emulator: Emulator, bedrock: TitanClient) -> None:
    patient = TitanClient(engine="bedrock", region="us-east-1", max_attempts=3)
    emulator.set_faults({"kind": "throttle", "times": 2})
    assert patient.text_image("a cat", width=512, height=512).images


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
    impatient = TitanClient(engine="bedrock", region="us-east-1", max_attempts=1, read_timeout=0.5)
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
            "print(TitanClient(engine='bedrock').text_image('a cat', width=512, height=512).images[0].size)"
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
    return TitanClient(
        engine="bedrock", model_id="stability.stable-image-core-v1:1", region="us-west-2", max_attempts=1
    )


def test_stability_serves_every_task_it_can(stability: TitanClient, emulator: Emulator, picture, mask) -> None:
    from titan import pad_for_outpaint

    canvas, keep = pad_for_outpaint(picture, left=64, right=64)
    runs = {
        "text_image": lambda: stability.text_image("a lighthouse", number_of_images=2, seed=7, width=1024, height=1024),
        "conditioned": lambda: stability.text_image("a city", condition_image=picture, control_mode="SEGMENTATION"),
        "inpaint": lambda: stability.inpaint(picture, mask_image=mask, text="a red rose"),
        "remove_object": lambda: stability.inpaint(picture, mask_image=mask),
        "outpaint": lambda: stability.outpaint(canvas, text="a wide beach", mask_image=keep),
        "variation": lambda: stability.variation(picture, text="autumn", similarity_strength=0.8),
        "remove_background": lambda: stability.remove_background(picture),
    }
    for name, run in runs.items():
        emulator.clear_requests()
        result = run()
        assert result.images, name
        assert all("stability." in call.model_id for call in result.calls), name
        # exactly what was sent (several images go out in parallel, so in any order)
        assert sorted(map(json.dumps, (call.body for call in result.calls))) == sorted(
            map(json.dumps, emulator.requests)
        )
    assert [image.size for image in runs["outpaint"]().images] == [(640, 512)]


def test_stability_masks_are_inverted_for_the_service(stability: TitanClient, emulator: Emulator, picture, mask):
    emulator.clear_requests()
    result = stability.inpaint(picture, mask_image=mask, text="a red rose")
    import base64
    import io

    sent = Image.open(io.BytesIO(base64.b64decode(result.calls[0].body["mask"]))).convert("L")
    assert sent.getpixel((255, 255)) == 255 and sent.getpixel((5, 5)) == 0  # Stability: white = change


def test_stability_refuses_color_guided_before_any_call(stability: TitanClient, emulator: Emulator) -> None:
    emulator.clear_requests()
    with pytest.raises(TitanValidationError, match="task"):
        stability.color_guided("a vase", ["#FF0000"])
    assert emulator.requests == []
