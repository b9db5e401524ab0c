"""A tab's path with plain values: `ui.form.Form` reads the page's values into the task's request
(and shows a request back), `titan.Playground` fits, seeds, prices, sends and stores it.

The tabs are built exactly as the app builds them (`ui.app.build_tab`), without a server;
what is sent is read from a recording engine that answers with the offline engine.
"""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.ui_fixtures import (
    TITAN,
    built_tabs,
    editor_value,
    input_files,
    pixels,
    playground_on,
    recording_engine,
    rgb_image,
    save_png,
)
from titan import (
    BackgroundRemovalRequest,
    Budget,
    FunctionEngine,
    InpaintRequest,
    Kind,
    OutpaintRequest,
    Person,
    Request,
    TextImageRequest,
    TitanBudgetError,
    TitanEngineUnavailableError,
    TitanValidationError,
    get_model,
    read_png_metadata,
    request_types,
)
from titan.engines.offline import OfflineEngine
from ui.app import banner_html
from ui.form import Form, choices_of
from ui.models import ModelBoard
from ui.result import price_words
from ui.tab import Shared, TabParts
from ui.tabs.outpaint import canvas_preview
from ui.widgets import MaskPainter, PromptOrRemove, parse_size, typed_seed

NOVA, V1 = "amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v1"
CORE = "stability.stable-image-core-v1:1"
ANYONE = Person()


@pytest.fixture(scope="module")
def tabs(tmp_path_factory) -> Shared:
    """Every tab, built on Nova Canvas (it has style presets, so every choice has values to pick)."""
    folder = tmp_path_factory.mktemp("tabs")
    return built_tabs(playground_on(recording_engine(), folder, model_id=NOVA), NOVA)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return input_files(tmp_path_factory.mktemp("inputs"))


@pytest.fixture
def engine() -> FunctionEngine:
    return recording_engine()


@pytest.fixture
def playground(engine, tmp_path):
    return playground_on(engine, tmp_path)


def sent_image(data: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def page_values(part: TabParts, given: dict[Any, Any]) -> dict[Any, Any]:
    """The tab's controls as the page holds them at start, with `given` (component -> value) changed."""
    return {component: getattr(component, "value", None) for component in part.form.components} | given


def widget(form: Form, kind: type) -> Any:
    return next(item for item in form.widgets if isinstance(item, kind))


def run_tab(playground, part: TabParts, given: dict[Any, Any], model: str = TITAN):
    """What Generate does: the tab's request from the page's values, run for a person."""
    request = part.form.request(page_values(part, given), spec=get_model(model))
    return playground.run(request, model=model, person=ANYONE)


def inpaint_given(part: TabParts, editor: Any, *, prompt: str = "a lemon", **extra: Any) -> dict[Any, Any]:
    painter, choice = widget(part.form, MaskPainter), widget(part.form, PromptOrRemove)
    given = {painter.editor: editor, choice.prompt: prompt}
    for name, value in extra.items():
        control = {"invert": painter.invert, "mode": choice.mode}.get(name) or part.form.component(name)
        given[control] = value
    return given


# --- masks -----------------------------------------------------------------------------


def test_painted_area_becomes_black_in_the_mask_sent(tabs, playground, engine, files):
    part = tabs.parts["inpaint"]
    run_tab(playground, part, inpaint_given(part, editor_value(files["photo"], box=(100, 120, 220, 260))))
    params = engine.calls[-1][1]["inPaintingParams"]
    mask = sent_image(params["maskImage"])
    assert mask.shape == (384, 512)
    assert (mask[120:260, 100:220] == 0).all()
    outside = np.ones_like(mask, dtype=bool)
    outside[120:260, 100:220] = False
    assert (mask[outside] == 255).all()
    assert params["text"] == "a lemon" and "maskPrompt" not in params


def test_invert_mask_keeps_the_painted_area(tabs, playground, engine, files):
    part = tabs.parts["inpaint"]
    run_tab(playground, part, inpaint_given(part, editor_value(files["photo"], box=(0, 0, 100, 100)), invert=True))
    mask = sent_image(engine.calls[-1][1]["inPaintingParams"]["maskImage"])
    assert (mask[:100, :100] == 255).all() and (mask[200:, 200:] == 0).all()


def test_mask_preview_is_the_mask_that_will_be_sent(tabs, files):
    part = tabs.parts["inpaint"]
    painter = widget(part.form, MaskPainter)
    editor = editor_value(files["photo"], box=(10, 20, 30, 40))
    preview = np.asarray(painter.preview(editor, False))
    assert preview[25, 15] == 0 and preview[100, 100] == 255 and set(np.unique(preview)) == {0, 255}
    sent = part.form.request(page_values(part, inpaint_given(part, editor))).mask_image
    assert np.array_equal(preview, pixels(sent, "L"))
    assert np.array_equal(np.asarray(painter.preview(editor, True)), 255 - preview)
    assert painter.preview(editor_value(files["photo"], box=None), False) is None  # nothing painted yet
    assert painter.preview(editor_value(None), False) is None


def test_remove_object_sends_no_prompt(tabs, playground, engine, files):
    part = tabs.parts["inpaint"]
    run_tab(playground, part, inpaint_given(part, editor_value(files["photo"]), mode=PromptOrRemove.REMOVE))
    assert "text" not in engine.calls[-1][1]["inPaintingParams"]


def test_replace_without_prompt_asks_for_one(tabs, files):
    part = tabs.parts["inpaint"]
    values = page_values(part, inpaint_given(part, editor_value(files["photo"]), prompt="  "))
    with pytest.raises(TitanValidationError, match=r'the prompt is empty.*or choose "Remove object"'):
        part.form.request(values)


def test_mask_prompt_instead_of_painting_is_sent_and_needs_bedrock(tabs, playground, engine, files):
    part = tabs.parts["inpaint"]
    given = inpaint_given(part, editor_value(files["photo"], box=None), prompt="a cat", mask_prompt="the dog")
    with pytest.raises(TitanEngineUnavailableError, match="Mask prompts need Amazon Bedrock"):
        run_tab(playground, part, given)
    params = engine.calls[-1][1]["inPaintingParams"]
    assert params["maskPrompt"] == "the dog" and "maskImage" not in params


def test_nothing_painted_or_no_picture_is_a_plain_message_before_any_call(tabs, playground, engine, files):
    part = tabs.parts["inpaint"]
    with pytest.raises(TitanValidationError, match="mask_image / mask_prompt: got neither of them"):
        run_tab(playground, part, inpaint_given(part, editor_value(files["photo"], box=None)))
    with pytest.raises(TitanValidationError, match="image: required"):
        run_tab(playground, part, inpaint_given(part, None))
    assert engine.calls == []


def test_inpaint_on_nova_sends_no_size(tabs, playground, engine, files):
    """Edit tasks take no width/height any more: the output is the input's size."""
    square = save_png(rgb_image(512, 512), files["photo"].parent / "square-512.png")
    part = tabs.parts["inpaint"]
    delivered = run_tab(playground, part, inpaint_given(part, editor_value(square)), model=NOVA)
    config = engine.calls[-1][1]["imageGenerationConfig"]
    assert "width" not in config and "height" not in config and delivered.result.size == (512, 512)


# --- seeds, results, what the page runs --------------------------------------------------


def test_a_set_seed_is_kept_and_an_empty_seed_is_drawn_within_the_model_range(playground):
    kept, _ = playground.prepare(TextImageRequest("a cat", seed=1234), model=TITAN)
    assert kept.seed == 1234
    drawn = {playground.prepare(TextImageRequest("a cat"), model=NOVA)[0].seed for _ in range(5)}
    assert len(drawn) > 1 and all(get_model(NOVA).seed.contains(seed) and seed != 0 for seed in drawn)


def test_the_seed_box_reads_empty_as_random_and_a_typed_number_as_that_seed(tabs):
    assert [typed_seed(said) for said in ("", "  ", None, "random", "12345", " 7 ")] == [None] * 4 + [12345, 7]
    part = tabs.parts["text_image"]
    prompt, seed = part.form.component("text"), part.form.component("seed")
    for wrong in ("twelve", "1.5", "-3"):
        asked = part.form.request(page_values(part, {prompt: "a cat", seed: wrong}), spec=get_model(TITAN))
        with pytest.raises(TitanValidationError, match="seed"):
            asked.validate(get_model(TITAN))


def test_text_image_stores_pngs_with_each_seed_and_the_request_before_showing(tabs, playground, engine):
    request = TextImageRequest("a red bucket", number_of_images=3, width=512, height=512, seed=10)
    delivered = playground.run(request, model=TITAN, person=ANYONE)
    run = playground.history.get(None, delivered.run.run_id)  # stored before it is shown
    assert delivered.paths == [playground.history.output_path(run, i) for i in range(3)]
    assert delivered.result.image_seeds == [10, 11, 12] and [output.seed for output in run.outputs] == [10, 11, 12]
    with Image.open(delivered.paths[1]) as image:
        assert image.format == "PNG" and image.size == (512, 512)
        meta = read_png_metadata(image)
    assert meta["seed"] == 11 and meta["request"]["text"] == "a red bucket" and meta["request"]["seed"] == 10
    assert delivered.calls == [{"modelId": TITAN, "body": engine.calls[-1][1]}]
    assert "invoke_model" in delivered.snippet and TITAN in delivered.snippet
    shown = tabs.parts["text_image"].result.show(delivered, [str(path) for path in delivered.paths], status="ok")
    gallery = shown[tabs.parts["text_image"].result.gallery]["value"]
    assert [caption for _, caption in gallery] == ["seed 10 · 1/3", "seed 11 · 2/3", "seed 12 · 3/3"]


@pytest.mark.parametrize("tab", ["text_image", "inpaint", "outpaint", "variation", "color_guided", "remove_background"])
def test_every_tab_runs_from_its_start_values_once_its_inputs_are_given(tabs, playground, files, tab):
    """Only what a person must give (a prompt, a picture, a painted area, one side to extend) is set;
    every other control keeps the value the page starts with, and the run goes through."""
    part = tabs.parts[tab]
    needs = {
        "text_image": {"text": "a lighthouse"},
        "outpaint": {"image": str(files["photo"]), "left": 64, "text": "a meadow"},  # Titan needs its prompt
        "variation": {"images": [str(files["square"])]},
        "color_guided": {"text": "a poster"},
        "remove_background": {"image": str(files["square"])},
    }
    given = {part.form.component(name): value for name, value in needs.get(tab, {}).items()}
    if tab == "inpaint":
        given = inpaint_given(part, editor_value(files["photo"]))
    if "width" in part.form.covered():
        given[part.form.component("width")] = "512x512"
    delivered = run_tab(playground, part, given, model=NOVA)
    assert delivered.paths


def test_controls_the_model_hides_are_not_sent(tabs, playground, engine, files):
    """A layout guide and a style chosen on Nova stay in their (now hidden) controls after picking
    Titan v1, which has neither: Generate leaves them out instead of failing on them."""
    part = tabs.parts["text_image"]
    form = part.form
    chosen = {
        form.component("text"): "a house",
        form.component("condition_image"): str(files["square"]),
        form.component("control_mode"): "SEGMENTATION",
        form.component("style"): choices_of(form.options["style"], get_model(NOVA))[0],
        form.component("width"): "512x512",
    }
    run_tab(playground, part, chosen, model=V1)
    assert set(engine.calls[-1][1]["textToImageParams"]) == {"text"}
    run_tab(playground, part, chosen, model=NOVA)
    params = engine.calls[-1][1]["textToImageParams"]
    assert params["controlMode"] == "SEGMENTATION" and "conditionImage" in params and "style" in params


def test_controls_the_model_greys_out_are_neither_sent_nor_noted(tabs, playground, files):
    """Quality and prompt strength are greyed on Stability, Grow mask on Titan: what they hold is
    not the person's choice, so a run from the page's start says nothing about leaving them out."""
    part = tabs.parts["text_image"]
    given = {part.form.component("text"): "a lighthouse", part.form.component("width"): "512x512"}
    stability = run_tab(playground, part, given, model=CORE)
    assert not [note for note in stability.result.notes if "Not sent" in note]
    assert "quality" not in stability.run.request
    part = tabs.parts["inpaint"]
    titan = run_tab(playground, part, inpaint_given(part, editor_value(files["photo"])))
    assert not [note for note in titan.result.notes if "Not sent" in note]
    assert "grow_mask" not in titan.run.request


def test_outpaint_pads_the_canvas_and_keeps_the_original(tabs, playground, engine, tmp_path):
    source = save_png(rgb_image(400, 300), tmp_path / "s.png")
    part = tabs.parts["outpaint"]
    sides = {"left": 64, "right": 32, "top": 16, "text": "a meadow", "image": str(source)}
    delivered = run_tab(playground, part, {part.form.component(name): value for name, value in sides.items()})
    mask = sent_image(engine.calls[-1][1]["outPaintingParams"]["maskImage"])
    assert mask.shape == (316, 496)
    assert (mask[16:, 64:464] == 0).all() and (mask[:, :64] == 255).all() and (mask[:16] == 255).all()
    assert delivered.result.size == (496, 316)
    with pytest.raises(TitanValidationError, match="nothing to outpaint"):  # nothing to extend
        run_tab(playground, part, {part.form.component("image"): str(source)})


def test_outpaint_preview_and_price_follow_the_padded_canvas(playground, tmp_path):
    source = save_png(rgb_image(400, 300), tmp_path / "s.png")
    preview, note = canvas_preview(TITAN, str(source), 800, 800, 0, 0)
    assert preview.size == (2000, 300) and "Larger than Titan Image Generator v2 takes" in note
    small = playground.quote(OutpaintRequest(image=str(source), left=10), model=TITAN)
    large = playground.quote(OutpaintRequest(image=str(source), left=100, right=100, top=100, bottom=100), model=TITAN)
    assert (small.per_image, large.per_image) == (0.008, 0.010)  # 410×300 vs 600×500: past 512×512 px


def test_variation_reads_the_gallery_items(tabs, playground, engine, tmp_path):
    a = save_png(rgb_image(512, 512), tmp_path / "a.png")
    b = save_png(rgb_image(512, 512, (10, 200, 30)), tmp_path / "b.png")
    part = tabs.parts["variation"]
    form = part.form
    given = {
        form.component("images"): [(str(a), None), (str(b), "caption")],
        form.component("similarity_strength"): 0.5,
    }
    run_tab(playground, part, given | {form.component("width"): "512x512"})
    params = engine.calls[-1][1]["imageVariationParams"]
    assert len(params["images"]) == 2 and params["similarityStrength"] == 0.5
    with pytest.raises(TitanValidationError, match="images: required"):
        run_tab(playground, part, {form.component("images"): []})


def test_color_guided_reads_a_hex_list(tabs, playground, engine):
    part = tabs.parts["color_guided"]
    form = part.form
    given = {form.component("colors"): "#ff8800, 00aa88\n#123", form.component("text"): "a poster"}
    run_tab(playground, part, given | {form.component("width"): "512x512"})
    assert engine.calls[-1][1]["colorGuidedGenerationParams"]["colors"] == ["#FF8800", "#00AA88", "#112233"]


def test_background_removal_returns_a_transparent_png_without_a_seed(tabs, playground, files):
    delivered = playground.run(BackgroundRemovalRequest(image=str(files["square"])), model=TITAN, person=ANYONE)
    with Image.open(delivered.paths[0]) as image:
        assert image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 0
    assert delivered.seed is None
    gallery = tabs.parts["remove_background"].result
    assert [
        caption
        for _, caption in gallery.show(delivered, [str(path) for path in delivered.paths], status="")[gallery.gallery][
            "value"
        ]
    ] == ["1/1"]


def test_large_inputs_are_scaled_into_the_model_limits_with_a_notice(tabs, playground, engine, tmp_path):
    big = save_png(rgb_image(2000, 1000), tmp_path / "big.png")
    part = tabs.parts["inpaint"]
    delivered = run_tab(
        playground, part, inpaint_given(part, editor_value(big, box=(0, 0, 1000, 500)), prompt="a lake")
    )
    params = engine.calls[-1][1]["inPaintingParams"]
    assert sent_image(params["image"]).shape[:2] == (704, 1408)
    mask = sent_image(params["maskImage"])
    assert mask.shape == (704, 1408) and mask[10, 10] == 0 and mask[600, 1300] == 255
    assert delivered.notices == ["Image was 2000×1000 px; reduced to 1408×704 px to fit the model's limits."]


def test_prompt_advice_is_a_warning_not_an_error(playground):
    delivered = playground.run(
        TextImageRequest("a beach without people", width=512, height=512), model=TITAN, person=ANYONE
    )
    assert any("without" in warning for warning in delivered.warnings) and delivered.paths


def test_unsupported_task_is_refused_before_any_call(playground, engine):
    with pytest.raises(TitanValidationError, match="not supported by this model"):
        playground.run(BackgroundRemovalRequest(image=rgb_image()), model=V1, person=ANYONE)
    assert engine.calls == []


# --- texts the page shows -----------------------------------------------------------------


def test_price_line_offline_and_on_bedrock(playground, files):
    two = TextImageRequest("a cat", number_of_images=2, quality="standard", width=1024, height=1024)
    offline = price_words(playground.quote(two, model=TITAN), billed=False, model_name="Titan Image Generator v2")
    assert offline.startswith("**$0.00** offline") and "$0.020" in offline and "2 × $0.010" in offline
    premium = playground.quote(two.replace(quality="premium"), model=NOVA)
    bedrock = price_words(premium, billed=True, model_name="Nova Canvas")
    assert "$0.120" in bedrock and "2 × $0.060" in bedrock and bedrock.startswith("≈")
    single = playground.quote(BackgroundRemovalRequest(image=str(files["square"])), model=TITAN)
    assert "$0.008" in price_words(single, billed=True, model_name="Titan Image Generator v2")
    # Without its picture an edit has no price yet (no words at all, rather than a guess).
    assert price_words(playground.quote(InpaintRequest(), model=TITAN), billed=True, model_name="x") == ""


class FakeBedrock:
    name, billed, region = "bedrock", True, "us-west-2"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.offline = OfflineEngine()

    def invoke(self, model_id: str, body: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls.append((model_id, body))
        return self.offline.invoke(model_id, body)


def test_banner_and_task_notice_texts(playground, tmp_path):
    assert "Offline preview" in banner_html(playground, get_model(TITAN))
    billed = playground_on(FakeBedrock(), tmp_path / "billed")
    assert "Amazon Bedrock · Titan Image Generator v2 · us-west-2" in banner_html(billed, get_model(TITAN))
    board = ModelBoard.for_engine(OfflineEngine())
    notice = board.task_notice(get_model(V1), "BACKGROUND_REMOVAL")
    assert "not supported by Titan Image Generator v1" in notice and "pick it above" in notice
    assert board.task_notice(get_model(TITAN), "BACKGROUND_REMOVAL") == ""


def test_sizes_parse():
    assert parse_size("1024x768") == (1024, 768) and parse_size("512 × 512") == (512, 512)
    assert parse_size("") is None
    with pytest.raises(TitanValidationError, match="size"):
        parse_size("big")


def test_budget_refuses_before_sending_and_counts_each_person(tmp_path):
    """On a billed engine a run whose price would pass the person's budget is refused before any call."""
    engine = FakeBedrock()
    playground = playground_on(engine, tmp_path, budget=Budget(person_limit_usd=0.025))
    two = TextImageRequest("a cat", number_of_images=2, quality="standard", width=512, height=512, seed=1)
    first = playground.run(two, model=TITAN, person=Person(session="a"))  # 2 × $0.008
    assert first.spent.startswith("$0.016 by you today of $0.025")
    with pytest.raises(TitanBudgetError, match="your budget for today"):
        playground.run(two, model=TITAN, person=Person(session="a"))
    assert len(engine.calls) == 1
    playground.run(two, model=TITAN, person=Person(session="b"))  # another session has its own budget
    assert len(engine.calls) == 2


# --- a form shows what it reads ---------------------------------------------------------


def sample_value(name: str, option: Any, form: Form, files: dict[str, Path]) -> Any:
    """A value for `name` that is not what its control starts with, so a control that ignores it shows."""
    spec = form.spec
    if name in ("width", "height"):
        width, height = spec.size_choices()[-1][1]
        return width if name == "width" else height
    if name == "seed":
        return 12345
    kind = option.kind
    if kind is Kind.TEXT:
        return f"{name} words"
    if kind in (Kind.NUMBER, Kind.INTEGER):
        limits = spec.limit(option.limits, option.range)
        middle = (limits.low + limits.high) / 2
        return int(middle) if kind is Kind.INTEGER else round(middle, 2)
    if kind is Kind.CHOICE:
        return choices_of(option, spec)[-1]
    if kind is Kind.BOOLEAN:
        return True
    if kind is Kind.IMAGE:
        return str(files["photo"])
    if kind is Kind.MASK:
        return str(files["mask"])
    if kind is Kind.IMAGES:
        return [str(files["photo"]), str(files["square"])]
    if kind is Kind.COLORS:
        return ["#FF8800", "#00AA88"]
    raise AssertionError(f"no sample for {kind}")


def comparable(request: Request) -> dict[str, Any]:
    """The request's fields with images as their pixels' digest, however they are held (path, PIL)."""

    def digest(image: Any, mode: str) -> str:
        return hashlib.sha256(pixels(image, mode).tobytes()).hexdigest()

    shown: dict[str, Any] = {}
    for name, option in request.options().items():
        value = getattr(request, name)
        if value is not None and option.kind in (Kind.IMAGE, Kind.MASK):
            value = digest(value, "L" if option.kind is Kind.MASK else "RGB")
        elif value is not None and option.kind is Kind.IMAGES:
            value = [digest(item, "RGB") for item in value]
        shown[name] = value
    return shown


def shown_values(updates: dict[Any, Any]) -> dict[Any, Any]:
    """What the page holds after `updates`: a plain value, or the value inside a `gr.update`."""
    values = {}
    for component, update in updates.items():
        if isinstance(update, dict) and update.get("__type__") == "update":
            if "value" in update:
                values[component] = update["value"]
        else:
            values[component] = update
    return values


@pytest.mark.parametrize("tab", [request_type.api_name for request_type in request_types()])
def test_show_and_request_are_inverse(tabs, files, tab):
    """Every field a tab has a control for, set to a value its control does not start with, comes back
    unchanged through `show` (History, Send to) then `request` (Generate)."""
    form = tabs.parts[tab].form
    fields = {name: sample_value(name, form.options[name], form, files) for name in form.covered()}
    made = form.request_type(**fields)
    updates = form.show(made)
    assert set(form.components) <= set(updates), "show() leaves some control as it was"
    again = form.request(shown_values(updates))
    assert comparable(again) == comparable(made)
    assert set(again.set_fields()) == form.covered()  # nothing the tab has no control for is set
