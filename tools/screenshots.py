"""`python -m tools.screenshots`: the README's pictures of the playground, taken from the real page.

Starts the app in this process on the offline engine (its history and spending in a temporary
folder, nothing in the user's home), opens every tab in headless Chromium at 1440×900 and at
390×844 and saves `<out>/<tab>-<width>.png`, then shoots the flows the README shows at
1440×900: a text-to-image result, an inpaint with its painted mask, an outpaint with its
canvas preview, a colour-guided result, History with those runs (`<tab>-result-1440.png`) and
the model picker open (`model_picker-1440.png`).

    python -m tools.screenshots                      # into docs/screenshots/
    python -m tools.screenshots --out /tmp/shots --model amazon.nova-canvas-v1:0

Needs Debian's `chromium` and Playwright for Python. The tests never write screenshots.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from titan import DEFAULT_MODEL_ID, MODELS, get_model, request_types
from ui.samples import sample

from .browser import (
    PHONE,
    WIDE,
    choose_model,
    chromium,
    fill,
    generate,
    offline_settings,
    open_tab,
    opened,
    paint_stroke,
    serving,
    settle,
    upload,
    upload_to_editor,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
#: Colour-guided generation from a palette is the Titan family's own (Stability only approximates it,
#: with a service the offline preview does not run), so its flow is shot on Nova Canvas.
PALETTE_MODEL = "amazon.nova-canvas-v1:0"


def tabs(model: str) -> list[tuple[str, str]]:
    """(tab id, label) of every tab `model` can open (the others are greyed out), History last."""
    spec = get_model(model)
    doable = [(kind.api_name, kind.label) for kind in request_types() if spec.supports(kind.task)]
    return [*doable, ("history", "History")]


def shoot(page: Any, path: Path) -> Path:
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    return path


def shoot_tabs(browser: Any, url: str, out: Path, viewport: dict[str, int], model: str) -> list[Path]:
    """Every tab the model can open, freshly opened, at `viewport`."""
    made = []
    with opened(browser, url, viewport) as page:
        for tab_id, label in tabs(model):
            open_tab(page, label)
            made.append(shoot(page, out / f"{tab_id}-{viewport['width']}.png"))
    return made


def pick_model(page: Any, model_id: str) -> None:
    choose_model(page, get_model(model_id).name)


def shoot_flows(browser: Any, url: str, out: Path) -> list[Path]:
    """Results as a person gets them: text to image, inpaint, outpaint, colour guided; History; the picker."""
    width = WIDE["width"]
    made = []
    with opened(browser, url) as page:
        fill(page, "text_image-text", "A lighthouse on a rocky coast at dawn, watercolor, soft pastel light")
        generate(page, "text_image")
        made.append(shoot(page, out / f"text_image-result-{width}.png"))

        open_tab(page, "Inpaint")
        upload_to_editor(page, "inpaint-editor", sample("still_life.png"))
        paint_stroke(page, "inpaint-editor")
        page.locator(".mask-preview img").wait_for(state="visible")
        fill(page, "inpaint-prompt", "A bowl of green apples on a wooden table, soft daylight")
        generate(page, "inpaint")
        made.append(shoot(page, out / f"inpaint-result-{width}.png"))

        open_tab(page, "Outpaint")
        upload(page, "outpaint-image", sample("landscape.png"))
        page.locator("#outpaint-to-16x9").click()
        page.locator(".canvas-preview img").wait_for(state="visible")
        fill(page, "outpaint-text", "Rolling green hills at sunset, wide landscape")
        generate(page, "outpaint")
        made.append(shoot(page, out / f"outpaint-result-{width}.png"))
    with opened(browser, url) as page:
        open_tab(page, "Color guided")
        pick_model(page, PALETTE_MODEL)
        fill(page, "color_guided-text", "A calm living room interior, soft daylight, wide shot")
        generate(page, "color_guided")
        made.append(shoot(page, out / f"color_guided-result-{width}.png"))
    with opened(browser, url) as page:
        open_tab(page, "History")
        first = page.locator("#history-gallery button.thumbnail-item").first
        first.click()
        page.locator("#history-load:not([disabled])").wait_for(state="visible")
        made.append(shoot(page, out / f"history-result-{width}.png"))
        page.locator("#model-picker input").click()
        page.get_by_role("option").first.wait_for(state="visible")
        made.append(shoot(page, out / f"model_picker-{width}.png"))
    return made


def take(out: Path, model: str) -> list[Path]:
    """Serve the app offline on `model`, shoot every tab at both widths and the flows into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="titan-screenshots-") as folder:
        settings = offline_settings(Path(folder), model=model)
        with serving(settings) as served, chromium() as browser:
            made = [
                path for viewport in (WIDE, PHONE) for path in shoot_tabs(browser, served.url, out, viewport, model)
            ]
            return made + shoot_flows(browser, served.url, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder to write into (default: %(default)s)")
    parser.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL_ID, help="model picked at start")
    args = parser.parse_args(argv)
    made = take(args.out, args.model)
    print(f"{len(made)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
