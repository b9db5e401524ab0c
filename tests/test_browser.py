"""The real page in headless Chromium (Debian's `chromium`, driven by Playwright).

One app server and one browser for the whole session; each test opens its own page (its own
browser context and Gradio session), so no test depends on another or on their order. Every
step waits for the condition it needs; the timeout is a ceiling, never a pause. Screenshots
are not taken here: `python -m tools.screenshots` makes them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui_fixtures import rgb_image, save_png
from titan import get_model, request_types
from tools.browser import (
    ERRORS,
    choose_model,
    chromium_path,
    fill,
    generate,
    open_tab,
    paint_stroke,
    raise_shown_error,
    selected_tab,
    upload,
    upload_to_editor,
)
from ui.samples import sample

pytestmark = pytest.mark.browser

if chromium_path() is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")


def newest_run(served: Any) -> Any:
    return served.history.runs(None, limit=1)[0]


def test_page_shows_banner_model_picker_and_every_tab(page, served):
    assert "Offline preview" in page.locator("#engine-banner").inner_text()
    assert page.locator("#model-picker").is_visible()
    titan = get_model(served.settings.model)
    doable = [kind.label for kind in request_types() if titan.supports(kind.task)]  # the others are greyed out
    for label in [*doable, "History"]:
        open_tab(page, label)
        assert selected_tab(page) == label


def test_text_image_generates_from_a_prompt(page, served):
    fill(page, "text_image-text", "An image of a lighthouse on a rocky coast at dawn, watercolor, soft pastel light")
    status = generate(page, "text_image")
    assert "1 image" in status and "seed" in status
    assert "lighthouse" in newest_run(served).prompt


def test_inpaint_paints_a_mask_and_generates(page, served, tmp_path):
    open_tab(page, "Inpaint")
    small = save_png(rgb_image(320, 320), tmp_path / "small.png")  # the editor redraws slowly without a GPU
    upload_to_editor(page, "inpaint-editor", str(small))
    paint_stroke(page, "inpaint-editor")
    page.locator(".mask-preview img").wait_for(state="visible")  # the mask that will be sent
    fill(page, "inpaint-prompt", "A bowl of green apples on a wooden table, soft daylight")
    generate(page, "inpaint")
    run = newest_run(served)
    assert run.task == "INPAINTING" and run.request["mask_image"].startswith("@inputs/")


def test_outpaint_previews_the_canvas_and_extends(page, served):
    open_tab(page, "Outpaint")
    upload(page, "outpaint-image", sample("landscape.png"))
    for side in ("left", "right"):
        number = page.locator(f"#outpaint-{side} input[type=number]")
        number.fill("256")
        number.press("Enter")
    page.locator(".canvas-preview img").wait_for(state="visible")
    fill(page, "outpaint-text", "Rolling green hills at sunset, wide landscape")
    generate(page, "outpaint")
    run = newest_run(served)
    assert (run.request["left"], run.request["right"]) == (256, 256)


def test_variation_takes_two_pictures(page, served):
    open_tab(page, "Variation")
    upload(page, "variation-images", [sample("still_life.png"), sample("product.png")])
    generate(page, "variation")
    assert len(newest_run(served).request["images"]) == 2


def test_color_guided_takes_a_picked_colour(page, served):
    open_tab(page, "Color guided")
    palette = page.locator("#color-palette")
    before = palette.locator("input.hex").count()
    palette.get_by_text("+ Add colour").click()
    added = palette.locator("input.hex").nth(before)
    added.wait_for(state="visible")
    added.fill("#c0392b")
    added.press("Tab")  # leaving the box commits it (its change event)
    fill(page, "color_guided-text", "A calm living room interior, soft daylight, wide shot")
    generate(page, "color_guided")
    colors = newest_run(served).request["colors"]
    assert len(colors) == before + 1 and colors[-1] == "#C0392B"


def test_background_removal_offers_the_png(page):
    open_tab(page, "Background removal")
    upload(page, "remove_background-image", sample("product.png"))
    generate(page, "remove_background")
    page.get_by_text("Download PNG").wait_for(state="visible")


def test_edit_moves_the_result_into_inpaint(page):
    fill(page, "text_image-text", "A red bucket on a beach")
    generate(page, "text_image")
    page.locator("#text_image-then-inpaint").click()
    page.wait_for_function(
        "() => document.querySelector('#task-tabs [role=tab][aria-selected=true]')?.innerText.trim() === 'Inpaint'"
    )
    page.locator("#inpaint-editor canvas").first.wait_for(state="visible")
    fill(page, "inpaint-prompt", "A yellow bucket")
    raise_shown_error(page)


def test_model_picker_enables_only_what_the_model_supports(page):
    open_tab(page, "Color guided")
    choose_model(page, "Titan Image Generator v1")
    page.get_by_text("Color guided is not supported by Titan Image Generator v1").wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#color_guided-go').disabled")
    choose_model(page, "Titan Image Generator v2")
    page.wait_for_function("() => !document.querySelector('#color_guided-go').disabled")
    assert page.locator(ERRORS).count() == 0


def test_model_picker_greys_out_the_tabs_a_family_cannot_do(page):
    recolor = "#task-tabs [role=tab][data-tab-id=search_recolor]"
    greyed = f"() => document.querySelector('{recolor}')?.getAttribute('aria-disabled') === 'true'"
    page.wait_for_function(greyed)  # Search and recolor is Stability's alone
    choose_model(page, "Stable Image Core")
    page.wait_for_function("() => !document.querySelector('#task-tabs [role=tab][aria-disabled=true]')")
    page.locator("#text_image-note").get_by_text("aspect ratio").first.wait_for(state="visible")
    choose_model(page, "Titan Image Generator v2")
    page.wait_for_function(greyed)


def test_request_panel_shows_the_call_to_send_again(page):
    fill(page, "text_image-text", "A paper lantern")
    generate(page, "text_image")
    results = page.locator("#text_image-results").locator("xpath=ancestor::div[contains(@class,'task-row')]")
    results.get_by_text("Request", exact=True).click()
    snippet = results.get_by_text("invoke_model").first
    snippet.wait_for(state="visible")


def test_history_loads_the_settings_back(page):
    prompt = "A paper boat on a quiet pond at dusk, soft watercolor"
    fill(page, "text_image-text", prompt)
    generate(page, "text_image")
    fill(page, "text_image-text", "")
    open_tab(page, "History")
    page.locator("#history-query input, #history-query textarea").first.fill("paper boat")
    page.locator("#history-query input, #history-query textarea").first.press("Enter")
    first = page.locator("#history-gallery button.thumbnail-item").first
    first.wait_for(state="visible")
    first.click()
    page.locator("#history-summary").get_by_text(prompt).wait_for(state="visible")
    page.locator("#history-load").click()
    page.wait_for_function(
        "() => document.querySelector('#task-tabs [role=tab][aria-selected=true]')?.innerText.trim() === "
        "'Text to image'"
    )
    page.wait_for_function("(p) => document.querySelector('#text_image-text textarea').value === p", arg=prompt)
    raise_shown_error(page)


STABILITY_OWN_TASKS = [
    ("search_recolor", {"select_prompt": "the square", "text": "a bright red square"}, ["image"]),
    ("style_guide", {"text": "A lighthouse on a cliff, in this style"}, ["image"]),
    ("style_transfer", {"text": "A quiet harbour"}, ["image", "style_image"]),
    ("upscale", {}, ["image"]),  # the fast upscaler (the default) takes no prompt: its box is disabled
]


@pytest.mark.parametrize(("tab_id", "words", "pictures"), STABILITY_OWN_TASKS, ids=[t[0] for t in STABILITY_OWN_TASKS])
def test_stabilitys_own_tasks_run_from_their_tabs(page, served, tmp_path, tab_id, words, pictures):
    kind = next(kind for kind in request_types() if kind.task.lower() == tab_id)
    choose_model(page, "Stable Image Core")
    open_tab(page, kind.label)
    for name in pictures:
        upload(page, f"{tab_id}-{name}", str(save_png(rgb_image(256, 256), tmp_path / f"{name}.png")))
    for name, text in words.items():
        fill(page, f"{tab_id}-{name}", text)
    status = generate(page, tab_id)
    run = newest_run(served)
    assert run.task == kind.task and "image" in status
    assert page.locator(f"#{tab_id}-results img").first.evaluate("(img) => img.naturalWidth") > 0
