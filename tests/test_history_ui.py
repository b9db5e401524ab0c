"""History through the launched app: runs made over the public API are listed with their
metadata; the History tab's own events (driven over HTTP as the page drives them) load a run's
settings back into its tab, and Generate then repeats the same request; restoring from a PNG
does the same; delete and ZIP on the page and over the API; per-user isolation with logins;
and a run that survives its client going away."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.ui_fixtures import (
    GatedEngine,
    PageSession,
    api_client,
    input_files,
    launched_app,
    make_client,
    pixels,
    wait_until,
)
from titan import Kind, read_png_metadata

NOVA = "amazon.nova-canvas-v1:0"
ANN, BOB = ("ann", "pw1"), ("bob", "pw2")


@pytest.fixture(scope="module")
def engine() -> GatedEngine:
    """Open: it answers at once, until a test holds it."""
    gated = GatedEngine()
    gated.open()
    return gated


@pytest.fixture(scope="module")
def app(engine, tmp_path_factory) -> Iterator[Any]:
    """The app with two logins, Ann and Bob; the tests act as Ann unless they say otherwise."""
    with launched_app(tmp_path_factory.mktemp("history-ui"), client=make_client(engine=engine), auth=(ANN, BOB)) as app:
        yield app


@pytest.fixture(scope="module")
def api(app):
    with api_client(app, auth=ANN) as client:
        yield client


@pytest.fixture
def page(app) -> Iterator[PageSession]:
    """A fresh page of Ann's: its own session, so no test sees another's selection or values."""
    with PageSession(app, auth=ANN) as session:
        yield session


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return input_files(tmp_path_factory.mktemp("inputs"))


def by_id(app: Any, elem_id: str) -> Any:
    return next(block for block in app.demo.blocks.values() if getattr(block, "elem_id", None) == elem_id)


def by_label(app: Any, label: str) -> Any:
    [block] = [block for block in app.demo.blocks.values() if getattr(block, "label", None) == label]
    return block


def open_run(page: PageSession, app: Any, *, task: str = "", query: str = "") -> dict[Any, Any]:
    """What a person does in History: open it (filtered), click the first image. The listing's outputs."""
    listed = page.call(page.event("list_runs"), {by_label(app, "Task"): task, by_id(app, "history-query"): query})
    page.call(page.event("select"), event_data={"index": 0, "value": None, "selected": True})
    return listed


def generate_on_page(page: PageSession, app: Any, tab: str) -> dict[Any, Any]:
    """The tab's Generate with what the page holds now."""
    return page.call(page.event("generate", output=by_id(app, f"{tab}-results")))


def newest(app: Any, user: str = "ann") -> Any:
    return app.history.runs(user, limit=1)[0]


def same_request(app: Any, again: Any, first: Any) -> None:
    """Two runs asked for the same: the same record, and the same input pixels behind its images."""
    assert again.run_id != first.run_id and again.model_id == first.model_id
    assert again.request == first.request
    remade, made = app.history.restore_request(again), app.history.restore_request(first)
    for name, option in made.options().items():
        if option.kind in (Kind.IMAGE, Kind.MASK, Kind.IMAGES):
            images = [getattr(made, name), getattr(remade, name)]
            digests = [digest(value) for value in images]
            assert digests[0] == digests[1], name


def digest(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [digest(item) for item in value]
    return hashlib.sha256(pixels(value).tobytes()).hexdigest()


# --- listing ------------------------------------------------------------------------------


def test_generate_then_history_lists_it_with_metadata(app, api, page):
    api.predict(text="a lonely lighthouse", number_of_images=2, width=512, height=512, seed=5, api_name="/text_image")
    run = newest(app)
    listed = api.predict(task="TEXT_IMAGE", query="lonely", api_name="/history_list")
    assert [item["run_id"] for item in listed] == [run.run_id]
    assert listed[0]["seeds"] == [5, 6] and listed[0]["settings"]["text"] == "a lonely lighthouse"
    assert api.predict(task="INPAINTING", query="lonely", api_name="/history_list") == []
    meta = read_png_metadata(app.history.output_path(run, 1))
    assert meta["seed"] == 6 and meta["request"]["text"] == "a lonely lighthouse"

    shown = open_run(page, app, query="lonely")
    gallery = shown[by_id(app, "history-gallery")]
    captions = [item["caption"] for item in gallery]
    assert [caption.split(" · ")[:3] for caption in captions] == [
        ["Text to image", "a lonely lighthouse", "Titan Image Generator v2"]
    ] * 2
    assert captions[1].endswith("seed 6")
    assert "1 run · 2 images" in shown.values()
    assert "a lonely lighthouse" in page.value(by_id(app, "history-summary"))


def test_history_list_pages_through_the_runs(app, api):
    for word in ("first", "second", "third"):
        api.predict(text=f"paging {word}", width=512, height=512, api_name="/text_image")
    prompts = [item["prompt"] for item in api.predict(query="paging", limit=2, api_name="/history_list")]
    assert prompts == ["paging third", "paging second"]  # newest first
    rest = api.predict(query="paging", offset=2, limit=2, api_name="/history_list")
    assert [item["prompt"] for item in rest] == ["paging first"]


# --- load settings, generate again ------------------------------------------------------------

GENERATION = {"seed": 4242, "number_of_images": 2, "quality": "premium", "cfg_scale": 6.5}
CASES = {
    "text_image": lambda f: {
        "text": "a red bucket",
        "negative_text": "blur",
        "condition_image": handle_file(f["square"]),
        "control_mode": "SEGMENTATION",
        "control_strength": 0.4,
        "width": 768,
        "height": 768,
    },
    "inpaint": lambda f: {
        "image": handle_file(f["photo"]),
        "mask_image": handle_file(f["mask"]),
        "text": "a lemon",
        "return_mask": False,  # a check box always says yes or no; the page cannot leave it unset
    },
    "outpaint": lambda f: {
        "image": handle_file(f["photo"]),
        "left": 64,
        "top": 32,
        "bottom": 16,
        "mode": "PRECISE",
        "text": "a meadow",
        "return_mask": False,
    },
    "variation": lambda f: {
        "images": [handle_file(f["photo"]), handle_file(f["square"])],
        "similarity_strength": 0.4,
        "width": 512,
        "height": 512,
    },
    "color_guided": lambda f: {
        "colors": ["#FF8800", "#00AA88"],
        "text": "a poster",
        "reference_image": handle_file(f["square"]),
        "width": 512,
        "height": 512,
    },
    "remove_background": lambda f: {"image": handle_file(f["square"])},
}


@pytest.mark.parametrize("tab", list(CASES))
def test_load_settings_fills_the_tab_and_generate_repeats_the_request(app, api, page, files, tab):
    extra = GENERATION if tab != "remove_background" else {}
    api.predict(**CASES[tab](files), **extra, api_name=f"/{tab}")
    first = newest(app)
    open_run(page, app, task=first.task)
    loaded = page.call(page.event("load_run"))
    assert loaded[by_id(app, "task-tabs")] == {"__type__": "update", "selected": tab}
    assert page.value(by_id(app, "model-picker")) == first.model_id
    if "seed" in first.request:
        assert page.value(by_id(app, f"{tab}-seed")) == "4242"
    generate_on_page(page, app, tab)
    same_request(app, newest(app), first)


def test_load_settings_made_on_another_model_outlast_the_pickers_reset(app, api, page, files):
    """Loading a Nova run switches the picker; the picker's change resets the controls to Nova's
    defaults, then puts the loaded values back (the page fires these two after the load)."""
    api.predict(model=NOVA, text="a nova teapot", **GENERATION, width=512, height=512, api_name="/text_image")
    first = newest(app)
    open_run(page, app, query="nova teapot")
    page.call(page.event("load_run"))
    model = by_id(app, "model-picker")
    assert page.value(model) == NOVA
    page.call(page.event("on_model"))
    page.call(page.event("again"))
    generate_on_page(page, app, "text_image")
    same_request(app, newest(app), first)


def test_restore_from_png_loads_like_load_settings(app, api, page, files):
    sent = {"image": handle_file(files["photo"]), "left": 64, "text": "wide sky", "return_mask": False}
    api.predict(**sent, **GENERATION, api_name="/outpaint")
    first = newest(app)
    drop = by_id(app, "restore-png")
    restored = page.call(page.event("restore_png"), {drop: page.upload(app.history.output_path(first, 0))})
    assert restored[by_id(app, "task-tabs")]["selected"] == "outpaint" and restored[drop] is None
    generate_on_page(page, app, "outpaint")
    same_request(app, newest(app), first)

    before = dict(page.values)
    plain = page.call(page.event("restore_png"), {drop: page.upload(files["photo"])})  # no settings inside
    assert plain[drop] is None and plain[by_id(app, "task-tabs")] == {"__type__": "update"}
    assert {key: value for key, value in page.values.items() if key != drop._id} == {
        key: value for key, value in before.items() if key != drop._id
    }  # nothing else on the page changed


# --- delete, ZIP ------------------------------------------------------------------------------


def zip_names(path: str) -> list[str]:
    with zipfile.ZipFile(path) as opened:
        return sorted(opened.namelist())


def test_delete_and_zip_over_the_api(app, api):
    api.predict(text="a zip of two", number_of_images=2, width=512, height=512, api_name="/text_image")
    run = newest(app)
    expected = sorted(f"{run.run_id}/{name}" for name in ("run.json", "output_0.png", "output_1.png"))
    assert zip_names(api.predict(run_ids=[run.run_id], api_name="/history_zip")) == expected
    assert api.predict(run_id=run.run_id, api_name="/history_delete") is True
    assert api.predict(query="zip of two", api_name="/history_list") == []
    assert run.run_id not in [item.run_id for item in app.history.runs("ann")]


def test_delete_and_zip_on_the_page(app, api, page):
    api.predict(text="a page zip", width=512, height=512, api_name="/text_image")
    run = newest(app)
    open_run(page, app, query="page zip")
    download = by_id(app, "history-zip")
    packed = page.call(page.event("make_zip"), {by_label(app, "Runs to download"): [run.run_id]})
    assert zip_names(packed[download]["path"]) == sorted(
        f"{run.run_id}/{name}" for name in ("run.json", "output_0.png")
    )
    after = page.call(page.event("delete_run"))
    assert after[by_id(app, "history-gallery")] == [] and "Deleted." in after.values()
    assert run.run_id not in [item.run_id for item in app.history.runs("ann")]


# --- people -----------------------------------------------------------------------------------


def test_each_user_sees_only_their_own_history(app, api):
    _, ann_run = api.predict(text="ann's secret garden", width=512, height=512, api_name="/text_image")
    with api_client(app, auth=BOB) as bob:
        _, bob_run = bob.predict(text="bob's open field", width=512, height=512, api_name="/text_image")
        assert [item["run_id"] for item in api.predict(query="secret garden", api_name="/history_list")] == [
            ann_run["run_id"]
        ]
        assert [item["run_id"] for item in bob.predict(api_name="/history_list")] == [bob_run["run_id"]]
        assert bob.predict(query="secret garden", api_name="/history_list") == []
        with pytest.raises(AppError, match="Could not pack those runs"):
            bob.predict(run_ids=[ann_run["run_id"]], api_name="/history_zip")
        with pytest.raises(AppError, match=r"There is no run .* in your history"):
            bob.predict(run_id=ann_run["run_id"], api_name="/history_delete")
    assert app.history.get("ann", ann_run["run_id"]).prompt == "ann's secret garden"  # still there

    with PageSession(app, auth=BOB) as page:
        listed = open_run(page, app)
        captions = [item["caption"] for item in listed[by_id(app, "history-gallery")]]
        assert [caption.split(" · ")[1] for caption in captions] == ["bob's open field"]
        ann_png = page.upload(app.history.output_path(app.history.get("ann", ann_run["run_id"]), 0))
        page.call(page.event("restore_png"), {by_id(app, "restore-png"): ann_png})
        # Ann's settings, none of Ann's images: they are in her history, not Bob's.
        assert page.value(by_id(app, "text_image-text")) == "ann's secret garden"
    assert app.history.runs(None) == []


def test_a_run_survives_its_client_going_away(app, engine):
    engine.hold()
    try:
        arrived = len(engine.calls)
        with api_client(app, auth=ANN) as api:
            job = api.submit(text="made while nobody watched", width=512, height=512, api_name="/text_image")
            engine.wait_for_calls(arrived + 1)  # the call is at the engine now
            job.cancel()
    finally:
        engine.open()  # the model answers after the client has gone
    wait_until(lambda: app.history.runs("ann", query="nobody watched"), "the run to be stored")
    assert [run.prompt for run in app.history.runs("ann", query="nobody watched")] == ["made while nobody watched"]
