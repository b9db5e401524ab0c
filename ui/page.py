"""The page's look and behaviour in the browser: the stylesheet and the page's script (`ui/page.js`).

The script: Ctrl/Cmd+Enter runs Generate on the open tab, Esc stops a run; a greyed tab says
why on hover; on a phone the results scroll into view when a run finishes.
"""

from __future__ import annotations

from pathlib import Path

CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "style.css"

SCRIPT_PATH = Path(__file__).resolve().parent / "page.js"

#: Rules for Gradio's own frame around the app. Gradio scopes the stylesheet to the app's content
#: (every selector gains a `.gradio-container … .contain` prefix), so these go into <head> as they are.
FRAME_CSS = """
@media (max-width: 900px) {
  .gradio-container > .main { padding-left: 10px !important; padding-right: 10px !important; }
}
"""


def head() -> str:
    """What goes into the page's <head>: the frame's rules and the playground's script (`ui/page.js`)."""
    return f"<style>{FRAME_CSS}</style>\n<script>\n{SCRIPT_PATH.read_text(encoding='utf-8')}</script>\n"
