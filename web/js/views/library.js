// My library: a grid of my templates; open, rename, delete, publish.
import * as api from '../api.js';
import { h, message, formatDate, uid } from '../dom.js';

export async function libraryView(ctx) {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const grid = h('ul', { class: 'grid', 'aria-label': 'My coloring pages' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const empty = h('div', { class: 'empty', hidden: true },
    h('p', {}, 'Your library is empty.'),
    h('a', { class: 'button primary', href: '#/upload' }, 'Make your first coloring page'),
    ' ', h('a', { class: 'button', href: '#/gallery' }, 'Browse the gallery'));
  let cursor = null;

  const say = (kind, text) => status.replaceChildren(message(kind, text));

  async function loadPage() {
    more.disabled = true;
    try {
      const page = await api.listTemplates(cursor);
      for (const t of page.items || []) grid.append(card(t));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      empty.hidden = grid.children.length > 0;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => loadPage().catch((e) => say('error', e.message)));

  function card(t) {
    const li = h('li', { class: 'tile', dataset: { id: t.id } });
    const titleId = uid('t');
    const img = h('img', { alt: '', width: t.width, height: t.height, loading: 'lazy', class: 'thumb' });
    api.imageBlobUrl(t.image_url).then((u) => { img.src = u; }, () => { img.alt = 'Image could not be loaded'; });
    const heading = h('h2', { id: titleId }, t.title);
    const meta = h('p', { class: 'meta' }, `${t.width}×${t.height} · detail ${t.detail} · ${formatDate(t.created_at)}`);
    const published = h('p', { class: 'badge', hidden: !t.gallery_id }, 'In the gallery');

    const open = h('a', { class: 'button primary', href: `#/color/t/${t.id}`, 'aria-describedby': titleId }, 'Color');
    const rename = h('button', { type: 'button', 'aria-describedby': titleId }, 'Rename');
    const publish = h('button', { type: 'button', 'aria-describedby': titleId, hidden: !!t.gallery_id }, 'Publish');
    const view = h('a', { class: 'button', href: t.gallery_id ? `#/gallery/${t.gallery_id}` : '#/gallery', hidden: !t.gallery_id, 'aria-describedby': titleId }, 'View in gallery');
    const del = h('button', { type: 'button', class: 'danger', 'aria-describedby': titleId }, 'Delete');
    const actions = h('div', { class: 'actions' }, open, rename, publish, view, del);

    rename.addEventListener('click', () => {
      const inputId = uid('rename');
      const input = h('input', { id: inputId, value: t.title, maxlength: 100, required: true });
      const err = h('p', { class: 'field-error', hidden: true });
      const form = h('form', { class: 'rename' },
        h('label', { for: inputId }, 'New title'), input, err,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary' }, 'Save'),
          h('button', { type: 'button', onclick: close }, 'Cancel')));
      function close() { form.replaceWith(actions); rename.focus(); }
      form.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const title = input.value.trim();
        if (!title) { err.textContent = 'Enter a title.'; err.hidden = false; input.focus(); return; }
        try {
          const updated = await api.renameTemplate(t.id, title);
          t.title = updated.title;
          heading.textContent = updated.title;
          form.replaceWith(actions);
          rename.focus();
          say('success', `Renamed to “${updated.title}”.`);
        } catch (ex) {
          err.textContent = ex.message;
          err.hidden = false;
          input.focus();
        }
      });
      actions.replaceWith(form);
      input.focus();
      input.select();
    });

    publish.addEventListener('click', async () => {
      if (!confirm(`Publish “${t.title}” to the public gallery? Anyone will be able to see it.`)) return;
      publish.disabled = true;
      try {
        const item = await api.publishTemplate(t.id);
        t.gallery_id = item.gallery_id;
        published.hidden = false;
        publish.hidden = true;
        view.href = `#/gallery/${item.gallery_id}`;
        view.hidden = false;
        view.focus();
        say('success', `“${t.title}” is now in the gallery.`);
      } catch (e) {
        say('error', `Could not publish: ${e.message}`);
      } finally {
        publish.disabled = false;
      }
    });

    del.addEventListener('click', async () => {
      if (!confirm(`Delete “${t.title}” from your library? This cannot be undone.`)) return;
      del.disabled = true;
      try {
        await api.deleteTemplate(t.id);
        api.forgetImage(t.image_url);
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        empty.hidden = grid.children.length > 0;
        say('success', `Deleted “${t.title}”.`);
        (next ? next.querySelector('a,button') : document.querySelector('#main h1')).focus();
      } catch (e) {
        del.disabled = false;
        say('error', `Could not delete: ${e.message}`);
      }
    });

    li.append(
      h('a', { href: `#/color/t/${t.id}`, class: 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' }, img),
      h('div', { class: 'tile-body' }, heading, meta, published, actions));
    return li;
  }

  try {
    await loadPage();
  } catch (e) {
    status.append(message('error', `Could not load your library: ${e.message}`));
  }
  return h('section', { class: 'library' },
    h('div', { class: 'title-row' },
      h('h1', {}, 'My library'),
      h('a', { class: 'button primary', href: '#/upload' }, '+ New page')),
    status, empty, grid, more);
}
