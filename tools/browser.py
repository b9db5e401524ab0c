"""The playground in headless Chromium: the app served in-process, Debian's `chromium` driven by
Playwright, and the page actions the browser tests and `tools.screenshots` share.

Every action waits for the condition it needs (a locator, a function on the page) and never
sleeps; `TIMEOUT_MS` is a ceiling for a slow, busy machine, not a delay.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from titan import History, TitanClient, open_store
from ui import AppSettings, build_app, launch_options

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 120_000
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
#: An error shown by a tab (its error line) or by Gradio (a toast).
ERRORS = '.error-box:visible, [data-testid="toast-body"].error'


def chromium_path() -> str | None:
    """Debian's chromium (Playwright's own browser download is not reachable here)."""
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    """An app running in this process: its address, its Blocks, the History it writes and its settings."""

    url: str
    demo: Any
    history: History
    settings: AppSettings


def offline_settings(folder: Path, **overrides: Any) -> AppSettings:
    """Settings for an app on the offline engine that keeps everything (history, spending) under `folder`."""
    values: dict[str, Any] = {
        "engine": "offline",
        "history_dir": folder / "history",
        "spend": str(folder / "spend.json"),
        "port": free_port(),
    }
    return AppSettings(**(values | overrides))


@contextmanager
def serving(settings: AppSettings, *, client: TitanClient | None = None, **build_options: Any) -> Iterator[Served]:
    """Build the app from `settings` (on `client` when given; `build_options` go to `build_app`),
    launch it in this process, close it after. History's index lives beside the history folder,
    never in the user's cache.
    """
    folder = Path(settings.history_location())
    history = History(open_store(folder), index_dir=folder.parent / "history-index")
    if client is None:
        client = TitanClient(engine=settings.engine, model_id=settings.model, region=settings.region)
    demo = build_app(settings, client=client, history=history, **build_options)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_options(settings, demo))
    try:
        yield Served(url, demo, history, settings)
    finally:
        demo.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's `Browser`) with a home of its own, closed after."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="titan-chromium-") as home, sync_playwright() as playwright:
        # Chromium keeps crash-report settings and a dconf cache under HOME: give it its own.
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_CACHE_HOME": f"{home}/cache"}
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, env=env)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def opened(browser: Any, url: str, viewport: dict[str, int] = WIDE) -> Iterator[Any]:
    """A fresh page (its own context: cookies, storage, Gradio session) on the app, loaded."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(url)
        page.locator("#task-tabs").wait_for(state="visible")
        page.locator("#model-picker").wait_for(state="visible")
        yield page
    finally:
        context.close()


#: Clicks the tab named `label` where it shows now (the bar, or the "More tabs" menu's entry) until it is
#: the selected one. One step in the page, since the bar may lay itself out again between two steps from here.
OPEN_TAB_JS = """
(label) => {
  const named = (selector) => [...document.querySelectorAll(selector)].filter((el) => el.innerText.trim() === label);
  if (named('#task-tabs [role=tab][aria-selected=true]').length) return true;
  const inBar = named('#task-tabs [role=tab]').find((tab) => tab.offsetParent !== null);
  (inBar || named('#task-tabs .overflow-dropdown button')[0])?.click();
  return false;
}
"""


def open_tab(page: Any, label: str) -> None:
    """Select the tab named `label`, from the tab bar or, when the bar is too narrow, its "More tabs" menu.

    The bar decides what overflows only after it is laid out (and again when its width changes), so the
    choice between the bar and the menu is made in the page, at the moment of the click, and retried.
    """
    page.wait_for_function(OPEN_TAB_JS, arg=label, polling=100)


def choose_model(page: Any, name: str) -> None:
    """Pick the model whose label starts with `name` and wait until the picker shows it."""
    page.locator("#model-picker input").click()
    page.get_by_role("option", name=name).first.click()
    page.wait_for_function("(name) => document.querySelector('#model-picker input')?.value.startsWith(name)", arg=name)


def selected_tab(page: Any) -> str:
    return page.locator("#task-tabs [role=tab][aria-selected=true]").first.inner_text().strip()


def upload(page: Any, elem_id: str, files: str | list[str]) -> None:
    """Put `files` into the file input of `#elem_id` and wait until every picture shows."""
    page.locator(f"#{elem_id} input[type=file]").set_input_files(files)
    count = len(files) if isinstance(files, list) else 1
    page.locator(f"#{elem_id} img").nth(count - 1).wait_for(state="visible")


def upload_to_editor(page: Any, elem_id: str, file: str) -> None:
    """Put `file` into the image editor `#elem_id` and wait until it is drawn (its upload can be undone) and
    the page has sent the event the new picture causes (Inpaint's mask preview), so a stroke painted next
    is not folded into it."""
    page.locator(f"#{elem_id} canvas").first.wait_for(state="visible")  # the editor is ready to take a picture
    with page.expect_request(lambda request: request.url.split("?")[0].endswith("/gradio_api/queue/join")):
        page.locator(f"#{elem_id} input[type=file]").set_input_files(file)
        page.locator(f"#{elem_id} button[aria-label=Undo]:not([disabled])").wait_for(state="visible")


@contextmanager
def answers_held(page: Any, url: str = "**/gradio_api/run/predict") -> Iterator[list[Any]]:
    """Requests to `url` wait on their way to the server until the block ends, then go on in the order asked.

    Yields the requests held so far. Held routes are let go one by one, never by `unroute` (which let
    Playwright handle them itself: continuing one then failed with "Route is already handled").
    """
    held: list[Any] = []
    releasing = False

    def hold(route: Any) -> None:
        route.continue_() if releasing else held.append(route)

    page.route(url, hold)
    try:
        yield held
    finally:
        releasing = True
        for route in held:
            route.continue_()


def set_slider(page: Any, elem_id: str, value: int) -> None:
    """Type `value` into the slider `#elem_id`'s number box until both its boxes hold it.

    A number typed just after its accordion opened was sometimes dropped (both boxes kept the old
    value for minutes), so the typing is repeated, each try given a few seconds, within the usual timeout.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    number = page.locator(f"#{elem_id} input[type=number]")
    held = "(args) => [...document.querySelectorAll(`#${args[0]} input`)].every((box) => box.value === args[1])"
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        number.fill(str(value))
        number.press("Enter")
        number.blur()
        try:
            page.wait_for_function(held, arg=[elem_id, str(value)], timeout=5_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise


def fill(page: Any, elem_id: str, text: str) -> None:
    """Type `text` into the text box `#elem_id` and leave it (the live price listens for blur)."""
    box = page.locator(f"#{elem_id} textarea, #{elem_id} input").first
    box.fill(text)
    box.blur()


def paint_stroke(page: Any, elem_id: str, *, at: tuple[float, float] = (0.3, 0.6), moves: int = 3) -> None:
    """Upload-ready editor `#elem_id`: brush a short stroke from `at` (fractions of the picture's width and
    height) towards the right, in `moves` pointer moves."""
    canvas = page.locator(f"#{elem_id} canvas").first
    canvas.wait_for(state="visible")
    page.get_by_label("Brush", exact=True).first.click()
    box = canvas.bounding_box()
    assert box is not None, "the editor's canvas has no size"
    x, y = box["x"] + box["width"] * at[0], box["y"] + box["height"] * at[1]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, moves + 1):  # each move redraws the canvas, slowly without a GPU: a few are enough
        page.mouse.move(x + step * box["width"] * 0.24 / moves, y + (step % 2) * 8)
    page.mouse.up()


MASK_PREVIEW = ".mask-preview img"


@contextmanager
def mask_preview_changes(page: Any) -> Iterator[None]:
    """Wait, after the block, until Inpaint's mask preview shows a new mask (the strokes painted in the block)."""
    shown = page.locator(MASK_PREVIEW)
    before = shown.get_attribute("src") if shown.count() else None
    yield
    page.wait_for_function(
        "([selector, before]) => { const image = document.querySelector(selector);"
        " return image !== null && image.getAttribute('src') !== before && image.complete; }",
        arg=[MASK_PREVIEW, before],
    )


def generate(page: Any, tab_id: str) -> str:
    """Click the tab's Generate and wait for its new images (or an error, raised with its words); the status line."""
    shown = page.locator(f"#{tab_id}-results img")
    before = shown.first.get_attribute("src") if shown.count() else None
    page.locator(f"#{tab_id}-go").click()
    fresh = page.locator(f'#{tab_id}-results img:not([src="{before}"])') if before else shown
    done = fresh.first.or_(page.locator(ERRORS).first)
    done.wait_for(state="visible")
    raise_shown_error(page)
    status = page.locator(f"#{tab_id}-status")
    status.get_by_text("image").first.wait_for(state="visible")
    fresh.first.wait_for(state="visible")
    fresh.first.evaluate(  # a large picture (Upscale's) is still loading when its element shows
        "(img) => img.complete && img.naturalWidth > 0 ||"
        " new Promise((loaded) => img.addEventListener('load', loaded, { once: true }))"
    )
    return status.inner_text()


def raise_shown_error(page: Any) -> None:
    errors = page.locator(ERRORS)
    if errors.count():
        raise AssertionError(f"the page shows an error: {errors.first.inner_text()}")


def settle(page: Any) -> None:
    """Before a screenshot: no pointer hover, no progress bar, fonts loaded."""
    page.mouse.move(0, 0)
    page.locator(".progress-bar, .eta-bar").first.wait_for(state="detached")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
