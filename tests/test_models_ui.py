"""The model picker and model families in the UI: states and prices from a stubbed control
plane, the retired-model notice with its one-click switch, a refusal from Bedrock turned
into the same switch, and a Stability model running the tabs it can serve (offline engine,
over gradio_client) while Color guided is greyed out with the reason. No network: the
control plane is a fake object handed to `build_app`."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.ui_fixtures import free_port, rgb_image, save_png
from titan import TitanClient, TitanModelUnavailableError
from titan import lifecycle as lc
from titan.engines.offline import OfflineEngine
from titan.models import NOVA_CANVAS, SD35_LARGE, STABLE_IMAGE_CORE, TITAN_V2, Task
from ui import build_app, launch_options
from ui.models import ModelBoard, PickerParts
from ui.settings import AppSettings

CORE, NOVA, SD35, TITAN = STABLE_IMAGE_CORE.model_id, NOVA_CANVAS.model_id, SD35_LARGE.model_id, TITAN_V2.model_id
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
        return [summary(NOVA, "LEGACY", FAR), *(summary(model_id) for model_id in STABLE_IMAGE_CORE.services.values())]

    def has_availability(self) -> bool:
        return False


class FakeBedrock:
    """An engine named "bedrock" in us-west-2 answered by the offline engine; `refuse` model ids
    fail the way Bedrock refuses a legacy-locked model."""

    name = "bedrock"
    region = "us-west-2"
    endpoint_url = None

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.offline = OfflineEngine()

    def invoke(self, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if model_id in self.refuse:
            raise TitanModelUnavailableError(
                f"{model_id} is a legacy model that this account has not used recently, so AWS locked it. "
                f"Switch to {SD35}.",
                model_id=model_id,
                suggestion=SD35,
            )
        return self.offline.invoke(model_id, body)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """The lifecycle cache lives in the test's folder and starts empty; AWS keys are dummies."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    lc.clear_cache()
    yield
    lc.clear_cache()


def settings_for(tmp_path, **overrides: Any) -> AppSettings:
    return AppSettings(
        output_dir=tmp_path / "outputs", spend_file=tmp_path / "spend.json", port=free_port(), **overrides
    )


def picker_of(demo) -> PickerParts:
    """The PickerParts behind the page (the switch button's click is its bound `switch_to`)."""
    for block_fn in demo.fns.values():
        owner = getattr(block_fn.fn, "__self__", None)
        if isinstance(owner, PickerParts):
            return owner
    raise AssertionError("no model picker wired")


def component(demo, elem_id: str) -> Any:
    return next(block for block in demo.blocks.values() if getattr(block, "elem_id", None) == elem_id)


# --- states, prices, default model ------------------------------------------------------


def test_picker_shows_each_state_and_price_and_starts_on_the_lifecycle_default(tmp_path):
    plane = FakePlane()
    demo = build_app(
        settings_for(tmp_path, pick_model=True), client=TitanClient(engine=FakeBedrock()), control_plane=plane
    )
    picker = component(demo, "model-picker")
    labels = dict((value, label) for label, value in picker.choices)
    assert picker.value == CORE  # Titan v2 retired, Nova legacy: the first active model wins
    assert labels[CORE] == "Stable Image Core · active · $0.04/image"
    assert labels[NOVA].startswith("Nova Canvas · legacy until 2099-12-30 · $0.04")
    assert labels[TITAN] == "Titan Image Generator v2 · retired · $0.01/image"
    assert labels[SD35].endswith("$0.08/image") and plane.asked == 1

    explicit = build_app(
        settings_for(tmp_path, model=NOVA), client=TitanClient(engine=FakeBedrock()), control_plane=plane
    )
    assert component(explicit, "model-picker").value == NOVA  # --model wins over the default choice
    assert plane.asked == 1  # asked once, then cached


def test_states_for_an_account_without_permission_come_from_the_table_with_a_note():
    class Denied(FakePlane):
        def image_models(self) -> list[dict[str, Any]]:
            from titan.errors import TitanAccessDeniedError

            raise TitanAccessDeniedError("no")

    board = ModelBoard.for_engine(FakeBedrock(), control_plane=Denied())
    assert "bedrock:ListFoundationModels" in board.note()
    assert board.state_words(CORE) == "active" and board.state_words(TITAN) == "retired"
    assert board.default_model() == CORE
    offline = ModelBoard.for_engine(OfflineEngine())
    assert offline.note() == "" and offline.report.facts is None  # the offline engine never asks AWS


# --- retired model: one sentence and a switch ---------------------------------------------


def test_picking_a_retired_model_shows_the_sentence_and_the_switch_selects_the_suggestion(tmp_path):
    demo = build_app(settings_for(tmp_path), client=TitanClient(engine=FakeBedrock()), control_plane=FakePlane())
    picker = picker_of(demo)
    on_model = next(fn.fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") == "on_model")

    updates = on_model(TITAN)  # what picking Titan v2 in the dropdown does
    notice, switch = updates[picker.notice], updates[picker.switch]
    assert notice["visible"] and "retired Titan Image Generator v2" in notice["value"]
    assert notice["value"].count(".") == 1  # one plain sentence
    assert switch == {"__type__": "update", "value": "Switch to Stable Image Core", "visible": True}
    assert picker.switch_to(TITAN) == CORE  # the click selects the suggested model

    calm = on_model(CORE)
    assert calm[picker.notice]["visible"] is False and calm[picker.switch]["visible"] is False

    legacy = on_model(NOVA)
    assert "legacy until 2099-12-30" in legacy[picker.notice]["value"] and legacy[picker.switch]["visible"]


def test_a_refusal_from_bedrock_offers_its_suggestion(tmp_path):
    engine = FakeBedrock(refuse=(NOVA,))
    demo = build_app(settings_for(tmp_path, model=NOVA), client=TitanClient(engine=engine), control_plane=FakePlane())
    picker = picker_of(demo)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings_for(tmp_path)))
    try:
        api = Client(url, verbose=False)
        with pytest.raises(AppError, match="legacy model"):
            api.predict(model=NOVA, prompt="A teal mug", size="1024x1024", api_name="/text_image")
        api.close()
    finally:
        demo.close()
    notice, switch = picker.after_failure()["fn"](NOVA)  # the .failure() listener after Generate
    assert (
        "Amazon Bedrock refused Nova Canvas" in notice["value"]
        and "Switch to Stable Diffusion 3.5 Large" in (notice["value"])
    )
    assert switch["value"] == "Switch to Stable Diffusion 3.5 Large" and switch["visible"]
    assert picker.switch_to(NOVA) == SD35
    assert "refused by Bedrock" in picker.board.label(NOVA)


# --- tabs and controls a family cannot use -------------------------------------------------


def test_stability_greys_out_color_guided_and_disables_ignored_controls(tmp_path):
    demo = build_app(settings_for(tmp_path), client=TitanClient(engine=FakeBedrock()), control_plane=FakePlane())
    picker = picker_of(demo)
    updates = picker.updates(CORE)
    assert updates[picker.tabs[Task.COLOR_GUIDED_GENERATION]] == {"__type__": "update", "interactive": False}
    assert updates[picker.tabs[Task.TEXT_IMAGE]]["interactive"] is True
    row = picker.rows[Task.COLOR_GUIDED_GENERATION]
    assert "colour-palette" in updates[row.notice] and updates[row.button]["interactive"] is False
    cfg = picker.controls[Task.TEXT_IMAGE]["cfg_scale"]
    assert updates[cfg]["interactive"] is False and "ignore this setting" in updates[cfg]["info"]
    mode = picker.controls[Task.OUTPAINTING]["mode"]
    assert updates[mode]["interactive"] is False
    assert picker.controls[Task.INPAINTING]["mode"] not in updates  # Inpaint's replace/remove is not Titan's mode
    note = picker.rows[Task.TEXT_IMAGE].note
    assert "aspect ratio" in updates[note]["value"]

    titan = picker.updates(NOVA)
    assert titan[cfg]["interactive"] is True and titan[picker.tabs[Task.COLOR_GUIDED_GENERATION]]["interactive"]


# --- a Stability model over the HTTP API, offline engine ----------------------------------


@contextmanager
def offline_api(tmp_path):
    settings = settings_for(tmp_path, model=CORE)
    demo = build_app(settings, client=TitanClient(engine="offline", model_id=CORE))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    api = Client(url, verbose=False)
    try:
        yield api
    finally:
        api.close()
        demo.close()


@pytest.fixture(scope="module")
def stability_api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stability")
    lc.clear_cache()
    with offline_api(folder) as api:
        yield api


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    layer = np.zeros((384, 512, 4), np.uint8)
    layer[100:200, 150:300] = (255, 45, 111, 140)
    Image.fromarray(layer, "RGBA").save(folder / "layer.png")
    return {"photo": save_png(rgb_image(512, 384), folder / "photo.png"), "layer": folder / "layer.png"}


def test_stability_text_image_sends_an_aspect_ratio_and_says_so(stability_api):
    gallery, status, request, snippet, _ = stability_api.predict(
        model=CORE, prompt="A red bucket on a beach", number_of_images=2, size="1152x768", seed=5, lock_seed=True,
        api_name="/text_image",
    )  # fmt: skip
    assert len(gallery) == 2 and [call["modelId"] for call in request] == [CORE, CORE]
    assert [call["body"]["seed"] for call in request] == [5, 6] and request[0]["body"]["aspect_ratio"] == "3:2"
    assert "cfg_scale" not in request[0]["body"] and "cfgScale" not in request[0]["body"]
    assert "sent as aspect ratio 3:2" in status and "Not sent to Stable Image Core" in status
    assert "$0.080" in status  # 2 × Core's $0.04
    assert "region_name='us-west-2'" in snippet and f"modelId={CORE!r}" in snippet
    assert "2 invoke_model calls" in snippet and 'body["seed"]: 5, 6' in snippet


def test_stability_inpaint_is_priced_by_the_inpaint_service(stability_api, photo):
    editor = {
        "background": handle_file(photo["photo"]),
        "layers": [handle_file(photo["layer"])],
        "composite": handle_file(photo["photo"]),
        "id": None,
    }
    gallery, status, request, snippet, _ = stability_api.predict(
        model=CORE, editor=editor, prompt="A lemon", api_name="/inpaint"
    )
    [call] = request
    assert call["modelId"] == "us.stability.stable-image-inpaint-v1:0" and len(gallery) == 1
    assert call["body"]["mask"].endswith("base64 chars)") and call["body"]["image"].endswith("base64 chars)")
    assert "$0.070" in status  # the Inpaint service's price, not Core's
    assert "b64('mask.png')" in snippet and "iVBOR" not in snippet


def test_stability_outpaint_and_background_removal(stability_api, photo):
    gallery, status, request, _, _ = stability_api.predict(
        model=CORE, image=handle_file(photo["photo"]), left=128, right=64, prompt="A meadow", api_name="/outpaint"
    )
    body = request[0]["body"]
    assert (body["left"], body["right"], body["up"], body["down"]) == (128, 64, 0, 0)
    assert request[0]["modelId"] == "us.stability.stable-outpaint-v1:0" and "$0.060" in status

    gallery, status, request, _, _ = stability_api.predict(
        model=CORE, image=handle_file(photo["photo"]), api_name="/remove_background"
    )
    assert request[0]["modelId"] == "us.stability.stable-image-remove-background-v1:0"
    with Image.open(gallery[0]["image"]) as image:
        assert image.mode == "RGBA"


def test_color_guided_on_stability_is_refused_with_the_reason(stability_api):
    with pytest.raises(AppError, match="colour-palette"):
        stability_api.predict(model=CORE, colors="#FF0000", prompt="A poster", api_name="/color_guided")
