"""History: saved before shown, exact requests in PNG metadata, replay, every task's request
restored (runs stored before requests were typed too), S3 on a real server."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

from titan import (
    TASKS,
    BackgroundRemovalRequest,
    ColorGuidedRequest,
    FunctionEngine,
    GenerationResult,
    InpaintRequest,
    OutpaintRequest,
    Request,
    SearchRecolorRequest,
    StyleGuideRequest,
    StyleTransferRequest,
    TextImageRequest,
    TitanClient,
    UpscaleRequest,
    VariationRequest,
)
from titan.families import family_named
from titan.history import (
    METADATA_KEY,
    History,
    HistoryError,
    LocalBlobStore,
    S3BlobStore,
    metadata_request,
    new_run_id,
    read_png_metadata,
    safe_user,
)
from titan.images import encode_png_b64
from titan.metadata import png_with_chunks
from titan.models import STABLE_IMAGE_CORE, TITAN_V2


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(LocalBlobStore(tmp_path / "history"), index_dir=tmp_path / "index")


@pytest.fixture(scope="module")
def offline() -> TitanClient:
    """Titan v2 on the offline engine (Titan takes exact sizes such as 512×512; Stability a ratio)."""
    return TitanClient(engine="offline", model_id=TITAN_V2.model_id)


def stability_answer(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """One small PNG per call, in Stability's answer shape; the body must read back as Stability's."""
    family_named("stability").decode(model_id, body)
    image = encode_png_b64(Image.new("RGB", (64, 64), (200, 120, 40)))
    return {"images": [image], "seeds": [body.get("seed", 0)], "finish_reasons": [None]}


@pytest.fixture(scope="module")
def stability() -> TitanClient:
    """Stable Image Core on an engine answering like Stability's services (the offline engine lacks its
    Stability-only tasks)."""
    return TitanClient(engine=FunctionEngine(stability_answer), model_id=STABLE_IMAGE_CORE.model_id)


def picture(width: int = 96, height: int = 96, colour: tuple[int, int, int] = (30, 120, 200)) -> Image.Image:
    image = Image.new("RGB", (width, height), colour)
    image.paste((220, 200, 40), (width // 4, height // 4, width // 2, height // 2))
    return image


def titan_mask(width: int = 96, height: int = 96) -> Image.Image:
    """Black (change) over a box, white elsewhere."""
    mask = Image.new("L", (width, height), 255)
    mask.paste(0, (width // 4, height // 4, width * 3 // 4, height // 2))
    return mask


def same_request(first: Any, second: Any) -> bool:
    """Requests equal field by field, images compared by their pixels (encoders may differ byte for byte)."""

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(item) for item in value]
        if hasattr(value, "b64"):
            return value.size, value.open().convert("RGB").tobytes()
        return value

    return type(first) is type(second) and all(
        plain(getattr(first, name)) == plain(getattr(second, name)) for name in first.options()
    )


def png(image: Image.Image) -> bytes:
    return base64.b64decode(encode_png_b64(image))


def small_inpaint(client: TitanClient) -> GenerationResult:
    image = Image.new("RGB", (384, 576), (30, 120, 200))
    mask = Image.new("L", image.size, 255)
    mask.paste(0, (100, 100, 250, 300))
    return client.inpaint(image, mask_image=mask, text="a yellow flower", seed=7)


def test_png_metadata_round_trip(history: History, offline: TitanClient) -> None:
    result = offline.text_image("a red lighthouse", number_of_images=2, width=512, height=512, seed=11)
    run = history.save(result, region="us-east-1")
    record = {"task": "TEXT_IMAGE", "text": "a red lighthouse", "number_of_images": 2, "seed": 11}
    assert run.request == {**record, "width": 512, "height": 512}
    for index in range(len(run.outputs)):
        path = history.output_path(run, index)
        meta = read_png_metadata(path)
        assert meta["run_id"] == run.run_id and meta["task"] == "TEXT_IMAGE" and meta["engine"] == "offline"
        assert meta["request"] == run.request
        assert metadata_request(meta)[1] == result.request  # "Restore from PNG": no images in this request
        assert meta["seed"] == result.image_seeds[index] and meta["batch_index"] == index
        stored = Image.open(path)
        assert stored.tobytes() == result.images[index].tobytes()  # pixels untouched


def test_each_image_in_a_batch_has_its_own_seed(history: History, offline: TitanClient) -> None:
    run = history.save(offline.text_image("a cat", number_of_images=3, width=512, height=512, seed=5))
    assert [output.seed for output in run.outputs] == [5, 6, 7]


def test_inputs_are_stored_and_restored_exactly(history: History, offline: TitanClient) -> None:
    result = small_inpaint(offline)
    run = history.save(result)
    assert run.request["image"] == "@inputs/image.png"
    assert run.request["mask_image"] == "@inputs/mask_image.png"
    assert [call["modelId"] for call in run.calls] == [TITAN_V2.model_id]
    restored = history.restore_request(run)
    assert restored.image == result.request.image.data  # the stored bytes are the ones sent
    assert restored.validate(TITAN_V2) == result.request
    assert offline.calls(restored) == result.calls
    assert Image.open(history.input_path(run, "mask_image.png")).size == (384, 576)


def test_replay_on_offline_engine_gives_identical_bytes(history: History, offline: TitanClient) -> None:
    first = small_inpaint(offline)
    run = history.save(first)
    again = offline.run(history.restore_request(history.get(None, run.run_id)))
    assert again.raw_images == first.raw_images


# --- every task's request restores ----------------------------------------------------------

TITAN_SAMPLES: dict[str, Callable[[], Request]] = {
    "TEXT_IMAGE": lambda: TextImageRequest(
        text="a lighthouse at dusk",
        negative_text="fog",
        condition_image=picture(),
        control_mode="SEGMENTATION",
        control_strength=0.6,
        width=512,
        height=512,
        number_of_images=2,
        seed=11,
        quality="premium",
        cfg_scale=7.5,
    ),
    "INPAINTING": lambda: InpaintRequest(
        picture(), mask_image=titan_mask(), text="a red door", negative_text="glass", return_mask=True, seed=3
    ),
    "OUTPAINTING": lambda: OutpaintRequest(
        picture(), text="a wide meadow", left=32, right=16, bottom=8, mode="PRECISE", negative_text="fence", seed=4
    ),
    "IMAGE_VARIATION": lambda: VariationRequest(
        [picture(), picture(colour=(200, 60, 40))],
        text="a calmer sea",
        similarity_strength=0.6,
        width=512,
        height=512,
        number_of_images=2,
        seed=5,
    ),
    "COLOR_GUIDED_GENERATION": lambda: ColorGuidedRequest(
        "a poster", ["#1b3a4b", "#ff8c42"], reference_image=picture(), width=512, height=512, seed=6
    ),
    "BACKGROUND_REMOVAL": lambda: BackgroundRemovalRequest(picture()),
}

STABILITY_SAMPLES: dict[str, Callable[[], Request]] = {
    "SEARCH_RECOLOR": lambda: SearchRecolorRequest(
        picture(),
        select_prompt="the square",
        text="a deep emerald green square",
        negative_text="blur",
        grow_mask=4,
        style="photographic",
        number_of_images=2,
        seed=21,
    ),
    "STYLE_GUIDE": lambda: StyleGuideRequest(
        "a fox in the snow", picture(), negative_text="text", fidelity=0.7, style="anime", width=1344, height=768
    ),
    "STYLE_TRANSFER": lambda: StyleTransferRequest(
        picture(),
        picture(colour=(90, 20, 120)),
        text="oil painting",
        style_strength=0.8,
        composition_fidelity=0.95,
        change_strength=0.5,
        seed=23,
    ),
    "UPSCALE": lambda: UpscaleRequest(
        picture(), upscaler="creative", text="crisp detail", creativity=0.35, style="enhance", seed=24
    ),
}


def test_every_task_has_a_restore_sample() -> None:
    assert set(TITAN_SAMPLES) | set(STABILITY_SAMPLES) == set(TASKS)


@pytest.mark.parametrize("task", [*TITAN_SAMPLES, *STABILITY_SAMPLES])
def test_a_stored_run_restores_to_an_equal_request(
    task: str, history: History, offline: TitanClient, stability: TitanClient
) -> None:
    client, sample = (offline, TITAN_SAMPLES[task]) if task in TITAN_SAMPLES else (stability, STABILITY_SAMPLES[task])
    result = client.run(sample())
    run = history.save(result)
    restored = history.restore_request(history.get(None, run.run_id))
    assert type(restored) is type(result.request) and restored.task == run.task == task
    assert restored.validate(client.spec) == result.request
    assert client.calls(restored) == result.calls  # restoring and running again sends the same bodies


def store_old_run(history: History, body: dict[str, Any], inputs: dict[str, bytes], *, task: str) -> str:
    """A run as History wrote it before requests were typed: run.json's request is the Titan body
    with each image replaced by "@inputs/<key>.png" (stored beside it); no calls."""
    run_id = new_run_id()
    prefix = f"users/local/runs/{run_id}"
    for name, data in inputs.items():
        history.store.put(f"{prefix}/inputs/{name}", data)
    run = {
        "run_id": run_id,
        "user": "local",
        "created": "2026-11-20T10:00:00+00:00",
        "task": task,
        "model_id": TITAN_V2.model_id,
        "engine": "offline",
        "region": None,
        "request": body,
        "outputs": [{"file": "output_0.png", "seed": 7, "batch_index": 0}],
        "cost_usd": 0.0,
        "note": None,
        "extra": {},
    }
    history.store.put(f"{prefix}/output_0.png", png(picture()))
    history.store.put(f"{prefix}/run.json", json.dumps(run).encode())
    return run_id


OLD_RUNS = {
    "inpaint with the size the old client sent": (
        {
            "taskType": "INPAINTING",
            "inPaintingParams": {
                "image": "@inputs/image.png",
                "text": "a yellow flower",
                "maskImage": "@inputs/maskImage.png",
            },
            "imageGenerationConfig": {"width": 96, "height": 96, "seed": 7},
        },
        {"image.png": png(picture()), "maskImage.png": png(titan_mask())},
        InpaintRequest(picture(), mask_image=titan_mask(), text="a yellow flower", seed=7),
    ),
    "variation of two images": (
        {
            "taskType": "IMAGE_VARIATION",
            "imageVariationParams": {
                "images": ["@inputs/images_0.png", "@inputs/images_1.png"],
                "text": "a yellow flower",
                "similarityStrength": 0.5,
            },
            "imageGenerationConfig": {"width": 512, "height": 512, "seed": 7},
        },
        {"images_0.png": png(picture()), "images_1.png": png(picture(colour=(9, 9, 9)))},
        VariationRequest(
            [picture(), picture(colour=(9, 9, 9))],
            text="a yellow flower",
            similarity_strength=0.5,
            width=512,
            height=512,
            seed=7,
        ),
    ),
}


@pytest.mark.parametrize("case", OLD_RUNS)
def test_a_run_stored_before_requests_were_typed_still_restores(
    case: str, history: History, offline: TitanClient
) -> None:
    body, inputs, expected = OLD_RUNS[case]
    run_id = store_old_run(history, body, inputs, task=expected.task)
    (run,) = history.runs(None)  # the index finds it in the store
    assert run.run_id == run_id and run.prompt == "a yellow flower" and run.label == expected.label
    restored = history.restore_request(run)
    assert same_request(restored.validate(TITAN_V2), expected.validate(TITAN_V2))
    assert offline.run(restored).raw_images == offline.run(expected).raw_images


def test_a_png_saved_before_requests_were_typed_still_restores_its_settings() -> None:
    body = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a red lighthouse", "negativeText": "fog"},
        "imageGenerationConfig": {"numberOfImages": 2, "width": 512, "height": 512, "seed": 11, "cfgScale": 6.5},
    }
    summary = {"run_id": new_run_id(), "task": "TEXT_IMAGE", "model_id": TITAN_V2.model_id, "request": body}
    meta = read_png_metadata(png_with_chunks(png(picture()), itxt={METADATA_KEY: json.dumps(summary)}))
    run, request = metadata_request(meta)
    assert run.prompt == "a red lighthouse"
    assert request == TextImageRequest(
        "a red lighthouse", negative_text="fog", number_of_images=2, width=512, height=512, seed=11, cfg_scale=6.5
    )


def test_listing_filters_and_search(history: History, offline: TitanClient) -> None:
    history.save(offline.text_image("a blue whale", width=512, height=512))
    history.save(offline.color_guided("a teapot", ["#AA3300"], width=512, height=512))
    history.save(offline.text_image("a green frog", width=512, height=512))
    assert [run.prompt for run in history.runs(None)] == ["a green frog", "a teapot", "a blue whale"]
    assert [run.prompt for run in history.runs(None, task="TEXT_IMAGE")] == ["a green frog", "a blue whale"]
    assert [run.prompt for run in history.runs(None, query="WHALE")] == ["a blue whale"]


def test_each_user_sees_only_their_own(history: History, offline: TitanClient) -> None:
    result = offline.text_image("secret plans", width=512, height=512)
    run = history.save(result, user="alice")
    assert [r.run_id for r in history.runs("alice")] == [run.run_id]
    assert history.runs("bob") == []
    with pytest.raises(HistoryError):
        history.get("bob", run.run_id)


def test_user_names_cannot_escape_the_store(history: History) -> None:
    assert safe_user("../../etc") == ".._.._etc"
    assert safe_user("") == safe_user(None) == "local"
    with pytest.raises(HistoryError):
        history.get(None, "../../../etc/passwd")


def test_delete_and_zip(history: History, offline: TitanClient) -> None:
    keep = history.save(offline.text_image("keep me", number_of_images=2, width=512, height=512))
    gone = history.save(offline.text_image("delete me", width=512, height=512))
    history.delete(None, gone.run_id)
    assert [run.run_id for run in history.runs(None)] == [keep.run_id]
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(history.zip(None, [keep.run_id]))).namelist()
    assert sorted(names) == sorted(f"{keep.run_id}/{n}" for n in ("run.json", "output_0.png", "output_1.png"))


def test_cost_is_recorded(history: History, offline: TitanClient) -> None:
    assert history.save(offline.text_image("free", width=512, height=512)).cost_usd == 0.0


def in_threads(work: Callable[[str], None], users: list[str]) -> list[BaseException]:
    """Runs `work(user)` in one thread per entry of `users`, all at once; what they raised."""
    errors: list[BaseException] = []

    def guarded(user: str) -> None:
        try:
            work(user)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_saves_from_many_sessions(history: History, offline: TitanClient) -> None:
    result = offline.text_image("busy day", width=512, height=512)

    def save(user: str) -> None:
        for _ in range(5):
            history.save(result, user=user)

    assert in_threads(save, [f"user{i % 3}" for i in range(8)]) == []
    assert sum(len(history.runs(f"user{i}")) for i in range(3)) == 40


def test_foreign_pngs_have_no_metadata(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(path)
    assert read_png_metadata(path) is None
    assert read_png_metadata(b"not an image") is None


KILLED_WRITER = """
import os, sys, time
from titan import TitanClient
from titan.history import History, LocalBlobStore
history = History(LocalBlobStore(sys.argv[1]), index_dir=sys.argv[2])
client = TitanClient(engine="offline", model_id="amazon.titan-image-generator-v2:0")
history.save(client.text_image("saved before the crash", width=512, height=512))
print("shown", flush=True)
time.sleep(60)  # the app is killed while the next generation runs
"""


def test_a_killed_process_keeps_every_image_it_had_shown(tmp_path: Path) -> None:
    root, index = tmp_path / "history", tmp_path / "index"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(root), str(index)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "shown"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    runs = History(LocalBlobStore(root), index_dir=index).runs(None)
    assert [run.prompt for run in runs] == ["saved before the crash"]
    assert Image.open(History(LocalBlobStore(root), index_dir=index).output_path(runs[0], 0)).size == (512, 512)


# --- S3, against a real S3-compatible server -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_url():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:  # pragma: no cover
        proc.kill()
        pytest.fail("moto_server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3_history(s3_url: str, tmp_path: Path) -> History:
    client = boto3.client(
        "s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    bucket = f"history-{os.getpid()}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=bucket)
    store = S3BlobStore(f"s3://{bucket}/team/playground", client=client, cache_dir=tmp_path / "cache")
    return History(store, index_dir=tmp_path / "index")


def test_s3_store_round_trip(s3_history: History, offline: TitanClient) -> None:
    result = small_inpaint(offline)
    run = s3_history.save(result, user="alice")
    listed = s3_history.runs("alice")
    assert [r.run_id for r in listed] == [run.run_id]
    assert s3_history.restore_request(listed[0]).validate(TITAN_V2) == result.request
    assert read_png_metadata(s3_history.output_path(listed[0], 0))["run_id"] == run.run_id
    assert s3_history.runs("bob") == []
    s3_history.delete("alice", run.run_id)
    assert s3_history.runs("alice") == []


def test_s3_keys_live_under_the_prefix(s3_history: History, offline: TitanClient) -> None:
    s3_history.save(offline.text_image("prefix check", width=512, height=512))
    store = s3_history.store
    keys = [item["Key"] for item in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert keys and all(key.startswith("team/playground/users/local/runs/") for key in keys)
