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

  // --- on a phone the results sit below the controls: scroll to them when a run finishes -------------
  const seen = new WeakSet();
  new MutationObserver(() => {
    for (const image of document.querySelectorAll('.results img')) {
      if (seen.has(image) || image.offsetParent === null) continue;
      seen.add(image);
      if (window.innerWidth < 900) image.closest('.results').scrollIntoView({behavior: 'smooth', block: 'start'});
    }
  }).observe(document.documentElement, {childList: true, subtree: true});

  // --- the Inpaint canvas must not slow the page down ------------------------------------------------
  // Once the image editor has been an event's input, Gradio asks it for its value on every
  // loading-status change anywhere in the page (several per click on any Generate). Each time the
  // editor exports every layer as PNG (a GPU read-back: slow where WebGL is drawn in software) and
  // uploads the files again. Two remedies, both exact: the editor exports again only after its
  // picture changed, and a file made from an export already uploaded is not uploaded again (the
  // answer names the file already on the server).
  const exported = new WeakSet();  // the editor's exported PNGs (Blobs)
  const wraps = new WeakMap();  // File -> the exported PNG it was made from
  const answers = new WeakMap();  // exported PNG -> the server's answer to its upload
  const NativeFile = window.File;
  window.File = class File extends NativeFile {
    constructor(parts, name, options) {
      super(parts, name, options);
      if (parts?.length === 1 && exported.has(parts[0])) wraps.set(this, parts[0]);
    }
    static [Symbol.hasInstance](value) { return value instanceof NativeFile; }
  };

  const reuseExports = (editor) => {
    if (!editor || editor.titanReusesExports) return;
    editor.titanReusesExports = true;
    let version = 0, saved = null, savedVersion = -1;
    const changed = () => { version += 1; };
    editor.on('change', changed);
    editor.command_manager?.current_history?.subscribe?.(changed);
    for (const name of ['set_background_image', 'add_image', 'add_image_from_url', 'add_layers_from_url',
                        'reset_canvas', 'set_layer', 'delete_layer', 'modify_canvas_size', 'undo', 'redo']) {
      const original = editor[name];
      if (typeof original !== 'function') continue;
      editor[name] = function (...args) {
        changed();
        const result = original.apply(this, args);
        Promise.resolve(result).finally(changed);
        return result;
      };
    }
    const exportLayers = editor.get_blobs.bind(editor);
    editor.get_blobs = async () => {
      if (saved !== null && savedVersion === version) return saved;
      const at = version, blobs = await exportLayers();
      for (const blob of [blobs.background, blobs.composite, ...(blobs.layers || [])]) if (blob) exported.add(blob);
      if (at === version) { saved = blobs; savedVersion = at; }
      return blobs;
    };
  };
  let editorNow;
  Object.defineProperty(window, 'editor', {  // Gradio's editor announces itself here
    configurable: true,
    get: () => editorNow,
    set: (editor) => { editorNow = editor; reuseExports(editor); },
  });

  const exportIn = (init) => {
    if (!(init?.body instanceof FormData)) return undefined;
    const files = init.body.getAll('files');
    return files.length === 1 ? wraps.get(files[0]) : undefined;
  };
  const fetchOriginal = window.fetch.bind(window);
  window.fetch = async (resource, init) => {
    const source = exportIn(init);
    if (source === undefined) return fetchOriginal(resource, init);
    if (answers.has(source)) {
      return new Response(answers.get(source), {status: 200, headers: {'Content-Type': 'application/json'}});
    }
    const response = await fetchOriginal(resource, init);
    if (response.ok) answers.set(source, await response.clone().text());
    return response;
  };
})();
