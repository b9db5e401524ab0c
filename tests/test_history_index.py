"""The History index: search, task filter, pages, thumbnails, and healing from the store (local and S3)."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from PIL import Image

import titan.history_index as history_index
from tests.waiting import wait_until
from titan import TitanClient
from titan.history import History, LocalBlobStore, RunPage, S3BlobStore, new_run_id
from titan.models import TITAN_V2

from .test_history import free_port, in_threads, s3_url  # noqa: F401  (free_port: s3_url's helper)

PROMPTS = [
    "a red lighthouse on a cliff",
    "A blue whale under the sea",
    "lighthouse keeper drinking tea",
    "a whale of a time at the fair",
    "Café crème on a table",
]


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "index")


def save_prompts(history: History, client: TitanClient, prompts: list[str], *, user: str | None = None) -> list[str]:
    """Saves one small run per prompt, oldest first; returns their run ids."""
    return [history.save(client.text_image(text, width=512, height=512), user=user).run_id for text in prompts]


def prompts_of(page: RunPage) -> list[str]:
    return [run.prompt for run in page.runs]


# --- search, filter, pages ---------------------------------------------------------------------


def check_search(history: History) -> None:
    assert prompts_of(history.page(None, query="lighthouse")) == [PROMPTS[2], PROMPTS[0]]
    assert prompts_of(history.page(None, query="WHALE blue")) == [PROMPTS[1]]  # any order, any case
    assert prompts_of(history.page(None, query="cliff red  ")) == [PROMPTS[0]]
    assert prompts_of(history.page(None, query="light")) == [PROMPTS[2], PROMPTS[0]]  # word starts
    assert prompts_of(history.page(None, query="crème")) == [PROMPTS[4]]
    assert prompts_of(history.page(None, query="whale tea")) == []
    missing = history.page(None, query="submarine")
    assert missing.runs == [] and missing.total == 0 and not missing.more
    assert prompts_of(history.page(None, query="!!")) == list(reversed(PROMPTS))  # no words: no filter


def test_search_finds_runs_by_their_prompt_words(history: History, client: TitanClient) -> None:
    save_prompts(history, client, PROMPTS)
    check_search(history)


def test_search_without_fts5_gives_the_same_answers(
    tmp_path: Path, client: TitanClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_index, "fts5_available", lambda: False)
    history = History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "index")
    save_prompts(history, client, PROMPTS)
    check_search(history)


def test_task_filter_alone_and_with_a_query(history: History, client: TitanClient) -> None:
    save_prompts(history, client, PROMPTS[:2])
    history.save(client.color_guided("a lighthouse in teal", ["#00AAAA"], width=512, height=512))
    assert prompts_of(history.page(None, task="COLOR_GUIDED_GENERATION")) == ["a lighthouse in teal"]
    assert prompts_of(history.page(None, task="TEXT_IMAGE", query="lighthouse")) == [PROMPTS[0]]
    assert prompts_of(history.page(None, task="TEXT_IMAGE")) == [PROMPTS[1], PROMPTS[0]]
    assert history.page(None, task="INPAINTING").total == 0


def test_pages_add_up_to_the_whole_history_newest_first(history: History, client: TitanClient) -> None:
    saved = save_prompts(history, client, [f"picture number {i}" for i in range(11)])
    seen, offset = [], 0
    while True:
        page = history.page(None, offset=offset, limit=4)
        assert page.total == 11 and page.offset == offset and len(page.runs) <= 4
        seen += [run.run_id for run in page.runs]
        offset += len(page.runs)
        if not page.more:
            break
    assert seen == list(reversed(saved))  # every run once, newest first
    assert history.page(None, offset=11).runs == []
    matching = history.page(None, query="picture", offset=8, limit=4)
    assert [run.run_id for run in matching.runs] == list(reversed(saved))[8:] and not matching.more


def test_a_page_reads_no_run_json(tmp_path: Path, client: TitanClient) -> None:
    reads: list[str] = []

    class CountingStore(LocalBlobStore):
        def get(self, key: str) -> bytes:
            reads.append(key)
            return super().get(key)

    history = History(CountingStore(tmp_path / "store"), index_dir=tmp_path / "index")
    save_prompts(history, client, PROMPTS)
    page = history.page(None, limit=3)
    assert reads == [] and page.total == 5
    assert [run.outputs[0].seed for run in page.runs] == [
        history.get(None, run.run_id).outputs[0].seed for run in page.runs
    ]
    reads.clear()
    assert len(history.runs(None, limit=2)) == 2
    assert reads == [key for key in reads if key.endswith("run.json")] and len(reads) == 2


# --- thumbnails -----------------------------------------------------------------------------


def test_thumbnails_are_small_and_downloads_stay_full(history: History) -> None:
    offline = TitanClient(engine="offline", model_id=TITAN_V2.model_id)  # Titan takes 512×512 (Stability a ratio)
    run = history.save(offline.text_image("a red lighthouse", number_of_images=2, width=512, height=512, seed=3))
    summary = history.page(None).runs[0]
    for index in range(2):
        thumb, full = history.thumbnail_path(summary, index), history.output_path(summary, index)
        assert thumb.parent == full.parent and thumb.name == f"thumb_{index}.webp"
        with Image.open(thumb) as small:
            assert max(small.size) <= 256 and small.format == "WEBP"
        assert thumb.stat().st_size * 50 < full.stat().st_size
        assert Image.open(full).size == (512, 512)
    names = zipfile.ZipFile(io.BytesIO(history.zip(None, [run.run_id]))).namelist()
    assert not [name for name in names if "thumb" in name]
    assert [(r.run_id, i, p.name) for r, i, p in history.thumbnails([summary])] == [
        (run.run_id, 0, "thumb_0.webp"),
        (run.run_id, 1, "thumb_1.webp"),
    ]


def test_a_run_saved_without_thumbnails_gets_them_when_shown(history: History, client: TitanClient) -> None:
    run = history.save(client.text_image("older run", width=512, height=512))
    history.thumbnail_path(run, 0).unlink()
    made = history.thumbnail_path(history.page(None).runs[0], 0)
    assert made.is_file() and Image.open(made).size == (256, 256)


def test_thumbnails_keep_transparency() -> None:
    image = Image.new("RGBA", (600, 300), (255, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    small = Image.open(io.BytesIO(history_index.make_thumbnail(buffer.getvalue())))
    assert small.size == (256, 128) and small.mode == "RGBA" and small.getpixel((5, 5))[3] == 0


# --- healing ----------------------------------------------------------------------------------


def test_runs_added_behind_its_back_are_found(tmp_path: Path, history: History, client: TitanClient) -> None:
    first = save_prompts(history, client, ["first run"])[0]
    assert history.page(None).total == 1
    other = History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "other-index")  # another process
    added = save_prompts(other, client, ["written by another process"])[0]
    copied = new_run_id()  # restored from a backup, by hand
    runs = tmp_path / "store" / "users" / "local" / "runs"
    shutil.copytree(runs / first, runs / copied)
    data = json.loads((runs / copied / "run.json").read_text())
    (runs / copied / "run.json").write_text(json.dumps(data | {"run_id": copied}))
    assert [run.run_id for run in history.page(None).runs] == [copied, added, first]
    assert prompts_of(history.page(None, query="another")) == ["written by another process"]


def test_runs_deleted_behind_its_back_are_forgotten(tmp_path: Path, history: History, client: TitanClient) -> None:
    ids = save_prompts(history, client, ["keep", "folder removed", "files removed", "deleted by another"])
    runs = tmp_path / "store" / "users" / "local" / "runs"
    assert history.page(None).total == 4
    shutil.rmtree(runs / ids[1])
    for path in (runs / ids[2]).iterdir():  # the folder stays, empty
        path.unlink()
    History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "other-index").delete(None, ids[3])
    page = history.page(None)
    assert [run.run_id for run in page.runs] == [ids[0]] and page.total == 1
    assert history.page(None, query="removed").total == 0
    assert not (runs / ids[3]).exists()  # delete leaves no empty folder behind


def test_refresh_finds_a_run_json_removed_from_a_kept_folder(
    tmp_path: Path, history: History, client: TitanClient
) -> None:
    ids = save_prompts(history, client, ["stays", "loses its run.json"])
    history.page(None)
    (tmp_path / "store" / "users" / "local" / "runs" / ids[1] / "run.json").unlink()
    history.refresh(None)
    assert history.page(None, query="run").total == 0 and history.page(None).total == 1


@pytest.mark.parametrize("damage", ["missing", "garbage", "older schema"])
def test_a_lost_or_damaged_index_is_rebuilt_from_the_store(
    tmp_path: Path, history: History, client: TitanClient, damage: str
) -> None:
    ids = save_prompts(history, client, PROMPTS)
    path = history.index.path("local")
    history.index.close()
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
        Path(f"{path}-wal").unlink(missing_ok=True)
    else:  # written by another version of the app
        path.unlink()
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE runs (run_id TEXT, shown INTEGER)")
            conn.execute("PRAGMA user_version = 99")
    reopened = History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "index")
    assert [run.run_id for run in reopened.page(None).runs] == list(reversed(ids))
    assert prompts_of(reopened.page(None, query="whale")) == [PROMPTS[3], PROMPTS[1]]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (5,)


def test_an_unwritable_index_dir_keeps_the_index_in_memory(tmp_path: Path, client: TitanClient) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    history = History(LocalBlobStore(tmp_path / "store"), index_dir=blocked)
    save_prompts(history, client, PROMPTS[:2])
    assert prompts_of(history.page(None)) == [PROMPTS[1], PROMPTS[0]]


def test_a_damaged_run_json_hides_only_that_run(tmp_path: Path, history: History, client: TitanClient) -> None:
    ids = save_prompts(history, client, ["good", "damaged"])
    (tmp_path / "store" / "users" / "local" / "runs" / ids[1] / "run.json").write_text("{not json")
    fresh = History(LocalBlobStore(tmp_path / "store"), index_dir=tmp_path / "fresh-index")
    assert prompts_of(fresh.page(None)) == ["good"]


# --- users and threads ------------------------------------------------------------------------


def test_users_never_see_each_others_runs(history: History, client: TitanClient) -> None:
    save_prompts(history, client, ["alice's secret lighthouse"], user="alice")
    save_prompts(history, client, ["bob's lighthouse", "bob's whale"], user="bob")
    assert prompts_of(history.page("alice", query="lighthouse")) == ["alice's secret lighthouse"]
    assert prompts_of(history.page("bob", query="secret")) == []
    assert history.page("bob").total == 2 and history.page("carol").total == 0
    assert history.index.path("alice") != history.index.path("bob")


def test_saves_and_listings_from_many_threads(history: History, client: TitanClient) -> None:
    result = client.text_image("busy day", width=512, height=512)

    def work(user: str) -> None:
        for _ in range(5):
            history.save(result, user=user)
            history.page(user, query="busy")

    assert in_threads(work, [f"user{i % 2}" for i in range(6)]) == []
    assert [history.page(f"user{i}", query="busy").total for i in range(2)] == [15, 15]


# --- S3, against a real S3-compatible server --------------------------------------------------


@pytest.fixture
def s3_store(s3_url: str, tmp_path: Path) -> Callable[[str], History]:  # noqa: F811
    """Makes Histories on one fresh bucket, each with its own cache and index (like separate replicas)."""
    client = boto3.client(
        "s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    bucket = f"index-{os.getpid()}-{time.monotonic_ns()}"
    client.create_bucket(Bucket=bucket)

    def replica(name: str, **options: float) -> History:
        store = S3BlobStore(f"s3://{bucket}/team", client=client, cache_dir=tmp_path / name / "cache")
        return History(store, index_dir=tmp_path / name / "index", **options)

    return replica


def test_s3_search_pages_and_thumbnails(s3_store: Callable[..., History], client: TitanClient) -> None:
    history = s3_store("one")
    ids = save_prompts(history, client, PROMPTS, user="alice")
    save_prompts(history, client, ["bob's lighthouse"], user="bob")
    check = s3_store("two")  # a fresh replica builds its index from the bucket
    assert [run.run_id for run in check.page("alice").runs] == list(reversed(ids))
    assert prompts_of(check.page("alice", query="lighthouse")) == [PROMPTS[2], PROMPTS[0]]
    assert [len(check.page("alice", offset=offset, limit=2).runs) for offset in (0, 2, 4)] == [2, 2, 1]
    shown = check.thumbnails(check.page("alice", limit=2).runs)
    assert [path.name for _, _, path in shown] == ["thumb_0.webp", "thumb_0.webp"]
    assert all(max(Image.open(path).size) <= 256 for _, _, path in shown)


def test_s3_replicas_heal_after_adds_and_deletes(s3_store: Callable[..., History], client: TitanClient) -> None:
    first, second = s3_store("one"), s3_store("two", relist_every=0)
    kept, removed = save_prompts(first, client, ["kept", "removed by hand"])
    assert second.page(None).total == 2
    added = save_prompts(first, client, ["added by the other replica"])[0]
    store = first.store
    for key in store.keys(f"users/local/runs/{removed}"):
        store.client.delete_object(Bucket=store.bucket, Key=store._key(key))
    wait_until(lambda: [run.run_id for run in second.page(None).runs] == [added, kept], "the background relisting")
    late = save_prompts(second, client, ["saved on the second"])[0]
    assert first.page(None).total == 3  # first lists at most every 30 s ...
    first.refresh(None)  # ... unless asked
    assert [run.run_id for run in first.page(None).runs] == [late, added, kept]
