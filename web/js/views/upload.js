// Upload a photo and turn it into a coloring page.
import * as api from '../api.js';
import { h, field, showFieldErrors, message, uid } from '../dom.js';

const MAX_BYTES = 20 * 1024 * 1024; // the server enforces its own limit (413); this only answers early

function titleFromFile(name) {
  return name.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ').trim().slice(0, 80) || 'My page';
}

/** 'image/png' or 'image/jpeg' from the file's first bytes, else null. */
async function sniffType(file) {
  try {
    const b = new Uint8Array(await file.slice(0, 8).arrayBuffer());
    if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  } catch {
    /* unreadable: fall through */
  }
  return null;
}

export function uploadView(ctx) {
  const fileId = uid('photo');
  const fileInput = h('input', {
    id: fileId, type: 'file', name: 'image', accept: 'image/png,image/jpeg', capture: 'environment',
    required: true, 'aria-describedby': `${fileId}-hint`,
  });
  // `capture` opens the camera on phones; a second picker without it lets them choose a saved photo.
  const altId = uid('photo-lib');
  const altInput = h('input', { id: altId, type: 'file', name: 'image-library', accept: 'image/png,image/jpeg' });
  let chosen = null; // the File to upload, from either picker
  const fileErr = h('p', { class: 'field-error', hidden: true, id: `${fileId}-err` });
  const preview = h('img', { class: 'preview', alt: '', hidden: true });
  const title = field({ label: 'Title', name: 'title', maxlength: 100, autocomplete: 'off' });
  const detailId = uid('detail');
  const detailOut = h('output', { for: detailId, id: `${detailId}-out` }, '3');
  const detail = h('input', { id: detailId, name: 'detail', type: 'range', min: 1, max: 5, step: 1, value: 3,
    'aria-describedby': `${detailId}-hint` });
  const lwId = uid('lw');
  const lwOut = h('output', { for: lwId }, '2');
  const lineWidth = h('input', { id: lwId, name: 'line_width', type: 'range', min: 1, max: 8, step: 1, value: 2,
    'aria-describedby': `${lwId}-hint` });
  // Paint by numbers (issue 19): the page's kind, its number of colours and their source.
  const styleId = uid('style');
  const style = h('select', { id: styleId, name: 'style' },
    h('option', { value: 'lines' }, 'Coloring page (lines)'),
    h('option', { value: 'numbers' }, 'Paint by numbers'));
  const colorsId = uid('colors');
  const colors = h('input', { id: colorsId, name: 'colors', type: 'number', min: 4, max: 32, step: 1, value: 12 });
  const paletteId = uid('palette');
  const paletteSel = h('select', { id: paletteId, name: 'palette' },
    h('option', { value: 'photo' }, 'Colors of the photo'),
    h('option', { value: 'crayons24' }, '24 crayons'));
  const numbersFields = h('div', { class: 'field numbers', hidden: true },
    h('label', { for: colorsId }, 'Colors (4–32)'), colors,
    h('label', { for: paletteId }, 'Palette'), paletteSel);
  style.addEventListener('change', () => { numbersFields.hidden = style.value !== 'numbers'; });
  detail.addEventListener('input', () => { detailOut.textContent = detail.value; detail.setAttribute('aria-valuetext', `${detail.value} of 5`); });
  lineWidth.addEventListener('input', () => { lwOut.textContent = lineWidth.value; lineWidth.setAttribute('aria-valuetext', `${lineWidth.value} pixels`); });

  let previewUrl = null;
  ctx.onCleanup(() => { if (previewUrl) URL.revokeObjectURL(previewUrl); if (current) current.abort(); });
  const onPick = (input) => {
    fileErr.hidden = true;
    fileInput.removeAttribute('aria-invalid');
    const f = input.files[0] || null;
    chosen = f;
    if (input === fileInput) altInput.value = ''; else fileInput.value = '';
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    preview.hidden = true;
    if (!f) return;
    previewUrl = URL.createObjectURL(f);
    preview.src = previewUrl;
    preview.alt = `Selected photo: ${f.name}`;
    preview.hidden = false;
    if (!title.input.value) title.input.value = titleFromFile(f.name);
  };
  fileInput.addEventListener('change', () => onPick(fileInput));
  altInput.addEventListener('change', () => onPick(altInput));

  const progressWrap = h('div', { class: 'progress', hidden: true });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const result = h('div', { class: 'result' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Make coloring page');
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel');
  let current = null;
  cancel.addEventListener('click', () => { if (current) current.abort(); });

  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'up-h' },
    h('div', { class: 'field' },
      h('label', { for: fileId }, 'Photo'),
      h('p', { class: 'hint', id: `${fileId}-hint` }, 'A PNG or JPEG photo. On a phone you can take a picture.'),
      fileInput,
      h('div', { class: 'alt-picker' }, h('label', { for: altId }, 'Or choose a saved photo'), altInput),
      fileErr, preview),
    title.wrap,
    h('div', { class: 'field range' },
      h('label', { for: detailId }, 'Detail ', detailOut),
      h('p', { class: 'hint', id: `${detailId}-hint` }, '1 = a few big shapes (young children), 5 = many small shapes.'),
      detail),
    h('div', { class: 'field range' },
      h('label', { for: lwId }, 'Line width ', lwOut),
      h('p', { class: 'hint', id: `${lwId}-hint` }, 'Thickness of the lines in pixels (1–8).'),
      lineWidth),
    h('div', { class: 'field' }, h('label', { for: styleId }, 'Kind of page'), style),
    numbersFields,
    status, progressWrap,
    h('div', { class: 'actions' }, submit, cancel));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    result.replaceChildren();
    showFieldErrors({ title }, null);
    const f = chosen;
    const type = f ? await sniffType(f) : null; // some phones report no type (or a wrong one)
    const problem = !f ? 'Choose a photo first.'
      : !type ? 'Only PNG and JPEG photos can be used.'
      : f.size > MAX_BYTES ? `That photo is too large (${(f.size / 1048576).toFixed(1)} MB). The limit is ${MAX_BYTES / 1048576} MB.`
      : null;
    if (problem) {
      fileErr.textContent = problem;
      fileErr.hidden = false;
      fileInput.setAttribute('aria-invalid', 'true');
      fileInput.focus();
      return;
    }
    const bar = h('progress', { max: 100, value: 0, 'aria-label': 'Upload progress' });
    const label = h('span', { class: 'progress-label' }, 'Uploading… 0%');
    progressWrap.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), label, bar);
    progressWrap.hidden = false;
    submit.disabled = true;
    cancel.hidden = false;
    const t = title.input.value.trim() || titleFromFile(f.name);
    current = api.uploadTemplate(f, { type, title: t, detail: detail.value, lineWidth: lineWidth.value, style: style.value, colors: colors.value, palette: paletteSel.value }, (p) => {
      if (p.phase === 'upload' && p.total) {
        const pct = Math.round((100 * p.loaded) / p.total);
        bar.value = pct;
        label.textContent = `Uploading… ${pct}%`;
      } else if (p.phase === 'convert') {
        bar.removeAttribute('value'); // indeterminate while the server converts
        bar.setAttribute('aria-label', 'Converting');
        label.textContent = 'Converting your photo into a coloring page…';
      }
    });
    try {
      const tpl = await current.promise;
      if (!ctx.isCurrent()) return;
      status.append(message('success', `“${tpl.title}” is ready.`));
      const img = h('img', { class: 'result-img', alt: `Coloring page “${tpl.title}”`, width: tpl.width, height: tpl.height });
      api.imageBlobUrl(tpl.image_url).then((u) => { img.src = u; }, (e) => result.append(message('error', e.message)));
      result.replaceChildren(
        h('h2', {}, tpl.title),
        img,
        h('div', { class: 'actions' },
          h('a', { class: 'button primary', href: `#/color/t/${tpl.id}` }, 'Color it'),
          h('a', { class: 'button', href: '#/library' }, 'Go to my library'),
          h('button', { type: 'button', onclick: () => { form.reset(); chosen = null; detailOut.textContent = '3'; lwOut.textContent = '2'; preview.hidden = true; result.replaceChildren(); status.replaceChildren(); fileInput.focus(); } }, 'Make another')));
      result.querySelector('a').focus();
    } catch (e) {
      if (e.name === 'AbortError') {
        status.append(message('info', 'Upload cancelled.'));
      } else {
        showFieldErrors({ title }, e);
        const hint = e.status === 413 ? ' Try a smaller photo.' : e.status === 415 || e.status === 400 ? ' Try a different PNG or JPEG photo.' : '';
        status.append(message('error', `Could not make the page. ${e.message}${hint}`));
      }
    } finally {
      current = null;
      progressWrap.hidden = true;
      submit.disabled = false;
      cancel.hidden = true;
    }
  });

  return h('section', { class: 'upload' },
    h('h1', { id: 'up-h' }, 'New coloring page'),
    form, result);
}
