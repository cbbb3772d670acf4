// Coloring view: a canvas with tap/click-to-fill that respects the lines, palette, eraser,
// undo/redo, zoom (buttons, ctrl+wheel, pinch), keyboard cursor, download (PNG with the colors;
// SVG and PDF of the lines, from the server), print (the server's PDF on the chosen paper).
// The colors are kept in this browser (saved.js) after every change and put back on the next
// visit; "Start over" forgets them.
import * as api from '../api.js';
import { loadColors, saveColors, forgetColors } from '../saved.js';
import { h, uid } from '../dom.js';
import { wallMask, regionAt, packColor, parseHexColor, applyFill, undoPatch, redoPatch } from '../fill.js';
import { MIN_ZOOM, MAX_ZOOM, ZOOM_STEP, clampZoom, fitScale, wheelZoom, pinchZoom, anchorScroll, toImage as clientToImage, isPan } from '../zoom.js';
import { cursorStart, moveCursor, isFillKey, cursorOffset } from '../cursor.js';
import { readRegionsPng, labelRegions, checkFill } from '../numbers.js';

export const PALETTE = [
  ['Red', '#e63946'], ['Orange', '#f4a261'], ['Yellow', '#ffd93d'], ['Lime', '#a7c957'],
  ['Green', '#2a9d8f'], ['Sky', '#8ecae6'], ['Blue', '#3a86ff'], ['Purple', '#8338ec'],
  ['Pink', '#ff8fab'], ['Brown', '#9c6644'], ['Skin', '#f1c27d'], ['Gray', '#adb5bd'],
];
const WHITE = '#ffffff';
const MAX_UNDO = 50;

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The picture could not be loaded.'));
    img.src = src;
  });
}

function fileName(title, ext = 'png') {
  return `${(title || 'coloring-page').replace(/[^\p{L}\p{N} _.-]+/gu, '').trim().replace(/\s+/g, '-') || 'coloring-page'}.${ext}`;
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function saveKey(kind, id) {
  return `${kind === 'template' ? 't' : 'g'}:${id}`;
}

// restoreColors paints the saved page's colors onto `pixels`, never over a line (the lines
// always come from the page itself). False when the saved image does not fit this page.
async function restoreColors(blob, pixels, mask, W, H) {
  try {
    const bmp = await createImageBitmap(blob);
    if (bmp.width !== W || bmp.height !== H) return false;
    const c = document.createElement('canvas');
    c.width = W;
    c.height = H;
    const cg = c.getContext('2d', { willReadFrequently: true });
    cg.drawImage(bmp, 0, 0);
    const saved = new Uint32Array(cg.getImageData(0, 0, W, H).data.buffer);
    for (let i = 0; i < saved.length; i++) if (!mask[i]) pixels[i] = saved[i];
    return true;
  } catch {
    return false;
  }
}

export async function colorView(ctx) {
  const { kind, id } = ctx.params;
  let meta;
  let src;
  if (kind === 'template') {
    meta = await api.getTemplate(id);
    src = await api.imageBlobUrl(meta.image_url);
  } else {
    meta = await api.getGalleryItem(id);
    src = api.galleryImageUrl(id);
  }
  const key = saveKey(kind, id);
  const [img, savedBlob] = await Promise.all([loadImage(src), loadColors(key)]);
  if (!ctx.isCurrent()) return h('div');
  ctx.setTitle(`Color “${meta.title}”`);

  const W = img.naturalWidth;
  const H = img.naturalHeight;
  const canvas = h('canvas', {
    id: 'coloring-canvas', width: W, height: H, tabindex: '0', role: 'application',
    'aria-roledescription': 'coloring page',
    'aria-label': `Coloring page “${meta.title}”. Arrow keys move the cursor (Shift for small steps), Enter or Space fills the shape under it.`,
  });
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  g.drawImage(img, 0, 0);
  const image = g.getImageData(0, 0, W, H);
  const mask = wallMask(image.data, W, H);
  const pixels = new Uint32Array(image.data.buffer);
  const original = new Uint32Array(pixels); // the page as drawn, for "Start over"
  const restored = savedBlob ? await restoreColors(savedBlob, pixels, mask, W, H) : false;
  if (restored) g.putImageData(image, 0, 0);
  const undo = [];
  const redo = [];

  // ---- controls ----
  const live = h('p', { class: 'sr-status', role: 'status', 'aria-live': 'polite' });
  const say = (t) => { live.textContent = t; };
  // A numbered page (issue 19), private or published, is colored with its own palette: each
  // swatch shows its number.
  const numbered = meta.style === 'numbers' && (meta.palette || []).length > 0;
  const paints = numbered
    ? meta.palette.map((p) => [p.name ? `${p.number} ${p.name}` : `${p.number}`, p.rgb, p.number])
    : PALETTE;
  let color = paints[0][1];
  let colorName = paints[0][0];
  let tool = 'fill';

  const paletteName = uid('palette');
  const swatches = paints.map(([name, hex, number], i) => {
    const rid = uid('sw');
    const input = h('input', { type: 'radio', name: paletteName, id: rid, value: hex, checked: i === 0, class: 'visually-hidden', dataset: { color: hex } });
    input.addEventListener('change', () => { color = hex; colorName = name; setTool('fill'); });
    const label = number
      ? h('label', { for: rid, title: name, class: 'numbered', dataset: { number: String(number) } }, String(number))
      : h('label', { for: rid, title: name }, h('span', { class: 'visually-hidden' }, name));
    label.style.setProperty('--c', hex); // through the CSSOM: the CSP allows no style attribute
    return h('span', { class: 'swatch' }, input, label);
  });
  const customId = uid('custom');
  const custom = h('input', { type: 'color', id: customId, value: '#40c4aa' });
  custom.addEventListener('input', () => {
    color = custom.value; colorName = `custom color ${custom.value}`;
    for (const s of swatches) s.querySelector('input').checked = false;
    setTool('fill');
  });
  const palette = h('fieldset', { class: 'palette' },
    h('legend', {}, 'Color'),
    h('div', { class: 'swatches' }, swatches,
      h('span', { class: 'swatch custom' }, h('label', { for: customId }, 'Custom'), custom)));

  const toolName = uid('tool');
  const toolFill = h('input', { type: 'radio', name: toolName, id: `${toolName}-fill`, value: 'fill', checked: true });
  const toolErase = h('input', { type: 'radio', name: toolName, id: `${toolName}-erase`, value: 'erase' });
  function setTool(t) {
    tool = t;
    toolFill.checked = t === 'fill';
    toolErase.checked = t === 'erase';
    canvas.classList.toggle('erasing', t === 'erase');
  }
  toolFill.addEventListener('change', () => setTool('fill'));
  toolErase.addEventListener('change', () => setTool('erase'));
  const tools = h('fieldset', { class: 'tools' }, h('legend', {}, 'Tool'),
    h('span', { class: 'radio' }, toolFill, h('label', { for: toolFill.id }, 'Fill')),
    h('span', { class: 'radio' }, toolErase, h('label', { for: toolErase.id }, 'Eraser')));

  const undoBtn = h('button', { type: 'button', disabled: true, 'aria-keyshortcuts': 'Control+Z' }, 'Undo');
  const redoBtn = h('button', { type: 'button', disabled: true, 'aria-keyshortcuts': 'Control+Y' }, 'Redo');
  const zoomOut = h('button', { type: 'button', 'aria-label': 'Zoom out', 'aria-keyshortcuts': '-' }, '−');
  const zoomLabel = h('output', { class: 'zoom-level', 'aria-live': 'polite' }, '100%');
  const zoomIn = h('button', { type: 'button', 'aria-label': 'Zoom in', 'aria-keyshortcuts': '+' }, '+');
  const zoomFit = h('button', { type: 'button' }, 'Fit');
  const download = h('button', { type: 'button' }, 'Download PNG');
  const downloadSvg = h('button', { type: 'button' }, 'Download SVG');
  const downloadPdf = h('button', { type: 'button' }, 'Download PDF');
  const paperId = uid('paper');
  const paper = h('select', { id: paperId, class: 'paper' },
    h('option', { value: 'a4' }, 'A4'), h('option', { value: 'letter' }, 'Letter'));
  if (/^(en-(US|CA)|es-(US|MX)|fr-CA)\b/.test(navigator.language || '')) paper.value = 'letter';
  const printBtn = h('button', { type: 'button' }, 'Print');
  const startOver = h('button', { type: 'button', class: 'danger' }, 'Start over');

  const cursor = h('div', { class: 'kbd-cursor', hidden: true, 'aria-hidden': 'true' });
  const zoomer = h('div', { class: 'zoomer' }, canvas, cursor);
  const stage = h('div', { class: 'stage' }, zoomer);

  // ---- painting ----
  function refreshButtons() {
    undoBtn.disabled = !undo.length;
    redoBtn.disabled = !redo.length;
  }
  // ---- keeping the colors ----
  const saveState = h('output', { class: 'save-state' }, restored ? 'Your colors from last time' : '');
  let saving = false;
  let again = false;
  let saveFailed = false;
  const differs = () => pixels.some((v, i) => v !== original[i]);
  function persist() {
    if (saving) { again = true; return; }
    saving = true;
    again = false;
    saveState.textContent = 'Saving…';
    const colored = differs();
    const write = colored
      ? new Promise((resolve) => canvas.toBlob(resolve, 'image/png')).then((blob) => {
        if (!blob) throw new Error('the page could not be encoded');
        return saveColors(key, blob);
      })
      : forgetColors(key);
    write.then(() => { saveFailed = false; }, () => { saveFailed = true; }).finally(() => {
      saving = false;
      if (again) { persist(); return; }
      saveState.textContent = saveFailed ? 'Not saved: this browser does not keep pages (use Download)'
        : colored ? 'Saved on this device' : '';
    });
  }
  function commit() { g.putImageData(image, 0, 0); persist(); }

  function fillAt(x, y) {
    x = Math.floor(x); y = Math.floor(y);
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    if (mask[y * W + x]) { say('That is a line. Tap inside a shape to fill it.'); return; }
    const region = regionAt(mask, W, H, x, y);
    const hex = tool === 'erase' ? WHITE : color;
    const [r, gr, b] = parseHexColor(hex);
    const patch = applyFill(pixels, region, packColor(r, gr, b, 255));
    if (!patch) { say(tool === 'erase' ? 'That shape is already white.' : `That shape is already ${colorName}.`); return; }
    undo.push(patch);
    if (undo.length > MAX_UNDO) undo.shift();
    redo.length = 0;
    commit();
    refreshButtons();
    say(tool === 'erase' ? 'Erased a shape.' : `Filled a shape with ${colorName}.`);
  }
  function doUndo() {
    const p = undo.pop();
    if (!p) return;
    undoPatch(pixels, p);
    redo.push(p);
    commit(); refreshButtons(); say('Undone.');
  }
  function doRedo() {
    const p = redo.pop();
    if (!p) return;
    redoPatch(pixels, p);
    undo.push(p);
    commit(); refreshButtons(); say('Redone.');
  }
  undoBtn.addEventListener('click', doUndo);
  redoBtn.addEventListener('click', doRedo);
  startOver.addEventListener('click', () => {
    if (!differs() || !confirm('Clear all your colors and start over?')) return;
    pixels.set(original);
    undo.length = 0;
    redo.length = 0;
    commit(); refreshButtons(); say('Cleared.');
  });

  // ---- zoom & pan ----
  let zoom = 1;
  let fit = 1;
  function computeFit() { fit = fitScale(stage.clientWidth, W); }
  function scale() { return fit * zoom; }
  function applyZoom(anchorClientX, anchorClientY) {
    const before = canvas.getBoundingClientRect();
    const s = scale();
    canvas.style.width = `${W * s}px`;
    canvas.style.height = `${H * s}px`;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    zoomOut.disabled = zoom <= MIN_ZOOM;
    zoomIn.disabled = zoom >= MAX_ZOOM;
    if (anchorClientX !== undefined) {
      // Keep the image point under the anchor in place.
      const { dx, dy } = anchorScroll(before, canvas.getBoundingClientRect(), anchorClientX, anchorClientY);
      stage.scrollLeft += dx;
      stage.scrollTop += dy;
    }
    placeCursor();
  }
  function setZoom(z, ax, ay) {
    const nz = clampZoom(z);
    if (nz === zoom) return;
    if (ax === undefined) {
      const r = stage.getBoundingClientRect();
      ax = r.left + r.width / 2; ay = r.top + r.height / 2;
    }
    zoom = nz;
    applyZoom(ax, ay);
  }
  zoomIn.addEventListener('click', () => setZoom(zoom * ZOOM_STEP));
  zoomOut.addEventListener('click', () => setZoom(zoom / ZOOM_STEP));
  zoomFit.addEventListener('click', () => { zoom = 1; applyZoom(); stage.scrollTo(0, 0); });
  stage.addEventListener('wheel', (e) => {
    if (!e.ctrlKey && !e.metaKey) return; // plain wheel scrolls; ctrl+wheel (and trackpad pinch) zooms
    e.preventDefault();
    setZoom(wheelZoom(zoom, e.deltaY), e.clientX, e.clientY);
  }, { passive: false });
  const ro = new ResizeObserver(() => { computeFit(); applyZoom(); });
  ro.observe(stage);

  function toImage(clientX, clientY) { return clientToImage(clientX, clientY, canvas.getBoundingClientRect(), W, H); }

  // Pointer gestures: tap/click = fill; one-finger/mouse drag = pan; two fingers = pinch zoom.
  const pointers = new Map();
  let gesture = null; // {type: 'tap'|'pan'|'pinch', ...}
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== undefined && e.button > 0) return;
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 1) {
      gesture = { type: 'tap', x0: e.clientX, y0: e.clientY, sl: stage.scrollLeft, st: stage.scrollTop };
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      gesture = { type: 'pinch', d0: Math.hypot(a.x - b.x, a.y - b.y) || 1, z0: zoom };
    }
    cursor.hidden = true;
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!pointers.has(e.pointerId) || !gesture) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (gesture.type === 'pinch' && pointers.size >= 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      setZoom(pinchZoom(gesture.z0, gesture.d0, d), (a.x + b.x) / 2, (a.y + b.y) / 2);
    } else if (gesture.type === 'tap' || gesture.type === 'pan') {
      const dx = e.clientX - gesture.x0;
      const dy = e.clientY - gesture.y0;
      if (gesture.type === 'tap' && isPan(dx, dy)) gesture.type = 'pan';
      if (gesture.type === 'pan') {
        stage.scrollLeft = gesture.sl - dx;
        stage.scrollTop = gesture.st - dy;
      }
    }
  });
  const endPointer = (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (e.type === 'pointerup' && gesture && gesture.type === 'tap' && pointers.size === 0) {
      const [x, y] = toImage(e.clientX, e.clientY);
      fillAt(x, y);
    }
    if (pointers.size === 0) gesture = null;
    else if (gesture && gesture.type === 'pinch') gesture = { type: 'done' }; // lifting one finger ends the pinch, no fill
  };
  canvas.addEventListener('pointerup', endPointer);
  canvas.addEventListener('pointercancel', endPointer);

  // Keyboard cursor on the canvas.
  let at = cursorStart(W, H);
  function placeCursor() {
    const { left, top } = cursorOffset(at, scale());
    cursor.style.left = `${left}px`;
    cursor.style.top = `${top}px`;
  }
  canvas.addEventListener('focus', () => { if (canvas.matches(':focus-visible')) { cursor.hidden = false; placeCursor(); } });
  canvas.addEventListener('blur', () => { cursor.hidden = true; });
  canvas.addEventListener('keydown', (e) => {
    const next = moveCursor(at, e.key, W, H, e.shiftKey);
    if (next) {
      e.preventDefault();
      at = next;
      cursor.hidden = false;
      placeCursor();
      cursor.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    } else if (isFillKey(e.key)) {
      e.preventDefault();
      cursor.hidden = false;
      fillAt(at.x, at.y);
    }
  });

  // Shortcuts anywhere in this view (not while typing in a field).
  const section = h('section', { class: 'color-view' });
  section.addEventListener('keydown', (e) => {
    if (e.target.matches('input[type=text], input[type=search], textarea')) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) { e.preventDefault(); doUndo(); }
    else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) { e.preventDefault(); doRedo(); }
    else if (!mod && (e.key === '+' || e.key === '=')) { e.preventDefault(); setZoom(zoom * ZOOM_STEP); }
    else if (!mod && e.key === '-') { e.preventDefault(); setZoom(zoom / ZOOM_STEP); }
  });

  // ---- download & print ----
  download.addEventListener('click', () => {
    canvas.toBlob((blob) => {
      if (!blob) { say('Could not make the PNG.'); return; }
      saveBlob(blob, fileName(meta.title));
      say('Download started.');
    }, 'image/png');
  });
  // SVG and PDF: the lines alone as the server keeps them (no colors), for printing large or
  // editing. The PDF is one page of the paper chosen below.
  const downloadFile = (format) => api.pageFile(kind, id, format, paper.value).then((blob) => {
    saveBlob(blob, fileName(meta.title, format));
    say('Download started.');
  }, (e) => say(e.message));
  downloadSvg.addEventListener('click', () => downloadFile('svg'));
  downloadPdf.addEventListener('click', () => downloadFile('pdf'));
  const printArea = document.getElementById('print-area');
  function preparePrint() {
    printArea.replaceChildren(
      h('h1', { class: 'print-title' }, meta.title),
      h('img', { src: canvas.toDataURL('image/png'), alt: '', class: W > H ? 'landscape' : 'portrait' }));
  }
  // The browser's own print (Ctrl+P) prints the colored page; Print gives the page's PDF on the
  // chosen paper, which a PDF viewer prints at its true size. A gallery page's PDF is public: it
  // opens in a new tab. A private one needs the token, so it is fetched and saved as a file: a
  // blob: URL opened in a tab would inherit this app's Content-Security-Policy (object-src
  // 'none'), under which Chrome's viewer refuses to show it.
  window.addEventListener('beforeprint', preparePrint);
  printBtn.addEventListener('click', () => {
    if (kind !== 'template' && window.open(api.pageFileUrl(kind, id, 'pdf', paper.value), '_blank')) {
      say('The page opened in a new tab: print it from there.');
      return;
    }
    api.pageFile(kind, id, 'pdf', paper.value).then((blob) => {
      saveBlob(blob, fileName(meta.title, 'pdf'));
      say('The PDF was downloaded: open it to print.');
    }, (e) => say(e.message));
  });
  // Ask before a reload or closing the tab throws away colors not yet kept.
  const beforeUnload = (e) => {
    if (saving || (saveFailed && differs())) { e.preventDefault(); e.returnValue = ''; }
  };
  window.addEventListener('beforeunload', beforeUnload);
  ctx.onCleanup(() => {
    window.removeEventListener('beforeunload', beforeUnload);
    window.removeEventListener('beforeprint', preparePrint);
    printArea.replaceChildren();
    ro.disconnect();
  });

  // ---- paint by numbers: "Check" marks the regions filled with the wrong colour ----
  const checkBtn = h('button', { type: 'button', class: 'check' }, 'Check');
  const checkResult = h('output', { class: 'check-result', 'aria-live': 'polite' });
  let regions = null;
  async function check() {
    if (!regions) {
      // Read as bytes (a blob: URL is not ours to fetch under the CSP).
      const base = kind === 'template' ? '/v1/templates' : '/v1/gallery';
      const res = await api.request(`${base}/${id}/regions.png`, { raw: true });
      const r = await readRegionsPng(await res.arrayBuffer());
      if (r.width !== W || r.height !== H) throw new Error('the regions do not fit the page');
      regions = labelRegions(r.values, W, H);
    }
    const colorOf = {};
    for (const p of meta.palette) colorOf[p.number] = packColor(...parseHexColor(p.rgb));
    const out = checkFill(regions, pixels, colorOf, packColor(255, 255, 255));
    // Wrong regions get red stripes: a fill of the right colour paints them over.
    const mark = packColor(230, 0, 0);
    const wrong = new Uint8Array(regions.numbers.length);
    for (const r of out.wrong) wrong[r] = 1;
    for (let i = 0; i < pixels.length; i++) {
      if (wrong[regions.label[i]] && ((i % W) + Math.floor(i / W)) % 10 < 3) pixels[i] = mark;
    }
    if (out.wrong.length) commit();
    checkResult.dataset.wrong = String(out.wrong.length);
    checkResult.dataset.right = String(out.right.length);
    checkResult.dataset.empty = String(out.empty.length);
    checkResult.textContent = out.wrong.length
      ? `${out.wrong.length} ${out.wrong.length === 1 ? 'shape has' : 'shapes have'} the wrong color (striped red).`
      : out.empty.length
        ? `All filled shapes are right. ${out.empty.length} still to fill.`
        : 'Every shape is right: the picture is done!';
    say(checkResult.textContent);
  }
  checkBtn.addEventListener('click', () => {
    check().catch((e) => { checkResult.textContent = `Could not check: ${e.message}`; });
  });

  // ---- layout ----
  const back = kind === 'template'
    ? h('a', { href: '#/library', class: 'back' }, '← My library')
    : h('a', { href: `#/gallery/${id}`, class: 'back' }, '← Back to the gallery page');
  const helpId = uid('help');
  canvas.setAttribute('aria-describedby', helpId);
  section.append(
    back,
    h('h1', {}, meta.title),
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Coloring tools' },
      palette, tools,
      h('div', { class: 'button-row', role: 'group', 'aria-label': 'History' }, undoBtn, redoBtn),
      numbered ? h('div', { class: 'button-row', role: 'group', 'aria-label': 'Paint by numbers' }, checkBtn, checkResult) : null,
      h('div', { class: 'button-row', role: 'group', 'aria-label': 'Zoom' }, zoomOut, zoomLabel, zoomIn, zoomFit),
      h('div', { class: 'button-row', role: 'group', 'aria-label': 'Save' }, download, downloadSvg, downloadPdf,
        h('label', { for: paperId }, 'Paper'), paper, printBtn, startOver)),
    live,
    saveState,
    stage,
    h('p', { class: 'hint', id: helpId }, 'Tap or click a shape to fill it. Drag to move around when zoomed in; pinch or Ctrl + mouse wheel to zoom. Keyboard: focus the picture, use the arrow keys, press Enter to fill; Ctrl+Z undoes. Download PNG keeps your colors; SVG, PDF and Print give the empty page to color by hand.'));
  // Size once attached.
  requestAnimationFrame(() => { computeFit(); applyZoom(); });
  return section;
}

