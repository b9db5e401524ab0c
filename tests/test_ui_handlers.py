"""The UI's handler layer with plain values: what each tab sends and what it shows."""

from __future__ import annotations

import base64
import datetime as dt
import io

import numpy as np
import pytest
from PIL import Image

from tests.ui_fixtures import editor_value, placeholder_handler, rgb_image, save_png
from titan import FunctionEngine, Task, TitanClient, TitanValidationError
from titan.history import History, LocalBlobStore, read_png_metadata
from titan.models import NOVA_CANVAS, TITAN_V1, TITAN_V2
from ui import handlers as h
from ui import shared as s
from ui.settings import AppSettings, parse_auth
from ui.tabs.inpaint import mask_preview
from ui.tabs.outpaint import canvas_preview


@pytest.fixture
def engine() -> FunctionEngine:
    return FunctionEngine(placeholder_handler)


@pytest.fixture
def runner(engine: FunctionEngine, tmp_path) -> h.Runner:
    return h.Runner(TitanClient(engine=engine), History(LocalBlobStore(tmp_path)))


def sent_image(data: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


# --- masks -----------------------------------------------------------------------------


def test_painted_area_becomes_black_in_the_mask_sent(runner, engine):
    editor = editor_value(512, 384, box=(100, 120, 220, 260))
    runner.inpaint(model=TITAN_V2.model_id, editor=editor, prompt="a lemon", seed=7, lock_seed=True)
    params = engine.calls[-1][1]["inPaintingParams"]
    mask = sent_image(params["maskImage"])
    assert mask.shape == (384, 512)
    assert (mask[120:260, 100:220] == 0).all()
    outside = np.ones_like(mask, dtype=bool)
    outside[120:260, 100:220] = False
    assert (mask[outside] == 255).all()
    assert params["text"] == "a lemon" and "maskPrompt" not in params


def test_invert_mask_keeps_the_painted_area(runner, engine):
    editor = editor_value(box=(0, 0, 100, 100))
    runner.inpaint(model=TITAN_V2.model_id, editor=editor, prompt="sky", invert=True)
    mask = sent_image(engine.calls[-1][1]["inPaintingParams"]["maskImage"])
    assert (mask[:100, :100] == 255).all() and (mask[200:, 200:] == 0).all()


def test_mask_preview_is_the_mask_that_will_be_sent():
    preview = np.asarray(mask_preview(editor_value(box=(10, 20, 30, 40)), False, ""))
    assert preview[25, 15] == 0 and preview[100, 100] == 255
    assert set(np.unique(preview)) == {0, 255}
    assert mask_preview(editor_value(box=None), False, "") is None
    assert mask_preview(editor_value(), False, "the vase") is None
    assert mask_preview({"background": None, "layers": [], "composite": None}, False, "") is None


def test_remove_object_sends_no_prompt(runner, engine):
    runner.inpaint(model=TITAN_V2.model_id, editor=editor_value(), mode=h.REMOVE, prompt="ignored")
    assert "text" not in engine.calls[-1][1]["inPaintingParams"]


def test_replace_without_prompt_asks_for_one(runner):
    with pytest.raises(h.InputError, match="Replace needs a prompt"):
        runner.inpaint(model=TITAN_V2.model_id, editor=editor_value(), mode=h.REPLACE, prompt="  ")


def test_mask_prompt_replaces_the_painting(runner, engine):
    runner.inpaint(model=TITAN_V2.model_id, editor=editor_value(box=None), prompt="a cat", mask_prompt="the dog")
    params = engine.calls[-1][1]["inPaintingParams"]
    assert params["maskPrompt"] == "the dog" and "maskImage" not in params


def test_nothing_painted_is_a_plain_message(runner):
    with pytest.raises(TitanValidationError, match="mask"):
        runner.inpaint(model=TITAN_V2.model_id, editor=editor_value(box=None), prompt="a cat")
    with pytest.raises(h.InputError, match="Upload an image"):
        runner.inpaint(model=TITAN_V2.model_id, editor=None, prompt="a cat")


def test_inpaint_on_nova_leaves_out_the_size(runner, engine):
    runner.inpaint(model=NOVA_CANVAS.model_id, editor=editor_value(512, 512), prompt="a cat")
    config = engine.calls[-1][1]["imageGenerationConfig"]
    assert "width" not in config and "height" not in config


# --- generation settings, seeds, results ---------------------------------------------------


def test_locked_seed_is_used_and_unlocked_seed_is_redrawn():
    config, seed = h.generation_config(TITAN_V2, seed=1234, lock_seed=True, size="768x1152", number_of_images=2)
    assert seed == 1234 and config["seed"] == 1234
    assert (config["width"], config["height"]) == (768, 1152) and config["number_of_images"] == 2
    seeds = {h.generation_config(TITAN_V2, seed=1234, lock_seed=False)[1] for _ in range(5)}
    assert 1234 not in seeds and len(seeds) > 1
    assert all(TITAN_V2.seed.contains(value) for value in seeds)


def test_text_image_saves_pngs_with_each_seed_and_the_request(runner, engine, tmp_path):
    out = runner.text_image(
        model=TITAN_V2.model_id, prompt="a red bucket", number_of_images=3, size="512x512", seed=10, lock_seed=True
    )
    run = runner.history.get(None, out.run_id)  # stored in History before it is shown
    assert out.paths == [runner.history.output_path(run, i) for i in range(3)] and tmp_path in out.paths[0].parents
    assert out.captions == ["seed 10 · 1/3", "seed 11 · 2/3", "seed 12 · 3/3"]
    with Image.open(out.paths[1]) as image:
        assert image.format == "PNG" and image.size == (512, 512)
        meta = read_png_metadata(image)  # iTXt after the pixels: read on load
        assert meta["seed"] == 11 and meta["request"]["textToImageParams"]["text"] == "a red bucket"
    assert out.seed == 10 and "seed 10" in out.status and "3 images" in out.status
    assert out.request == [{"modelId": TITAN_V2.model_id, "body": out.request[0]["body"]}]  # the calls made
    assert out.request[0]["body"]["textToImageParams"]["text"] == "a red bucket"
    assert "invoke_model" in out.snippet and TITAN_V2.model_id in out.snippet


def test_condition_image_and_style_follow_the_model(runner, engine, tmp_path):
    condition = save_png(rgb_image(512, 512), tmp_path / "c.png")
    runner.text_image(
        model=TITAN_V1.model_id, prompt="a house", condition_image=str(condition), control_mode="CANNY_EDGE", style="X"
    )
    params = engine.calls[-1][1]["textToImageParams"]
    assert set(params) == {"text"}  # v1 has no conditioning and no styles: hidden controls are ignored
    runner.text_image(
        model=TITAN_V2.model_id, prompt="a house", condition_image=str(condition), control_mode="SEGMENTATION"
    )
    assert engine.calls[-1][1]["textToImageParams"]["controlMode"] == "SEGMENTATION"


def test_outpaint_pads_the_canvas_and_keeps_the_original(runner, engine, tmp_path):
    source = save_png(rgb_image(400, 300), tmp_path / "s.png")
    out = runner.outpaint(model=TITAN_V2.model_id, image=str(source), left=64, right=32, top=16, prompt="a meadow")
    params = engine.calls[-1][1]["outPaintingParams"]
    mask = sent_image(params["maskImage"])
    assert mask.shape == (316, 496)
    assert (mask[16:, 64:464] == 0).all() and (mask[:, :64] == 255).all()
    with Image.open(out.paths[0]) as image:
        assert image.size == (496, 316)
    with pytest.raises(h.InputError, match="Extend at least one side"):
        runner.outpaint(model=TITAN_V2.model_id, image=str(source), prompt="a meadow")


def test_outpaint_preview_and_price_size(tmp_path):
    source = save_png(rgb_image(400, 300), tmp_path / "s.png")
    preview, note = canvas_preview(TITAN_V2.model_id, str(source), 800, 800, 0, 0)
    assert preview.size == (2000, 300) and "Too large" in note and "1408" in note
    assert h.padded_size(str(source), 10, 20, 30, 40) == (430, 370)
    assert h.padded_size(None, 10, 20, 30, 40) is None


def test_variation_accepts_gallery_items_and_api_dicts(runner, engine, tmp_path):
    a = save_png(rgb_image(512, 512), tmp_path / "a.png")
    b = save_png(rgb_image(512, 512, (10, 200, 30)), tmp_path / "b.png")
    runner.variation(model=TITAN_V2.model_id, images=[(str(a), None), {"image": {"path": str(b)}}], similarity=0.5)
    params = engine.calls[-1][1]["imageVariationParams"]
    assert len(params["images"]) == 2 and params["similarityStrength"] == 0.5
    with pytest.raises(h.InputError, match="reference images"):
        runner.variation(model=TITAN_V2.model_id, images=[])


def test_color_guided_reads_a_hex_list(runner, engine):
    runner.color_guided(model=TITAN_V2.model_id, colors="#ff8800, 00aa88\n#123", prompt="a poster")
    assert engine.calls[-1][1]["colorGuidedGenerationParams"]["colors"] == ["#FF8800", "#00AA88", "#112233"]


def test_background_removal_returns_a_transparent_png(runner):
    editor = editor_value(320, 320)
    out = runner.remove_background(model=TITAN_V2.model_id, image=editor["background"][:, :, :3])
    with Image.open(out.paths[0]) as image:
        assert image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 0
    assert out.seed is None and "seed" not in out.status


def test_large_inputs_are_scaled_into_the_model_limits_with_a_note(runner, engine):
    big = editor_value(2000, 1000, box=(0, 0, 1000, 500))
    out = runner.inpaint(model=TITAN_V2.model_id, editor=big, prompt="a lake")
    params = engine.calls[-1][1]["inPaintingParams"]
    assert sent_image(params["image"]).shape[:2] == (704, 1408)
    mask = sent_image(params["maskImage"])
    assert mask.shape == (704, 1408) and mask[10, 10] == 0 and mask[600, 1300] == 255
    assert out.notes == ["Image was 2000×1000 px; reduced to 1408×704 px to fit the model's limits."]


def test_prompt_advice_is_a_warning_not_an_error(runner):
    out = runner.text_image(model=TITAN_V2.model_id, prompt="a beach without people")
    assert any("without" in warning for warning in out.warnings)


def test_unsupported_task_is_refused_before_any_call(runner, engine):
    with pytest.raises(TitanValidationError, match="not supported"):
        runner.color_guided(model=TITAN_V1.model_id, colors="#FF0000", prompt="a poster")
    assert engine.calls == []


# --- texts the page shows -----------------------------------------------------------------


def test_price_line_offline_and_on_bedrock():
    offline = h.price_text("offline", TITAN_V2, Task.TEXT_IMAGE, count=2, quality="standard", size=(1024, 1024))
    assert offline.startswith("**$0.00** offline") and "$0.020" in offline
    bedrock = h.price_text("bedrock", NOVA_CANVAS, Task.TEXT_IMAGE, count=2, quality="premium", size=(1024, 1024))
    assert "$0.120" in bedrock and "2 × $0.060" in bedrock
    single = h.price_text("bedrock", TITAN_V2, Task.BACKGROUND_REMOVAL, count=5, quality="standard", size=(512, 512))
    assert "$0.008" in single
    assert "add an image" in h.price_text("bedrock", TITAN_V2, Task.INPAINTING, count=1, quality="", size=None)


def test_banner_and_lifecycle_texts():
    assert "Offline preview — not Titan output" in s.banner_html("offline", TITAN_V2, None)
    assert "Amazon Bedrock · Titan Image Generator v2 · us-west-2" in s.banner_html("bedrock", TITAN_V2, "us-west-2")
    assert "not supported by Titan Image Generator v1" in s.unsupported_text(TITAN_V1, Task.BACKGROUND_REMOVAL)
    assert s.unsupported_text(TITAN_V2, Task.BACKGROUND_REMOVAL) == ""


def test_sizes_and_colors_parse():
    assert h.parse_size("1024x768") == (1024, 768) and h.parse_size("512 × 512") == (512, 512)
    assert h.parse_size("") is None
    with pytest.raises(h.InputError):
        h.parse_size("big")
    assert h.parse_colors(["#AA0000", " ", "#00BB00"]) == ["#AA0000", "#00BB00"]


# --- settings -------------------------------------------------------------------------------


def test_settings_from_flags_and_environment(tmp_path):
    env = {"TITAN_ENGINE": "offline", "TITAN_PORT": "8000", "TITAN_AUTH": "ann:pw", "TITAN_CONCURRENCY": "3"}
    settings = AppSettings.from_args([], env=env)
    assert (settings.engine, settings.port, settings.auth, settings.concurrency) == (
        "offline",
        8000,
        (("ann", "pw"),),
        3,
    )
    assert settings.host == "127.0.0.1" and settings.model == TITAN_V2.model_id
    flags = AppSettings.from_args(
        ["--port", "9000", "--model", NOVA_CANVAS.model_id, "--output-dir", str(tmp_path)], env=env
    )
    assert flags.port == 9000 and flags.model == NOVA_CANVAS.model_id and flags.history_location() == tmp_path
    assert parse_auth("a:1, b:2") == (("a", "1"), ("b", "2"))
    with pytest.raises(SystemExit):
        AppSettings.from_args(["--auth", "nopassword"], env={})


def test_importing_the_app_does_no_work():
    import subprocess
    import sys

    code = "import app, ui, sys; assert 'boto3' not in sys.modules; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_retired_model_offers_a_usable_model_in_one_click():
    from titan.lifecycle import table_report
    from ui.models import ModelBoard

    board = ModelBoard("bedrock", table_report("us-west-2"), today=dt.date(2026, 11, 1))
    assert board.switch_update(TITAN_V2.model_id) == {
        "__type__": "update",
        "value": "Switch to Stable Image Core",  # Nova Canvas is past its end of life too
        "visible": True,
    }
    assert "retired since 2026-06-30" in board.notice(TITAN_V2.model_id)
    assert board.notice("stability.stable-image-core-v1:1") == ""  # more in tests/test_models_ui.py


def test_budget_refuses_before_sending_and_counts_sessions(tmp_path) -> None:
    """On Bedrock, a run whose price would pass the budget is refused before any call."""
    from ui.visitor import visiting

    from titan import TitanBudgetError
    from titan.budget import Budget

    engine = FunctionEngine(placeholder_handler)
    engine.name = "bedrock"  # priced like Bedrock, answered locally
    runner = h.Runner(TitanClient(engine=engine), History(LocalBlobStore(tmp_path)), Budget(session_limit_usd=0.025))
    model = "amazon.titan-image-generator-v2:0"
    settings = {"number_of_images": 2, "quality": "standard", "size": "1024x1024", "seed": 1, "lock_seed": True}
    with visiting(None, "session-a"):
        generated = runner.text_image(model=model, prompt="a cat", **settings)  # 2 × $0.010
        assert "spent $0.020 this session of $0.03" in generated.status
        with pytest.raises(TitanBudgetError, match="session's budget"):
            runner.text_image(model=model, prompt="a cat", **settings)
    assert len(engine.calls) == 1
    with visiting(None, "session-b"):
        runner.text_image(model=model, prompt="a cat", **settings)  # another session has its own budget
