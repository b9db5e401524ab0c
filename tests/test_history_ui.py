"""History through the launched app (gradio_client): listed with metadata, settings loaded back
into every control (and regenerated to the same body), restore from a PNG, per-user
isolation with login, delete, ZIP, and a run that survives its client going away."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.ui_fixtures import free_port, input_files, make_client, placeholder_handler
from titan import FunctionEngine, TitanClient
from titan.history import History, LocalBlobStore, read_png_metadata
from ui import AppSettings, build_app, launch_options


@contextmanager
def launched(tmp_path: Path, client: TitanClient | None = None, **options: Any) -> Iterator[tuple[str, Any, History]]:
    settings = AppSettings(history_dir=tmp_path / "history", port=free_port(), **options)
    demo = build_app(settings, client=client or make_client())
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    try:
        yield url, demo, History(LocalBlobStore(settings.history_dir))
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with launched(tmp_path_factory.mktemp("history-ui")) as (url, demo, history):
        api = Client(url, verbose=False)
        yield api, demo, history
        api.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return input_files(tmp_path_factory.mktemp("inputs"))


def _fn(demo: Any, api_name: str) -> Any:
    return next(fn for fn in demo.fns.values() if fn.api_name == api_name)


def loaded(demo: Any, outputs: tuple, tab: str) -> dict[str, Any]:
    """history_load's outputs, named like the parameters of the tab's own endpoint."""
    shown = [c for c in _fn(demo, "history_load").outputs if c.skip_api is False]
    assert len(outputs) == len(shown)
    task = _fn(demo, tab)
    return {name: outputs[shown.index(c)] for name, c in zip(task.input_keyword_names, task.inputs, strict=True)}


def as_input(value: Any) -> Any:
    """A value the API returned, as the API takes it back (files re-uploaded)."""
    if isinstance(value, str) and Path(value).is_file():
        return handle_file(value)
    if isinstance(value, dict) and "background" in value:
        return {key: as_input(item) if key != "layers" else [as_input(x) for x in item] for key, item in value.items()}
    if isinstance(value, list):
        return [{"image": handle_file(item["image"]), "caption": None} for item in value]
    return value


def painted(layer_path: str) -> np.ndarray:
    return np.asarray(Image.open(layer_path).convert("RGBA"))[..., 3] > 0


def newest(history: History, user: str | None = None):
    return history.runs(user, limit=1)[0]


def test_generate_then_history_lists_it_with_metadata(app):
    api, _, history = app
    api.predict(
        prompt="a lonely lighthouse", number_of_images=2, size="512x512", seed=5, lock_seed=True, api_name="/text_image"
    )
    gallery, items, count, _ = api.predict(task="TEXT_IMAGE", query="lonely", api_name="/history_list")
    assert [item["caption"] for item in gallery] == [
        "Text to image · a lonely lighthouse · seed 5",
        "Text to image · a lonely lighthouse · seed 6",
    ]
    meta = read_png_metadata(gallery[1]["image"])
    assert meta["seed"] == 6 and meta["request"]["textToImageParams"]["text"] == "a lonely lighthouse"
    assert items[0]["run_id"] == newest(history).run_id and "1 run" in count


CASES = {
    "text_image": lambda f: {
        "prompt": "a red bucket",
        "negative_prompt": "blur",
        "condition_image": handle_file(f["square"]),
        "control_mode": "SEGMENTATION",
        "control_strength": 0.4,
        "size": "768x768",
        "cfg_scale": 6.5,
    },
    "inpaint": lambda f: {
        "editor": {
            "background": handle_file(f["photo"]),
            "layers": [handle_file(f["layer"])],
            "composite": handle_file(f["photo"]),
            "id": None,
        },
        "prompt": "a lemon",
    },
    "outpaint": lambda f: {
        "image": handle_file(f["photo"]),
        "left": 64,
        "right": 0,
        "top": 32,
        "bottom": 16,
        "mode": "PRECISE",
        "prompt": "a meadow",
    },
    "variation": lambda f: {
        "images": [
            {"image": handle_file(f["photo"]), "caption": None},
            {"image": handle_file(f["square"]), "caption": None},
        ],
        "similarity": 0.4,
        "size": "512x512",
    },
    "color_guided": lambda f: {
        "colors": "#FF8800, #00AA88",
        "prompt": "a poster",
        "reference_image": handle_file(f["square"]),
        "size": "512x512",
    },
    "remove_background": lambda f: {"image": handle_file(f["square"])},
}


@pytest.mark.parametrize("tab", list(CASES))
def test_load_settings_fills_every_control_and_repeats_the_request(app, files, tab):
    api, demo, history = app
    sent = CASES[tab](files)
    gen = (
        {"seed": 4242, "lock_seed": False, "number_of_images": 2, "quality": "premium"}
        if tab != "remove_background"
        else {}
    )
    api.predict(**sent, **gen, api_name=f"/{tab}")
    first = newest(history)
    values = loaded(demo, api.predict(selected=first.run_id, api_name="/history_load"), tab)
    assert values["model"] == first.model_id
    for name, value in sent.items():
        if not isinstance(value, (dict, list)):  # files come back as stored copies
            assert values[name] == value, name
    if gen:
        seed = first.request["imageGenerationConfig"]["seed"]
        assert values["seed"] == seed and values["lock_seed"] is True and values["number_of_images"] == 2
    if tab == "inpaint":  # the mask comes back as the painted layer
        assert (painted(values["editor"]["layers"][0]) == painted(str(files["layer"]))).all()
    if tab == "outpaint":  # the paddings are recovered from the mask, the image is the original
        assert Image.open(values["image"]).size == (512, 384)
    api.predict(**{name: as_input(value) for name, value in values.items()}, api_name=f"/{tab}")
    again = newest(history)
    assert again.run_id != first.run_id
    assert history.restore_body(again) == history.restore_body(first)


def test_restore_from_png_matches_load(app, files):
    api, demo, history = app
    api.predict(image=handle_file(files["photo"]), left=64, prompt="wide sky", api_name="/outpaint")
    run = newest(history)
    by_id = loaded(demo, api.predict(selected=run.run_id, api_name="/history_load"), "outpaint")
    outputs = api.predict(path=handle_file(str(history.output_path(run, 0))), api_name="/history_restore")
    by_png = loaded(demo, outputs[1:], "outpaint")  # first output: the drop zone, cleared
    assert {k: v for k, v in by_png.items() if k != "image"} == {k: v for k, v in by_id.items() if k != "image"}
    assert np.array_equal(np.asarray(Image.open(by_png["image"])), np.asarray(Image.open(by_id["image"])))
    plain = api.predict(path=handle_file(files["photo"]), api_name="/history_restore")  # no metadata: a warning
    assert loaded(demo, plain[1:], "outpaint")["prompt"] == {"__type__": "update"}  # nothing changed


def test_delete_and_zip(app, files):
    api, _, history = app
    api.predict(prompt="a zip of two", number_of_images=2, size="512x512", api_name="/text_image")
    run = newest(history)
    archive = api.predict(ids=[run.run_id], api_name="/history_zip")
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == sorted(
            f"{run.run_id}/{n}" for n in ("run.json", "output_0.png", "output_1.png")
        )
    gallery, *_ = api.predict(selected=run.run_id, task="", query="", api_name="/history_delete")
    assert run.run_id not in [r.run_id for r in history.runs(None)]
    assert all("a zip of two" not in item["caption"] for item in gallery)


def test_each_user_sees_only_their_own_history(tmp_path):
    with launched(tmp_path, auth=(("ann", "pw1"), ("bob", "pw2"))) as (url, _, history):
        ann, bob = Client(url, auth=("ann", "pw1"), verbose=False), Client(url, auth=("bob", "pw2"), verbose=False)
        ann.predict(prompt="ann's secret garden", size="512x512", api_name="/text_image")
        run = newest(history, "ann")
        assert ann.predict(task="", query="", api_name="/history_list")[1][0]["run_id"] == run.run_id
        assert bob.predict(task="", query="", api_name="/history_list")[1] == []
        with pytest.raises(AppError, match="no longer in your history"):
            bob.predict(selected=run.run_id, api_name="/history_load")
        assert history.runs("bob") == [] and history.runs(None) == []


def test_a_run_survives_its_client_going_away(tmp_path):
    def slow(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.5)
        return placeholder_handler(model_id, body)

    with launched(tmp_path, client=TitanClient(engine=FunctionEngine(slow))) as (url, _, history):
        api = Client(url, verbose=False)
        job = api.submit(prompt="made while nobody watched", size="512x512", api_name="/text_image")
        time.sleep(0.5)  # the call is at the engine now
        job.cancel()
        api.close()
        deadline = time.monotonic() + 15
        while not history.runs(None) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [run.prompt for run in history.runs(None)] == ["made while nobody watched"]
