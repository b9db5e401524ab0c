"""History: saved before shown, exact requests in PNG metadata, replay, S3 on a real server."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from PIL import Image

from titan import TitanClient
from titan.history import History, HistoryError, LocalBlobStore, S3BlobStore, read_png_metadata, safe_user


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(LocalBlobStore(tmp_path / "history"), index_dir=tmp_path / "index")


@pytest.fixture(scope="module")
def offline() -> TitanClient:
    return TitanClient(engine="offline")


def small_inpaint(client: TitanClient):
    image = Image.new("RGB", (384, 576), (30, 120, 200))
    mask = Image.new("L", image.size, 255)
    mask.paste(0, (100, 100, 250, 300))
    return client.inpaint(image, mask_image=mask, text="a yellow flower", seed=7, width=384, height=576)


def test_png_metadata_round_trip(history: History, offline: TitanClient) -> None:
    result = offline.text_image("a red lighthouse", number_of_images=2, width=512, height=512, seed=11)
    run = history.save(result, region="us-east-1")
    for index in range(len(run.outputs)):
        path = history.output_path(run, index)
        meta = read_png_metadata(path)
        assert meta["run_id"] == run.run_id and meta["task"] == "TEXT_IMAGE" and meta["engine"] == "offline"
        assert meta["request"] == result.body  # no images in a text-to-image body
        assert meta["seed"] == result.image_seeds[index] and meta["batch_index"] == index
        stored = Image.open(path)
        assert stored.tobytes() == result.images[index].tobytes()  # pixels untouched


def test_each_image_in_a_batch_has_its_own_seed(history: History, offline: TitanClient) -> None:
    run = history.save(offline.text_image("a cat", number_of_images=3, width=512, height=512, seed=5))
    assert [output.seed for output in run.outputs] == [5, 6, 7]


def test_inputs_are_stored_and_restored_exactly(history: History, offline: TitanClient) -> None:
    result = small_inpaint(offline)
    run = history.save(result)
    assert run.request["inPaintingParams"]["image"] == "@inputs/image.png"
    assert run.request["inPaintingParams"]["maskImage"] == "@inputs/maskImage.png"
    assert history.restore_body(run) == result.body
    assert Image.open(history.input_path(run, "maskImage.png")).size == (384, 576)


def test_replay_on_offline_engine_gives_identical_bytes(history: History, offline: TitanClient) -> None:
    first = small_inpaint(offline)
    run = history.save(first)
    again = offline.invoke_body(history.restore_body(history.get(None, run.run_id)))
    assert again.raw_images == first.raw_images


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
client = TitanClient(engine="offline")
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
    assert s3_history.restore_body(listed[0]) == result.body
    assert read_png_metadata(s3_history.output_path(listed[0], 0))["run_id"] == run.run_id
    assert s3_history.runs("bob") == []
    s3_history.delete("alice", run.run_id)
    assert s3_history.runs("alice") == []


def test_s3_keys_live_under_the_prefix(s3_history: History, offline: TitanClient) -> None:
    s3_history.save(offline.text_image("prefix check", width=512, height=512))
    store = s3_history.store
    keys = [item["Key"] for item in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert keys and all(key.startswith("team/playground/users/local/runs/") for key in keys)
