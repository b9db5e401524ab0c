"""Issue 13, point by point, as a person sees the page in headless Chromium (Debian's `chromium`).

One app server (offline engine, Titan v2 picked) and one browser for the session, shared with
`test_browser` (tests/browser_fixtures.py); each test opens its own page unless it only reads, in
which case it reads the module's one untouched page. Every wait is on a condition with
`TIMEOUT_MS` as its ceiling; no test asserts a time (bench/canvas.py measures point 1's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui_fixtures import rgb_image, save_png
from titan import get_model, request_types
from tools.browser import (
    ERRORS,
    PHONE,
    answers_held,
    choose_model,
    chromium_path,
    fill,
    generate,
    offline_settings,
    open_tab,
    opened,
    serving,
    set_slider,
    upload,
    upload_to_editor,
)
from ui.samples import sample
from ui.settings import AppSettings

pytestmark = pytest.mark.browser

if chromium_path() is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")

TITAN_V2 = "Titan Image Generator v2"
CORE = "Stable Image Core"
#: Engineer words that must not reach a label, a choice or a help line.
API_WORDS = ("CANNY_EDGE", "SEGMENTATION", "cfgScale", "images[0]", "taskType", "numberOfImages")


@pytest.fixture(scope="module")
def untouched(browser: Any, served: Any) -> Iterator[Any]:
    """One page, as it opens, for the tests that only read it (and hover): nothing may change it."""
    with opened(browser, served.url) as page:
        yield page


def newest_run(served: Any) -> Any:
    return served.history.runs(None, limit=1)[0]


def tab_is(page: Any, label: str) -> None:
    page.wait_for_function(
        "(label) => document.querySelector('#task-tabs [role=tab][aria-selected=true]')?.innerText.trim() === label",
        arg=label,
    )


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not laid out"
    return found


# --- 1. the canvas --------------------------------------------------------------------------------


def preview_events(page: Any, served: Any) -> list[str]:
    """Every mask-preview event the page sends from now on (the app's `preview` function), as a growing list."""
    preview_fns = {fn._id for fn in served.demo.fns.values() if fn.name == "preview"}
    sent: list[str] = []

    def record(request: Any) -> None:
        joined = request.url.split("?")[0].endswith("/gradio_api/queue/join")
        if joined and json.loads(request.post_data or "{}").get("fn_index") in preview_fns:
            sent.append(request.url)

    page.on("request", record)
    return sent


def test_mask_preview_follows_each_finished_stroke_and_text_to_image_still_runs(page, served, tmp_path):
    open_tab(page, "Inpaint")
    sent = preview_events(page, served)
    upload_to_editor(page, "inpaint-editor", str(save_png(rgb_image(320, 320), tmp_path / "small.png")))
    page.wait_for_function("() => true")  # let the page's request handler run
    while not sent:  # the new picture asks for its (empty) mask preview, a moment after it is drawn
        page.wait_for_event("request")
    sent.clear()
    canvas = box(page, "#inpaint-editor canvas")
    page.get_by_label("Brush", exact=True).first.click()
    x, y = canvas["x"] + canvas["width"] * 0.2, canvas["y"] + canvas["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + step * canvas["width"] * 0.05, y + (step % 3) * 6)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    during = len(sent)  # the moves are drawn; any event they caused has been sent
    page.mouse.up()
    page.locator(".mask-preview img").wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.mask-preview img').complete")
    assert during == 0, f"{during} mask previews were asked for while the stroke was being drawn"
    assert len(sent) == 1, f"one stroke asked for {len(sent)} mask previews"

    open_tab(page, "Text to image")
    fill(page, "text_image-text", "A lighthouse on a cliff at dusk")
    generate(page, "text_image")
    assert newest_run(served).task == "TEXT_IMAGE"


# --- 2. phone ------------------------------------------------------------------------------------


@pytest.fixture
def phone(browser: Any, served: Any) -> Iterator[Any]:
    with opened(browser, served.url, PHONE) as page:
        yield page


def scroll_width(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def test_phone_stacks_results_under_generate_scrolls_to_them_and_never_sideways(phone, served):
    doable = [kind.label for kind in request_types() if get_model(served.settings.model).supports(kind.task)]
    for label in [*doable, "Compare", "History"]:
        open_tab(phone, label)
        assert scroll_width(phone) <= PHONE["width"], f"{label} scrolls sideways at {PHONE['width']} px"
    open_tab(phone, "Text to image")
    assert box(phone, "#text_image-results")["y"] >= box(phone, "#text_image-go")["y"] + 1
    fill(phone, "text_image-text", "A paper kite over a beach")
    generate(phone, "text_image")
    phone.wait_for_function(  # scrolled (smoothly) until the results start on screen
        "() => { const r = document.querySelector('#text_image-results').getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight / 2; }"
    )
    assert scroll_width(phone) <= PHONE["width"]


# --- 3. colour picker ----------------------------------------------------------------------------

INSIDE_JS = """
([selector, outer]) => [...document.querySelectorAll(selector)].flatMap((el, i) => {
  const r = el.getBoundingClientRect(), o = outer ? el.closest(outer).getBoundingClientRect()
    : {left: 0, top: -Infinity, right: window.innerWidth, bottom: Infinity};
  return r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5
    ? [] : [`${selector} #${i}: ${JSON.stringify(r)} outside ${JSON.stringify(o)}`];
})
"""


def test_colour_picker_and_hex_box_are_whole_on_a_phone_and_edit_each_other(phone, served):
    open_tab(phone, "Color guided")
    palette = phone.locator("#color-palette")
    palette.locator("input[type=color]").first.wait_for(state="visible")
    for part in ("input[type=color]", "input.hex", "button.drop"):
        selector = f"#color-palette .swatch {part}"
        assert phone.evaluate(INSIDE_JS, [selector, ".swatch"]) == []  # not clipped by its card
        assert phone.evaluate(INSIDE_JS, [selector, None]) == []  # not beyond the screen's sides
    hex_box, picker = palette.locator("input.hex").first, palette.locator("input[type=color]").first
    hex_box.fill("#1a7f5a")
    hex_box.press("Tab")
    phone.wait_for_function("() => document.querySelector('#color-palette input[type=color]').value === '#1a7f5a'")
    picker.evaluate(
        "(el) => { el.value = '#f0c020'; el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }"
    )  # the browser's own picker
    phone.wait_for_function("() => document.querySelector('#color-palette input.hex').value === '#F0C020'")
    fill(phone, "color_guided-text", "A quiet harbour at noon")
    generate(phone, "color_guided")
    assert newest_run(served).request["colors"][0] == "#F0C020"


# --- 4. results fit -------------------------------------------------------------------------------

#: Problems with how the result pictures in `#<container>` are shown: each picture's drawn area (after
#: object-fit) must lie inside every box that clips it, up to and including the container.
CROPPED_JS = """
(container) => {
  const host = document.querySelector(container);
  return [...host.querySelectorAll('img')].flatMap((img, i) => {
    const box = img.getBoundingClientRect(), fit = getComputedStyle(img).objectFit;
    const scale = fit === 'contain' || fit === 'scale-down'
      ? Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight) : null;
    if (scale === null && Math.abs(box.width / box.height - img.naturalWidth / img.naturalHeight) > 0.02)
      return [`image ${i}: drawn ${fit} at ${box.width}×${box.height}, it is ${img.naturalWidth}×${img.naturalHeight}`];
    const w = scale === null ? box.width : img.naturalWidth * scale;
    const h = scale === null ? box.height : img.naturalHeight * scale;
    const drawn = {left: box.left + (box.width - w) / 2, top: box.top + (box.height - h) / 2};
    drawn.right = drawn.left + w; drawn.bottom = drawn.top + h;
    const problems = [];
    for (let el = img.parentElement; el; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (el !== host && style.overflow === 'visible') { if (el === host) break; continue; }
      const clip = el.getBoundingClientRect();
      const out = ['left', 'top'].some((s) => drawn[s] < clip[s] - 1)
        || ['right', 'bottom'].some((s) => drawn[s] > clip[s] + 1);
      if (out && !(style.overflowY !== 'visible' && el.scrollHeight > el.clientHeight && el !== host))
        problems.push(`image ${i} (${Math.round(w)}×${Math.round(h)}) cut by ${el.className}`);
      if (el === host) break;
    }
    return problems;
  });
}
"""


def shown_images(page: Any, tab_id: str, count: int) -> None:
    page.locator(f"#{tab_id}-results img").nth(count - 1).wait_for(state="visible")
    page.wait_for_function(
        "([sel, n]) => { const imgs = [...document.querySelectorAll(sel)];"
        " return imgs.length >= n && imgs.every((img) => img.complete && img.naturalWidth > 0); }",
        arg=[f"#{tab_id}-results img", count],
    )


def test_square_results_and_a_four_image_grid_are_shown_whole(page):
    fill(page, "text_image-text", "A ceramic teapot on a linen cloth")
    generate(page, "text_image")
    shown_images(page, "text_image", 1)
    assert page.evaluate(CROPPED_JS, "#text_image-results") == []
    page.get_by_text("Generation settings").click()
    set_slider(page, "text_image-number_of_images", 4)
    generate(page, "text_image")
    page.locator("#text_image-status").get_by_text("4 images").wait_for(state="visible")
    shown_images(page, "text_image", 4)
    assert page.locator("#text_image-results img").count() == 4
    assert page.evaluate(CROPPED_JS, "#text_image-results") == []


def test_a_wide_outpaint_result_is_shown_whole(page, served):
    open_tab(page, "Outpaint")
    upload(page, "outpaint-image", sample("landscape.png"))
    page.locator("#outpaint-to-16x9").click()
    page.wait_for_function("() => Number(document.querySelector('#outpaint-left input[type=number]').value) > 0")
    fill(page, "outpaint-text", "Rolling green hills at sunset, wide landscape")
    generate(page, "outpaint")
    shown_images(page, "outpaint", 1)
    width, height = page.evaluate(
        "() => { const img = document.querySelector('#outpaint-results img');"
        " return [img.naturalWidth, img.naturalHeight]; }"
    )
    assert width > height * 1.5, f"the outpaint result is {width}×{height}, not wide"
    assert page.evaluate(CROPPED_JS, "#outpaint-results") == []


# --- 5. errors stay ------------------------------------------------------------------------------

#: Resolves, once `ms` have passed since `start` (the page's Date.now()), with whether `selector` still shows.
STILL_SHOWN_AFTER_JS = """
([selector, start, ms]) => Date.now() - start >= ms
  && {shown: [...document.querySelectorAll(selector)].some((el) => el.offsetParent !== null && el.innerText.trim())}
"""


def near(page: Any, message: str, field: str, *, within: float = 160) -> None:
    """The message's box starts at most `within` px below (or beside) the field's box."""
    said, cause = box(page, message), box(page, field)
    gap = said["y"] - (cause["y"] + cause["height"])
    assert -cause["height"] <= gap <= within, f"{message} is {gap:.0f} px from {field}"


def test_an_empty_prompt_says_why_beside_it_until_the_prompt_changes(page):
    page.locator("#text_image-go").click()
    error = page.locator("#text_image-text-error")
    error.get_by_text("prompt is empty").wait_for(state="visible")
    sentence = error.inner_text()
    assert not sentence.lstrip("⚠ ").startswith("text:"), sentence  # the field's label, not its API name
    assert page.locator('[data-testid="toast-body"]').count() == 0
    near(page, "#text_image-text-error", "#text_image-text")
    start = page.evaluate("() => Date.now()")
    still = page.wait_for_function(STILL_SHOWN_AFTER_JS, arg=["#text_image-text-error", start, 10_000]).json_value()
    assert still == {"shown": True}, "the error went away by itself"
    page.locator("#text_image-text textarea").press_sequentially("A fox")
    error.wait_for(state="hidden")


def test_an_unreadable_upload_says_why_beside_the_input(page, tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("my shopping list, not a picture")
    open_tab(page, "Background removal")
    page.locator("#remove_background-image input[type=file]").set_input_files(str(notes))
    page.locator("#remove_background-go").click()
    said = page.locator(ERRORS).filter(has_text="not a readable image").first
    said.wait_for(state="visible")
    assert said.inner_text().strip() != "Error"
    near(page, f"#{said.get_attribute('id')}", "#remove_background-image")
    upload(page, "remove_background-image", sample("product.png"))
    said.wait_for(state="hidden")  # a new picture is a changed input


# --- 6. nothing to act on, nothing active ----------------------------------------------------------


def enabled(page: Any, selector: str) -> list[bool]:
    return page.eval_on_selector_all(selector, "(els) => els.map((el) => !el.disabled)")


def test_follow_ups_wait_for_a_result_and_history_actions_for_a_selection(page):
    then = "#tab-text_image button.send"
    assert enabled(page, then) and not any(enabled(page, then))
    fill(page, "text_image-text", "A bicycle leaning on a red wall")
    generate(page, "text_image")
    page.wait_for_function(f"() => [...document.querySelectorAll('{then}')].some((b) => !b.disabled)")
    open_tab(page, "History")
    actions = "#history-load, #history-delete, .history-details .send-row button"
    page.locator("#history-gallery button.thumbnail-item").first.wait_for(state="visible")
    assert enabled(page, actions) and not any(enabled(page, actions))
    page.locator("#history-gallery button.thumbnail-item").first.click()
    page.locator("#history-load:not([disabled])").wait_for(state="visible")
    assert all(enabled(page, actions))


# --- 7. switching model ----------------------------------------------------------------------------

SPINNERS = ".wrap.default:not(.hide), .eta-bar, .progress-bar"


def test_switching_model_shows_its_tabs_at_once_and_one_switching_state(page):
    with answers_held(page) as held:  # the server's answer waits until released
        choose_model(page, CORE)
        page.wait_for_function(  # Core can do every task: nothing greyed, before the server has answered
            "() => !document.querySelector('#task-tabs [role=tab][aria-disabled=true]')"
        )
        assert page.locator("[role=status].switching").count() == 1
        assert page.get_by_text("Switching to Stable Image Core").is_visible()
        assert page.locator(SPINNERS).count() == 0, "spinners over the page while the model switches"
        assert held, "the switch asked nothing of the server"
    page.locator("[role=status].switching").wait_for(state="detached")
    page.locator("#model-notice").wait_for(state="hidden")  # Titan v2's "retired" notice went with it
    assert page.locator(SPINNERS).count() == 0


# --- 8. offline start -----------------------------------------------------------------------------


def test_offline_starts_on_an_active_model_and_says_what_the_preview_is(browser, tmp_path):
    """The app as `python app.py --engine offline` starts it (no --model): its own server, once."""
    settings = AppSettings.from_args(["--engine", "offline"], env={})
    folder = offline_settings(tmp_path)
    settings = AppSettings(**{**settings.__dict__, "history_dir": folder.history_dir, "spend": folder.spend,
                              "port": folder.port})  # fmt: skip
    with serving(settings) as started, opened(browser, started.url) as page:
        picked = page.locator("#model-picker input").input_value()
        assert picked.startswith(f"{CORE} · active"), picked
        assert not page.locator("#model-notice").is_visible()
        help_line = page.locator("#engine-banner .banner-help")
        words = help_line.inner_text()
        for said in ("nothing is sent to AWS", "$0", "aws configure"):
            assert said in words
        badge, explained = box(page, "#engine-banner .engine-banner"), box(page, "#engine-banner .banner-help")
        assert explained["x"] >= badge["x"] + badge["width"] - 1, "the explanation is not beside the badge"
        line = float(help_line.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)"))
        assert explained["height"] < 1.5 * line, "the explanation takes more than one line at 1440 px"


# --- 9. plain words --------------------------------------------------------------------------------

#: What the page shows of each component: label, help, placeholder, choice words (not their values), text.
SHOWN_WORDS_JS = """
() => window.gradio_config.components.flatMap((c) => {
  const p = c.props || {}, said = [p.label, p.placeholder, ...(p.choices || []).map((choice) => [choice].flat()[0])];
  if (['markdown', 'html', 'button'].includes(c.type)) said.push(p.value);
  return said.filter((words) => typeof words === 'string').map((words) => [p.elem_id || c.id, words]);
})
"""
HELP_WORDS_JS = """
() => window.gradio_config.components.flatMap((c) => typeof c.props?.info === 'string'
  ? [[c.props.elem_id || c.id, c.props.info]] : [])
"""


def engineer_words(pairs: list[list[str]]) -> list[str]:
    return [f"{where}: {words}" for where, words in pairs if any(word in words for word in API_WORDS)]


def test_labels_and_choices_use_plain_words(untouched):
    assert engineer_words(untouched.evaluate(SHOWN_WORDS_JS)) == []
    visible = untouched.evaluate("() => document.body.innerText")
    assert [word for word in API_WORDS if word in visible] == []


def test_help_lines_use_plain_words(untouched):
    assert engineer_words(untouched.evaluate(HELP_WORDS_JS)) == []


def test_a_greyed_tab_says_why_and_which_model_can_on_hover(untouched):
    upscale = untouched.locator("#task-tabs [role=tab][data-tab-id=upscale]")
    assert upscale.get_attribute("aria-disabled") == "true"  # Titan v2 has no upscaler
    upscale.hover(force=True)
    why = upscale.get_attribute("title") or ""
    assert "not supported by Titan Image Generator v2" in why and "Stable Image" in why and "can" in why


# --- 10. seed -----------------------------------------------------------------------------------------


def test_seed_reads_random_until_typed_and_a_typed_seed_is_used(page, served):
    page.get_by_text("Generation settings").click()
    seed = page.locator("#text_image-seed input")
    seed.wait_for(state="visible")
    assert (seed.input_value(), seed.get_attribute("placeholder")) == ("", "random")
    fill(page, "text_image-text", "A glass of lemonade in the sun")
    generate(page, "text_image")
    assert seed.input_value() == ""  # still random for the next run
    seed.fill("12345")
    seed.blur()
    status = generate(page, "text_image")
    run = newest_run(served)
    assert run.request["seed"] == 12345 and run.outputs[0].seed == 12345 and "seed 12345" in status
    seed.fill("twelve")
    page.locator("#text_image-go").click()
    page.locator("#text_image-error").get_by_text("Seed").wait_for(state="visible")


# --- 11. prices that explain themselves ------------------------------------------------------------


def test_the_price_names_the_service_when_it_is_not_the_picked_model(page):
    choose_model(page, "Stable Image Ultra")
    open_tab(page, "Outpaint")
    page.locator("#outpaint-price").get_by_text("uses Stable Image Outpaint").wait_for(state="visible")
    open_tab(page, "Text to image")
    page.locator("#text_image-price").get_by_text("$").first.wait_for(state="visible")
    assert "uses" not in page.locator("#text_image-price").inner_text()


# --- 12. what image tools are expected to do ------------------------------------------------------


def test_an_edit_result_has_a_before_after_slider(page):
    open_tab(page, "Background removal")
    upload(page, "remove_background-image", sample("product.png"))
    generate(page, "remove_background")
    slider = page.locator("#remove_background-compare")
    slider.wait_for(state="visible")
    slider.locator("img").nth(1).wait_for(state="visible")  # the picture before and the cut-out after


def test_then_moves_the_result_into_each_tab_keeping_the_prompt(page, served):
    choose_model(page, CORE)  # a model with an upscaler
    prompt = "A copper kettle on a stove, warm light"
    fill(page, "text_image-text", prompt)
    generate(page, "text_image")
    for words, tab_id, label in [
        ("Vary", "variation", "Variation"),
        # Edit (into Inpaint's editor) is test_browser's test_edit_moves_the_result_into_inpaint: here, after it,
        # headless Chromium's software WebGL stalls the page's main thread for minutes (the tab bar never settles).
        ("Extend", "outpaint", "Outpaint"),
        ("Remove background", "remove_background", "Background removal"),
        ("Upscale", "upscale", "Upscale"),
    ]:
        open_tab(page, "Text to image")
        page.locator(f"#text_image-then-{tab_id}").click()
        tab_is(page, label)
        page.locator(f"#tab-{tab_id} img, #tab-{tab_id} canvas").first.wait_for(state="visible")
        prompts = page.locator(f"#tab-{tab_id} textarea")
        if prompts.count():
            assert prompt in prompts.evaluate_all("(boxes) => boxes.map((box) => box.value)"), words


def test_compare_runs_two_models_side_by_side_with_price_and_time(page, served):
    open_tab(page, "Compare")
    page.locator("#compare-models input").first.wait_for(state="visible")  # a tab's content shows when first opened
    checked = page.locator("#compare-models input:checked")
    assert checked.count() == 2
    fill(page, "compare-text", "A red bicycle in the rain")
    page.locator("#compare-seed input").fill("777")
    page.locator("#compare-go").click()
    shown_images(page, "compare", 2)
    first, second = (page.locator("#compare-results img").nth(i).bounding_box() for i in (0, 1))
    assert abs(first["y"] - second["y"]) < 2 and first["x"] != second["x"], "not side by side"
    lines = page.locator("#compare-status li").all_inner_texts()
    assert len(lines) == 2 and all(re.search(r"\d+\.\d s · .*\$", line) for line in lines), lines
    assert [run.outputs[0].seed for run in served.history.runs(None, limit=2)] == [777, 777]


def test_ctrl_enter_generates_and_escape_stops(page, served):
    prompt = page.locator("#text_image-text textarea")
    prompt.fill("A snail on a leaf, macro")
    prompt.press("Control+Enter")
    page.locator("#text_image-status").get_by_text("image").first.wait_for(state="visible")
    assert newest_run(served).prompt == "A snail on a leaf, macro"
    held: list[Any] = []
    page.route("**/gradio_api/queue/join*", lambda route: held.append(route))  # this run stays on its way to the server
    prompt.fill("A slow snail")
    prompt.press("Meta+Enter")
    page.locator("#text_image-stop").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#text_image-error").get_by_text("Stopped.").wait_for(state="visible")
    page.locator("#text_image-stop").wait_for(state="hidden")
    for route in held:
        route.abort()


def test_history_previews_the_selected_run_with_distinct_captions_and_a_named_download(page):
    for prompt in ("A lighthouse in fog", "A lantern in snow"):
        fill(page, "text_image-text", prompt)
        generate(page, "text_image")
    query = page.locator("#history-query textarea, #history-query input").first
    with answers_held(page):
        with page.expect_request("**/gradio_api/run/predict"):
            open_tab(page, "History")  # its listing is on its way ...
        query.fill("in fog")
        query.press("Enter")  # ... while the search is typed: the search must still apply
    captions = page.locator("#history-gallery .caption-label")
    page.wait_for_function(  # the search applied (both runs showed before it)
        "() => { const said = [...document.querySelectorAll('#history-gallery .caption-label')];"
        " return said.length === 1 && said[0].innerText.includes('in fog'); }"
    )
    query.fill("")
    query.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#history-gallery .caption-label').length >= 2")
    said = captions.all_inner_texts()
    assert len(set(said)) == len(said), f"captions repeat: {said}"
    assert any("Text to image" in words and "A lantern in snow" in words for words in said), said
    page.locator("#history-gallery button.thumbnail-item").first.click()
    page.locator("#history-preview img").wait_for(state="visible")
    with page.expect_download() as downloading:
        page.locator("#history-png").click()
    seed = page.locator("#history-summary").inner_text().split("seed ")[1].split()[0]
    assert downloading.value.suggested_filename == f"text-to-image-{seed}.png"


SIDES_JS = (
    "['left', 'right', 'top', 'bottom']"
    ".map((side) => Number(document.querySelector(`#outpaint-${side} input[type=number]`).value))"
)


@pytest.mark.parametrize(("ratio", "shape"), [("16x9", 16 / 9), ("1x1", 1.0), ("4x5", 4 / 5)])
def test_outpaint_presets_set_the_sides_to_the_ratio(page, tmp_path, ratio, shape):
    open_tab(page, "Outpaint")
    upload(page, "outpaint-image", str(save_png(rgb_image(600, 400), tmp_path / "wide.png")))
    page.locator(f"#outpaint-to-{ratio}").click()
    page.wait_for_function(f"() => {SIDES_JS}.some((pixels) => pixels > 0)")
    left, right, top, bottom = page.evaluate(f"() => {SIDES_JS}")
    width, height = 600 + left + right, 400 + top + bottom
    assert abs(width / height - shape) < 0.01, (left, right, top, bottom)
