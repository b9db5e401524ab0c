"""The model picker and model families in the UI: states and prices from a stubbed control
plane, the retired-model notice with its one-click switch (on the page, over HTTP), a refusal
from Bedrock remembered with its suggestion, the tabs and controls each family cannot use,
and a Stability model running the Titan tasks on the offline engine over the public API.
No network: the control plane is a fake object handed to `build_app`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import handle_file
from PIL import Image

from tests.ui_fixtures import PageSession, api_client, input_files, launched_app, make_client
from titan import MODELS, ColorGuidedRequest, History, TitanModelUnavailableError, get_model, open_store
from titan import lifecycle as lc
from titan.engines.offline import OfflineEngine
from tools.browser import Served, offline_settings, serving
from ui import build_app
from ui.models import ModelBoard, PickerParts

CORE, NOVA, TITAN = "stability.stable-image-core-v1:1", "amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v2:0"
SD35, V1 = "stability.sd3-5-large-v1:0", "amazon.titan-image-generator-v1"
FAR = dt.datetime(2099, 12, 30)  # a legacy end of life that stays in the future


def summary(model_id: str, status: str = "ACTIVE", end: dt.datetime | None = None) -> dict[str, Any]:
    life: dict[str, Any] = {"status": status, **({"endOfLifeTime": end} if end else {})}
    return {"modelId": model_id, "modelLifecycle": life}


class FakePlane:
    """Bedrock's control plane as `titan.lifecycle` uses it: Stability's models active, Nova legacy,
    Titan v2 not listed (retired)."""

    region = "us-west-2"

    def __init__(self) -> None:
        self.asked = 0

    def image_models(self) -> list[dict[str, Any]]:
        self.asked += 1
        stability = [model_id for model_id in MODELS if model_id.startswith("stability.")]
        return [summary(NOVA, "LEGACY", FAR), *(summary(model_id) for model_id in stability)]

    def has_availability(self) -> bool:
        return False


class FakeBedrock:
    """An engine named "bedrock" in us-west-2 answered by the offline engine; `refuse` model ids
    fail the way Bedrock refuses a legacy-locked model."""

    name, billed, region, endpoint_url = "bedrock", True, "us-west-2", None

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.offline = OfflineEngine()

    def invoke(self, model_id: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        if model_id in self.refuse:
            raise TitanModelUnavailableError(
                f"{model_id} is a legacy model that this account has not used recently, so AWS locked it. "
                f"Switch to {SD35}.",
                model_id=model_id,
                suggestion=SD35,
            )
        return self.offline.invoke(model_id, body)


@pytest.fixture(autouse=True)
def fresh_lifecycle(monkeypatch) -> Iterator[None]:
    """Lifecycle answers held in memory start empty (the file cache is the test's, see conftest); dummy keys."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    lc.clear_cache()
    yield
    lc.clear_cache()


@contextmanager
def on_bedrock(folder: Path, engine: Any = None, plane: Any = None, **settings: Any) -> Iterator[Served]:
    """The app on a fake Bedrock engine with a fake control plane, served."""
    app_settings = offline_settings(folder, **settings)
    client = make_client(app_settings.model, engine=engine or FakeBedrock())
    with serving(app_settings, client=client, control_plane=plane or FakePlane()) as served:
        yield served


def by_id(demo: Any, elem_id: str) -> Any:
    return next(block for block in demo.blocks.values() if getattr(block, "elem_id", None) == elem_id)


def picker_of(demo: Any) -> PickerParts:
    """The PickerParts behind the page (the switch button's click is its bound `switch_to`)."""
    for block_fn in demo.fns.values():
        owner = getattr(block_fn.fn, "__self__", None)
        if isinstance(owner, PickerParts):
            return owner
    raise AssertionError("no model picker wired")


# --- states, prices, default model ------------------------------------------------------


def built_on_bedrock(folder: Path, plane: Any, **settings: Any) -> Any:
    """The page as built (not served) on a fake Bedrock engine with a fake control plane."""
    app_settings = offline_settings(folder, **settings)
    history = History(open_store(folder / "history"), index_dir=folder / "history-index")
    return build_app(app_settings, make_client(app_settings.model, FakeBedrock()), history, control_plane=plane)


def test_picker_shows_each_state_and_price_and_starts_on_the_lifecycle_default(tmp_path):
    plane = FakePlane()
    picker = by_id(built_on_bedrock(tmp_path / "a", plane, pick_model=True), "model-picker")
    labels = {value: label for label, value in picker.choices}
    assert picker.value == CORE  # Titan v2 retired, Nova legacy: the first active model wins
    assert labels[CORE].startswith("Stable Image Core · active · $0.04/image · ")
    assert labels[NOVA].startswith("Nova Canvas · legacy until 2099-12-30 · $0.04/image")
    assert labels[TITAN].startswith("Titan Image Generator v2 · retired · $0.01/image")
    assert "$0.08/image" in labels[SD35] and plane.asked == 1
    explicit = built_on_bedrock(tmp_path / "b", plane, model=NOVA)
    assert by_id(explicit, "model-picker").value == NOVA  # --model wins over the default choice
    assert plane.asked == 1  # asked once, then cached


def test_states_for_an_account_without_permission_come_from_the_table_with_a_note():
    class Denied(FakePlane):
        def image_models(self) -> list[dict[str, Any]]:
            from titan import TitanAccessDeniedError

            raise TitanAccessDeniedError("no")

    board = ModelBoard.for_engine(FakeBedrock(), control_plane=Denied())
    assert "bedrock:ListFoundationModels" in board.note()
    assert board.state_words(CORE) == "active" and board.state_words(TITAN) == "retired"
    assert board.default_model() == CORE
    offline = ModelBoard.for_engine(OfflineEngine())
    assert offline.note() == "" and offline.report.facts is None  # the offline engine never asks AWS


def test_a_retired_model_offers_a_usable_model_in_one_click():
    board = ModelBoard(True, lc.table_report("us-west-2"), today=dt.date(2026, 11, 1))
    picker = PickerParts(board, None, None, None, None)
    assert picker.switch_update(TITAN) == {
        "__type__": "update",
        "value": "Switch to Stable Image Core",  # Nova Canvas is past its end of life too
        "visible": True,
    }
    assert "retired" in board.notice(TITAN) and "2026-06-30" in board.notice(TITAN)
    assert board.notice(CORE) == ""


# --- on the page: the notice, the switch, what each model can do ---------------------------


def test_picking_a_retired_model_shows_one_sentence_and_the_switch_picks_the_suggestion(tmp_path):
    with on_bedrock(tmp_path, model=CORE) as served, PageSession(served) as page:
        demo = served.demo
        model, notice, switch = (by_id(demo, name) for name in ("model-picker", "model-notice", "model-switch"))
        shown = page.call(page.event("on_model"), {model: TITAN})  # what picking Titan v2 does
        assert shown[notice]["visible"] and "Titan Image Generator v2" in shown[notice]["value"]
        assert shown[notice]["value"].rstrip(".").count(". ") == 0  # one plain sentence
        assert shown[switch] == {"__type__": "update", "value": "Switch to Stable Image Core", "visible": True}
        page.call(page.event("switch_to"))  # the click selects the suggested model
        assert page.value(model) == CORE

        calm = page.call(page.event("on_model"), {model: CORE})
        assert calm[notice]["visible"] is False and calm[switch]["visible"] is False
        legacy = page.call(page.event("on_model"), {model: NOVA})
        assert "2099-12-30" in legacy[notice]["value"] and legacy[switch]["visible"]


def test_every_model_can_be_picked_and_the_tabs_follow_it(tmp_path):
    """Titan v2 greys out the Stability-only tabs and says which model can; Stability greys out none,
    but greys the controls its services ignore and explains its sizes."""
    with launched_app(tmp_path, model=TITAN) as served, PageSession(served) as page:
        demo = served.demo
        model = by_id(demo, "model-picker")
        for model_id in MODELS:
            page.call(page.event("on_model"), {model: model_id})  # each pick goes through
        titan = page.call(page.event("on_model"), {model: TITAN})
        assert titan[by_id(demo, "tab-upscale")]["interactive"] is False
        assert titan[by_id(demo, "upscale-go")]["interactive"] is False
        assert titan[by_id(demo, "tab-inpaint")]["interactive"] is True
        assert titan[by_id(demo, "text_image-cfg_scale")]["interactive"] is True
        assert titan[by_id(demo, "outpaint-left")]["interactive"] is True  # Titan extends by its own canvas
        stability = page.call(page.event("on_model"), {model: CORE})
        tabs = [block for block in stability if isinstance(block, gr.Tab)]
        assert tabs and all(stability[tab]["interactive"] for tab in tabs)
        cfg = stability[by_id(demo, "text_image-cfg_scale")]
        assert cfg["interactive"] is False and cfg["info"].startswith("Not sent to Stable Image Core")
        assert stability[by_id(demo, "outpaint-mode")]["interactive"] is False
        assert "aspect ratio" in stability[by_id(demo, "text_image-note")]["value"]
    board = ModelBoard.for_engine(OfflineEngine())
    notice = board.task_notice(get_model(TITAN), "UPSCALE")
    assert "not supported by Titan Image Generator v2" in notice and "Stable Image Core" in notice


def test_a_refusal_from_bedrock_is_remembered_with_its_suggestion(tmp_path):
    with on_bedrock(tmp_path, engine=FakeBedrock(refuse=(NOVA,)), model=NOVA) as served, PageSession(served) as page:
        demo = served.demo
        page.call(page.event("on_model"), {by_id(demo, "model-picker"): NOVA})
        page.call(
            page.event("generate", output=by_id(demo, "text_image-results")),
            {by_id(demo, "text_image-text"): "A teal mug"},
        )
        assert "legacy model" in page.value(by_id(demo, "text_image-error"))
        picker = picker_of(demo)
        assert "refused by Bedrock" in picker.board.label(NOVA)
        notice = picker.board.notice(NOVA)
        assert "Amazon Bedrock refused Nova Canvas" in notice and "Switch to Stable Diffusion 3.5 Large" in notice
        assert picker.switch_to(NOVA) == SD35
        again = page.call(page.event("on_model"), {by_id(demo, "model-picker"): NOVA})  # picked again: it says so
        assert again[by_id(demo, "model-switch")]["value"] == "Switch to Stable Diffusion 3.5 Large"


# --- a Stability model over the HTTP API, offline engine ----------------------------------


@pytest.fixture(scope="module")
def stability(tmp_path_factory) -> Iterator[Any]:
    with launched_app(tmp_path_factory.mktemp("stability"), model=CORE) as served, api_client(served) as api:
        yield api


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return input_files(tmp_path_factory.mktemp("inputs"))


def test_stability_text_image_sends_an_aspect_ratio_and_says_what_it_left_out(stability):
    images, run = stability.predict(
        model=CORE, text="A red bucket on a beach", number_of_images=2, width=1152, height=768, seed=5,
        cfg_scale=7.0, api_name="/text_image",
    )  # fmt: skip
    calls = run["calls"]
    assert len(images) == 2 and [call["modelId"] for call in calls] == [CORE, CORE]
    assert [call["body"]["seed"] for call in calls] == [5, 6] and calls[0]["body"]["aspect_ratio"] == "3:2"
    assert "cfg_scale" not in calls[0]["body"] and "cfgScale" not in calls[0]["body"]
    assert any("sent as aspect ratio 3:2" in note for note in run["notes"])
    assert any(note.startswith("Not sent to Stable Image Core: Prompt strength") for note in run["notes"])
    assert run["price"] == {"per_image_usd": 0.04, "service": "Stable Image Core"}  # 2 calls, 2 × $0.04


def test_stability_inpaint_is_priced_by_the_inpaint_service(stability, files):
    images, run = stability.predict(
        model=CORE,
        image=handle_file(files["photo"]),
        mask_image=handle_file(files["mask"]),
        text="A lemon",
        api_name="/inpaint",
    )
    [call] = run["calls"]
    assert call["modelId"].endswith("stability.stable-image-inpaint-v1:0") and len(images) == 1
    assert call["body"]["mask"].endswith("base64 chars)") and call["body"]["image"].endswith("base64 chars)")
    assert run["price"]["per_image_usd"] == 0.07  # the Inpaint service's price, not Core's


def test_stability_outpaint_and_background_removal(stability, files):
    _, run = stability.predict(
        model=CORE, image=handle_file(files["photo"]), left=128, right=64, text="A meadow", api_name="/outpaint"
    )
    body = run["calls"][0]["body"]
    assert (body["left"], body["right"]) == (128, 64) and not body.get("up") and not body.get("down")
    assert run["calls"][0]["modelId"].endswith("stability.stable-outpaint-v1:0")
    assert run["price"]["per_image_usd"] == 0.06

    images, run = stability.predict(model=CORE, image=handle_file(files["photo"]), api_name="/remove_background")
    assert run["calls"][0]["modelId"].endswith("stability.stable-image-remove-background-v1:0")
    with Image.open(images[0]) as image:
        assert image.mode == "RGBA"


def test_color_guided_on_stability_is_approximated_with_style_guide(stability):
    """Stability has no colour-guided service: the palette goes to Style Guide as a swatch, and the
    run says so; the offline preview answers it too (with its own palette picture)."""
    calls = make_client(CORE).calls(ColorGuidedRequest(text="A poster", colors=["#FF0000", "#00FF00"]))
    assert [call.model_id.removeprefix("us.") for call in calls] == ["stability.stable-image-style-guide-v1:0"]
    images, run = stability.predict(model=CORE, colors=["#FF0000"], text="A poster", api_name="/color_guided")
    assert images and any("Style Guide" in note for note in run["notes"])
