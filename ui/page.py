"""The page's look and behaviour in the browser: the stylesheet and the page's script (`ui/page.js`).

The script: Ctrl/Cmd+Enter runs Generate on the open tab, Esc stops a run; a greyed tab says
why on hover; picking a model greys its tabs at once and says "Switching to …" until the server
has answered (`switching_js`, `SWITCHED_JS`); on a phone the results scroll into view when a run
finishes.
"""

from __future__ import annotations

import json
from pathlib import Path

CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "style.css"

SCRIPT_PATH = Path(__file__).resolve().parent / "page.js"

#: Rules Gradio must not scope: its own frame around the app, and what the page's script puts on <body>
#: and into the banner. Gradio scopes the stylesheet to the app's content (every selector gains a
#: `.gradio-container … .contain` prefix), so these go into <head> as they are.
FRAME_CSS = """
@media (max-width: 900px) {
  .gradio-container > .main { padding-left: 10px !important; padding-right: 10px !important; }
}
#engine-banner .switching { display: inline-block; margin: 6px 0 0 4px; font-size: 0.85rem;
  color: var(--body-text-color-subdued); }
body.switching-model #model-notice, body.switching-model #model-switch { opacity: 0.35; }
"""

#: After the server answered the model picker's change: the "Switching to …" line goes.
SWITCHED_JS = "() => window.playgroundSwitched && window.playgroundSwitched()"


def switching_js(labels: list[str]) -> str:
    """The model picker's change in the browser, at once: the task tabs `labels` greyed or not for the
    model picked, and a "Switching to …" line until `SWITCHED_JS`."""
    return f"(model) => window.playgroundSwitching ? window.playgroundSwitching(model, {json.dumps(labels)}) : []"


def head() -> str:
    """What goes into the page's <head>: the frame's rules and the playground's script (`ui/page.js`)."""
    return f"<style>{FRAME_CSS}</style>\n<script>\n{SCRIPT_PATH.read_text(encoding='utf-8')}</script>\n"
