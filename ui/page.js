// The playground's own script, put into the page's <head> (ui.page.head()).
(() => {
  // --- keys: Ctrl/Cmd+Enter runs Generate on the open tab, Esc stops a run -------------------------
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

  // --- a greyed tab says why on hover ----------------------------------------------------------------
  const explainTabs = () => {
    const box = document.getElementById('tab-reasons');
    const reasons = box ? JSON.parse(box.dataset.reasons || '{}') : {};
    for (const tab of document.querySelectorAll('button[role="tab"]')) {
      const why = reasons[tab.innerText.trim()];
      if (why) tab.title = why; else tab.removeAttribute('title');
    }
  };
  new MutationObserver(explainTabs).observe(document.documentElement, {childList: true, subtree: true});

  // --- the model picker: the tabs follow at once; one "Switching to …" line until the server is done ---------
  // `labels` are the task tabs the event updates, in order; the answer is one update per tab.
  window.playgroundSwitching = (model, labels) => {
    const chosen = JSON.parse(document.getElementById('tab-reasons')?.dataset.models || '{}')[model];
    if (!chosen) return labels.map(() => ({__type__: 'update'}));
    document.body.classList.add('switching-model');
    let said = document.querySelector('[role="status"].switching');
    if (!said) {
      said = document.createElement('div');
      said.setAttribute('role', 'status');
      said.className = 'switching';
      document.querySelector('#engine-banner .prose')?.append(said);
    }
    said.textContent = `Switching to ${chosen.name}…`;
    return labels.map((label) => ({__type__: 'update', interactive: !chosen.greyed.includes(label)}));
  };
  window.playgroundSwitched = () => {
    document.body.classList.remove('switching-model');
    document.querySelector('[role="status"].switching')?.remove();
  };

  // --- on a phone the results sit below the controls: scroll to them when a run finishes -------------
  const seen = new WeakSet();
  new MutationObserver(() => {
    for (const image of document.querySelectorAll('.results img')) {
      if (seen.has(image) || image.offsetParent === null) continue;
      seen.add(image);
      if (window.innerWidth < 900) image.closest('.results').scrollIntoView({behavior: 'smooth', block: 'start'});
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
