"""Issue 13 point 1 in headless Chromium: does using the Inpaint canvas slow the rest of the page down?

Serves the playground in this process on the offline engine (as `python app.py --engine offline`
starts it: the default model), opens it at 1440×900 and times click→image for text to image:
`--runs` times on the fresh page, then again on the same page after uploading a picture to
Inpaint and painting `--strokes` strokes over it (as a person paints: each stroke once the mask
preview shows the one before). The first run of each side warms up and is not counted. Prints
both medians and their ratio (target: ≤ 1.3×). Nothing is asserted: this is a figure for the
closing note.

    python bench/canvas.py [--runs 5] [--strokes 20] [--picture assets/samples/still_life.png]

Click→image is measured in the page: from the click on Generate to the new result picture
decoded (`performance.now()` on both ends), so Playwright's own round trips do not count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.browser import (
    chromium,
    fill,
    mask_preview_changes,
    offline_settings,
    open_tab,
    opened,
    paint_stroke,
    serving,
    upload_to_editor,
)
from ui.samples import sample

PROMPT = "A red fox in a snowy forest, soft morning light"

#: Resolves with the milliseconds from the click on Generate to a new, decoded result picture.
CLICK_TO_IMAGE_JS = """
([tabId, before]) => new Promise((resolve) => {
  const started = performance.now();
  const done = () => {
    const image = document.querySelector(`#${tabId}-results img`);
    if (image && image.src !== before && image.complete && image.naturalWidth > 0) {
      resolve(performance.now() - started);
      return true;
    }
    return false;
  };
  const watch = () => { if (!done()) requestAnimationFrame(watch); };
  document.querySelector(`#${tabId}-go`).click();
  requestAnimationFrame(watch);
})
"""


def click_to_image_ms(page: Any, tab_id: str = "text_image") -> float:
    """One Generate on `tab_id`, timed in the page from the click to the new picture decoded."""
    shown = page.locator(f"#{tab_id}-results img").first
    before = shown.get_attribute("src") if shown.count() else None
    return float(page.evaluate(CLICK_TO_IMAGE_JS, [tab_id, before]))


def timed_runs(page: Any, runs: int) -> list[float]:
    open_tab(page, "Text to image")
    fill(page, "text_image-text", PROMPT)
    click_to_image_ms(page)  # the first run warms the server's caches; it is not counted
    return [click_to_image_ms(page) for _ in range(runs)]


def paint(page: Any, picture: str, strokes: int) -> None:
    """Upload `picture` into Inpaint and paint `strokes` strokes over it as a person does: each stroke
    after the mask preview has shown the one before."""
    open_tab(page, "Inpaint")
    upload_to_editor(page, "inpaint-editor", picture)
    for index in range(strokes):
        with mask_preview_changes(page):
            paint_stroke(page, "inpaint-editor", at=((index % 5 + 1) / 7, (index // 5 + 1) / 6))


def measure(runs: int, strokes: int, picture: str) -> tuple[list[float], list[float]]:
    with (
        tempfile.TemporaryDirectory(prefix="titan-bench-canvas-") as folder,
        serving(offline_settings(Path(folder))) as served,
        chromium() as browser,
        opened(browser, served.url) as page,
    ):
        fresh = timed_runs(page, runs)
        paint(page, picture, strokes)
        after = timed_runs(page, runs)
    return fresh, after


def listed(runs: list[float]) -> str:
    return " ".join(f"{ms:.0f}" for ms in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs on each side (default: %(default)s)")
    parser.add_argument("--strokes", type=int, default=20, help="strokes painted in Inpaint (default: %(default)s)")
    parser.add_argument("--picture", default=sample("still_life.png"), help="the picture painted over")
    args = parser.parse_args(argv)
    fresh, after = measure(args.runs, args.strokes, args.picture)
    before_ms, after_ms = statistics.median(fresh), statistics.median(after)
    print(f"text to image, click→image on the offline engine, median of {args.runs} (ms each run):")
    print(f"  fresh page:                  {before_ms:6.0f} ms   runs: {listed(fresh)}")
    print(f"  after {args.strokes:3d} strokes in Inpaint: {after_ms:6.0f} ms   runs: {listed(after)}")
    print(f"  ratio after/fresh: {after_ms / before_ms:.2f}× (target ≤ 1.3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
