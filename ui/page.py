"""The page's look and keys: the stylesheet, and a small script for keyboard shortcuts.

Ctrl/Cmd+Enter runs Generate on the open tab; Esc stops a run. After a run the results
scroll into view (on a phone they sit below the controls).
"""

from __future__ import annotations

from pathlib import Path

CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "style.css"

HEAD = """
<script>
(() => {
  const visible = (selector) =>
    [...document.querySelectorAll(selector)].find((el) => el.offsetParent !== null && !el.disabled);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
      const go = visible('button.go');
      if (go) { event.preventDefault(); go.click(); }
    } else if (event.key === 'Escape') {
      const stop = visible('button[id$="-stop"]');
      if (stop) { event.preventDefault(); stop.click(); }
    }
  });
  const explainTabs = () => {
    const box = document.getElementById('tab-reasons');
    const reasons = box ? JSON.parse(box.dataset.reasons || '{}') : {};
    for (const tab of document.querySelectorAll('button[role="tab"]')) {
      const why = reasons[tab.innerText.trim()];
      if (why) tab.title = why; else tab.removeAttribute('title');
    }
  };
  new MutationObserver(explainTabs).observe(document.documentElement, {childList: true, subtree: true});
  const seen = new WeakSet();
  new MutationObserver(() => {
    for (const image of document.querySelectorAll('.results img')) {
      if (seen.has(image) || image.offsetParent === null) continue;
      seen.add(image);
      if (window.innerWidth < 900) image.closest('.results').scrollIntoView({behavior: 'smooth', block: 'start'});
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>
"""
