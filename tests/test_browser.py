"""The real page in headless Chromium (Debian's `chromium`, driven by Playwright).

Visits every tab, generates on Text to image, paints a mask and inpaints, picks colours
and runs Color guided, and saves one screenshot per tab into docs/screenshots/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ui_fixtures import launched_app
from ui.samples import sample

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TIMEOUT = 30_000

if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with launched_app(tmp_path_factory.mktemp("browser")) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.wait_for_selector("#task-tabs")
        yield page
        browser.close()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(300)


def generate_and_wait(page, task: str) -> None:
    """Click the task's primary button and wait for its gallery to show images."""
    page.locator(f"#{task}-go").click()
    page.locator(f"#{task}-results img").first.wait_for(state="visible")
    page.wait_for_timeout(400)
    assert_no_error(page)


def assert_no_error(page) -> None:
    errors = page.locator('[data-testid="toast-body"].error')
    assert errors.count() == 0, errors.first.inner_text()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_page_shows_banner_model_picker_and_every_tab(page):
    assert "Offline preview" in page.locator("#engine-banner").inner_text() or "not Titan output" in page.content()
    assert page.locator("#model-picker").is_visible()
    for name in ("Text to image", "Inpaint", "Outpaint", "Image variation", "Color guided", "Background removal"):
        assert page.get_by_role("tab", name=name, exact=True).is_visible()


def test_text_image_generates(page):
    open_tab(page, "Text to image")
    page.locator("#text_image-prompt textarea").fill(
        "An image of a lighthouse on a rocky coast at dawn, watercolor, soft pastel light"
    )
    generate_and_wait(page, "text_image")
    assert "seed" in page.locator("#text_image-results").inner_text()
    shoot(page, "text_image")


def test_inpaint_paints_a_mask_and_generates(page):
    open_tab(page, "Inpaint")
    page.locator("#inpaint-editor input[type=file]").set_input_files(sample("still_life.png"))
    canvas = page.locator("#inpaint-editor canvas").first
    canvas.wait_for(state="visible")
    page.wait_for_timeout(800)
    page.get_by_label("Brush", exact=True).first.click()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.28, box["y"] + box["height"] * 0.62
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 5):  # a short stroke across the bowl; each move redraws the canvas
        page.mouse.move(x + step * box["width"] * 0.04, y + (step % 2) * 6, steps=2)
    page.mouse.up()
    preview = page.locator(".mask-preview img")
    preview.wait_for(state="visible")
    page.locator("#inpaint-prompt textarea").fill("A bowl of green apples on a wooden table, soft daylight")
    generate_and_wait(page, "inpaint")
    shoot(page, "inpaint")


def test_outpaint_previews_the_canvas(page):
    open_tab(page, "Outpaint")
    page.locator("#outpaint-image input[type=file]").set_input_files(sample("landscape.png"))
    page.locator("#outpaint-image img").first.wait_for(state="visible")
    for side in ("left", "right"):
        number = page.locator(f"#outpaint-{side} input[type=number]")
        number.fill("256")
        number.press("Enter")
    page.locator(".canvas-preview img").wait_for(state="visible")
    page.locator("#outpaint-prompt textarea").fill("Rolling green hills at sunset, wide landscape")
    generate_and_wait(page, "outpaint")
    shoot(page, "outpaint")


def test_variation_tab(page):
    open_tab(page, "Image variation")
    page.locator("#variation-images input[type=file]").set_input_files(
        [sample("still_life.png"), sample("product.png")]
    )
    page.locator("#variation-images img").nth(1).wait_for(state="visible")
    generate_and_wait(page, "variation")
    shoot(page, "variation")


def test_color_guided_picks_colors_and_generates(page):
    open_tab(page, "Color guided")
    page.locator("#color-add").click()
    page.locator("#color-5").wait_for(state="visible")
    page.locator("#color-5 button.dialog-button").click()
    hex_input = page.locator("#color-5 .color-picker input[type=text]")
    hex_input.fill("#C0392B")
    hex_input.press("Enter")
    page.locator("#color_guided-prompt textarea").click()  # closes the picker
    palette = page.locator("#color-palette textarea, #color-palette input").first
    palette_has = (
        "(hex) => document.querySelector('#color-palette textarea, #color-palette input')?.value.includes(hex)"
    )
    page.wait_for_function(palette_has, arg="#C0392B")
    assert palette.input_value().count("#") == 5
    page.locator("#color_guided-prompt textarea").fill("A calm living room interior, soft daylight, wide shot")
    generate_and_wait(page, "color_guided")
    shoot(page, "color_guided")


def test_background_removal_tab(page):
    open_tab(page, "Background removal")
    page.locator("#remove_background-image input[type=file]").set_input_files(sample("product.png"))
    page.locator("#remove_background-image img").first.wait_for(state="visible")
    generate_and_wait(page, "remove_background")
    shoot(page, "remove_background")


def test_send_to_inpaint_moves_the_result_and_switches_tab(page):
    open_tab(page, "Text to image")
    page.locator("#text_image-results img").first.wait_for(state="visible")
    page.locator("#text_image-send-inpaint").click()
    page.wait_for_function(
        "() => document.querySelector('[role=tab][aria-selected=true]')?.innerText.trim() === 'Inpaint'"
    )
    page.locator("#inpaint-editor canvas").first.wait_for(state="visible")
    assert_no_error(page)


def test_model_picker_enables_only_what_the_model_supports(page):
    open_tab(page, "Color guided")
    choose_model(page, "Titan Image Generator v1")
    notice = page.get_by_text("Color guided is not supported by Titan Image Generator v1")
    notice.wait_for(state="visible")
    assert page.locator("#color_guided-go").is_disabled()
    shoot(page, "unsupported_model")
    choose_model(page, "Titan Image Generator v2")
    page.wait_for_function("() => !document.querySelector('#color_guided-go').disabled")


def choose_model(page, name: str) -> None:
    page.locator("#model-picker input").click()
    page.get_by_role("option", name=name).first.click()
    page.wait_for_timeout(500)


def test_settings_and_request_panel(page):
    open_tab(page, "Text to image")
    tab = page.locator("#text_image-results").locator("xpath=ancestor::div[contains(@class,'task-row')]")
    tab.get_by_text("Generation settings", exact=True).click()
    tab.get_by_text("Request", exact=True).click()
    page.get_by_text("Reproduce with boto3").first.wait_for(state="visible")
    assert "invoke_model" in tab.inner_text()
    shoot(page, "settings_and_request")


def test_model_picker_shows_states_and_greys_out_what_stability_cannot_do(page):
    open_tab(page, "Text to image")
    choose_model(page, "Stable Image Core")
    # The Color guided tab is greyed out (aria-disabled) while Stability is picked.
    disabled_tab = "() => document.querySelector('[role=tab][aria-disabled=true]')?.innerText.includes('Color')"
    page.wait_for_function(disabled_tab)
    page.locator("#text_image-note").get_by_text("aspect ratio").first.wait_for(state="visible")
    page.locator("#model-picker input").click()
    page.get_by_role("option", name="Titan Image Generator v2").first.wait_for(state="visible")
    shoot(page, "model_picker")
    page.get_by_role("option", name="Titan Image Generator v2").first.click()
    page.wait_for_function("() => !document.querySelector('[role=tab][aria-disabled=true]')")


def test_history_loads_the_settings_back(page):
    prompt = "A paper boat on a quiet pond at dusk, soft watercolor"
    open_tab(page, "Text to image")
    page.locator("#text_image-prompt textarea").fill(prompt)
    generate_and_wait(page, "text_image")
    page.locator("#text_image-prompt textarea").fill("")
    open_tab(page, "History")
    first = page.locator("#history-gallery button.thumbnail-item").first
    first.wait_for(state="visible")
    first.click()
    page.locator("#history-summary").get_by_text(prompt).wait_for(state="visible")
    shoot(page, "history")
    page.locator("#history-load").click()
    page.wait_for_function(
        "() => document.querySelector('[role=tab][aria-selected=true]')?.innerText.trim() === 'Text to image'"
    )
    page.wait_for_function("(p) => document.querySelector('#text_image-prompt textarea').value === p", arg=prompt)
    assert_no_error(page)
