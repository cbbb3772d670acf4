// Public gallery: browse (anonymous), open, color, save to my library, report, remove (publisher/admin).
import * as api from '../api.js';
import { h, message, formatDate, field, showFieldErrors, uid } from '../dom.js';

export async function galleryView(ctx) {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const grid = h('ul', { class: 'grid', 'aria-label': 'Public coloring pages' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const empty = h('p', { class: 'empty', hidden: true }, 'The gallery is empty so far. ',
    ctx.state.me ? h('a', { href: '#/library' }, 'Publish one of your pages') : h('a', { href: '#/register' }, 'Join and publish the first page'), '.');
  let cursor = null;

  async function loadPage() {
    more.disabled = true;
    try {
      const page = await api.listGallery(cursor);
      for (const item of page.items || []) {
        const titleId = uid('g');
        grid.append(h('li', { class: 'tile', dataset: { id: item.gallery_id } },
          h('a', { href: `#/gallery/${item.gallery_id}`, class: 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' },
            h('img', { src: api.galleryImageUrl(item.gallery_id), alt: '', width: item.width, height: item.height, loading: 'lazy', class: 'thumb' })),
          h('div', { class: 'tile-body' },
            h('h2', { id: titleId }, h('a', { href: `#/gallery/${item.gallery_id}` }, item.title)),
            h('p', { class: 'meta' }, `by ${item.publisher} · ${formatDate(item.published_at)}`),
            h('div', { class: 'actions' },
              h('a', { class: 'button primary', href: `#/color/g/${item.gallery_id}`, 'aria-describedby': titleId }, 'Color')))));
      }
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      empty.hidden = grid.children.length > 0;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => loadPage().catch((e) => status.replaceChildren(message('error', e.message))));
  try {
    await loadPage();
  } catch (e) {
    status.append(message('error', `Could not load the gallery: ${e.message}`));
  }
  return h('section', { class: 'gallery' },
    h('h1', {}, 'Gallery'),
    h('p', { class: 'lead' }, 'Coloring pages shared by the Inkwell community. Color one right here, or save it to your library.'),
    status, empty, grid, more);
}

export async function galleryItemView(ctx) {
  const { id } = ctx.params;
  const me = ctx.state.me;
  let item;
  try {
    item = await api.getGalleryItem(id);
  } catch (e) {
    return h('section', {}, h('h1', {}, 'Gallery'),
      message('error', e.status === 404 ? 'This page is no longer in the gallery.' : e.message),
      h('p', {}, h('a', { href: '#/gallery' }, '← Back to the gallery')));
  }
  ctx.setTitle(item.title);
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const say = (kind, text) => status.replaceChildren(message(kind, text));
  const next = encodeURIComponent(`/gallery/${id}`);

  const actions = h('div', { class: 'actions' },
    h('a', { class: 'button primary', href: `#/color/g/${id}` }, 'Color it'));

  if (me) {
    const save = h('button', { type: 'button' }, 'Save to my library');
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        const tpl = await api.saveGalleryItem(id);
        status.replaceChildren(h('div', { class: 'msg msg-success', role: 'status' },
          `Saved “${tpl.title}” to your library. `, h('a', { href: `#/color/t/${tpl.id}` }, 'Color your copy'),
          ' · ', h('a', { href: '#/library' }, 'Open my library')));
        save.textContent = 'Saved';
      } catch (e) {
        save.disabled = false;
        say('error', `Could not save: ${e.message}`);
      }
    });
    actions.append(save);

    const reportBtn = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Report…');
    const reason = field({ label: 'What is wrong with this page?', name: 'reason', type: 'textarea', rows: 3, maxlength: 500, required: true });
    const reportForm = h('form', { class: 'card report', hidden: true, novalidate: true },
      reason.wrap,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Send report'),
        h('button', { type: 'button', onclick: () => { reportForm.hidden = true; reportBtn.setAttribute('aria-expanded', 'false'); reportBtn.focus(); } }, 'Cancel')));
    reportBtn.addEventListener('click', () => {
      reportForm.hidden = !reportForm.hidden;
      reportBtn.setAttribute('aria-expanded', String(!reportForm.hidden));
      if (!reportForm.hidden) reason.input.focus();
    });
    reportForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reason.input.value.trim();
      if (!text) {
        showFieldErrors({ reason }, { fieldErrors: [{ field: 'reason', message: 'Tell us briefly what is wrong.' }] });
        reason.input.focus();
        return;
      }
      try {
        await api.reportGalleryItem(id, text);
        reportForm.hidden = true;
        reportBtn.disabled = true;
        reportBtn.textContent = 'Reported';
        reportBtn.setAttribute('aria-expanded', 'false');
        say('success', 'Thank you. A moderator will look at this page.');
      } catch (ex) {
        showFieldErrors({ reason }, ex);
        say('error', `Could not send the report: ${ex.message}`);
      }
    });
    actions.append(reportBtn);

    if (me.role === 'admin' || me.username.toLowerCase() === String(item.publisher).toLowerCase()) {
      const remove = h('button', { type: 'button', class: 'danger' }, me.role === 'admin' && me.username.toLowerCase() !== String(item.publisher).toLowerCase() ? 'Remove from gallery' : 'Unpublish');
      remove.addEventListener('click', async () => {
        if (!confirm(`Remove “${item.title}” from the public gallery?`)) return;
        remove.disabled = true;
        try {
          await api.deleteGalleryItem(id);
          ctx.flash(`“${item.title}” was removed from the gallery.`);
          ctx.navigate('/gallery');
        } catch (e) {
          remove.disabled = false;
          say('error', `Could not remove: ${e.message}`);
        }
      });
      actions.append(remove);
    }
    return h('section', { class: 'gallery-item' },
      h('a', { href: '#/gallery', class: 'back' }, '← Gallery'),
      h('h1', {}, item.title),
      h('p', { class: 'meta' }, `by ${item.publisher} · ${formatDate(item.published_at)} · ${item.width}×${item.height}`),
      status, actions, reportForm,
      h('img', { class: 'big', src: api.galleryImageUrl(id), alt: `Coloring page “${item.title}”`, width: item.width, height: item.height }));
  }

  actions.append(h('a', { class: 'button', href: `#/login?next=${next}` }, 'Log in to save or report'));
  return h('section', { class: 'gallery-item' },
    h('a', { href: '#/gallery', class: 'back' }, '← Gallery'),
    h('h1', {}, item.title),
    h('p', { class: 'meta' }, `by ${item.publisher} · ${formatDate(item.published_at)} · ${item.width}×${item.height}`),
    status, actions,
    h('img', { class: 'big', src: api.galleryImageUrl(id), alt: `Coloring page “${item.title}”`, width: item.width, height: item.height }));
}
