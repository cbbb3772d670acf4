// Moderation: the open report queue (admins only; the server enforces it too).
import * as api from '../api.js';
import { h, message, formatDate, uid } from '../dom.js';

export async function adminView() {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const say = (kind, text) => status.replaceChildren(message(kind, text));
  const list = h('ul', { class: 'reports', 'aria-label': 'Open reports' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No open reports. All clear!');

  let data;
  try {
    data = await api.listReports();
  } catch (e) {
    return h('section', {}, h('h1', {}, 'Reports'), message('error', `Could not load reports: ${e.message}`));
  }
  const items = data.items || [];
  for (const r of items) {
    const headId = uid('r');
    const li = h('li', { class: 'card report-item', dataset: { id: r.report_id } });
    const decide = async (action, btn) => {
      for (const b of li.querySelectorAll('button')) b.disabled = true;
      try {
        const res = await api.resolveReport(r.report_id, action);
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        empty.hidden = list.children.length > 0;
        say('success', res.status === 'removed' ? 'The page was removed from the gallery.' : 'The report was dismissed.');
        (next ? next.querySelector('button') : document.querySelector('#main h1')).focus();
      } catch (e) {
        for (const b of li.querySelectorAll('button')) b.disabled = false;
        say('error', `Could not ${action}: ${e.message}`);
        btn.focus();
      }
    };
    const removeBtn = h('button', { type: 'button', class: 'danger', 'aria-describedby': headId }, 'Remove page');
    const dismissBtn = h('button', { type: 'button', 'aria-describedby': headId }, 'Dismiss report');
    removeBtn.addEventListener('click', () => decide('remove', removeBtn));
    dismissBtn.addEventListener('click', () => decide('dismiss', dismissBtn));
    const pageTitle = h('p', { class: 'report-page' }, 'Page: …');
    api.getGalleryItem(r.gallery_id).then(
      (g) => pageTitle.replaceChildren('Page: ', h('a', { href: `#/gallery/${r.gallery_id}` }, `“${g.title}”`), ` by ${g.publisher}`),
      (e) => pageTitle.replaceChildren(e.status === 404 ? 'The page is no longer in the gallery.' : `Page details could not be loaded: ${e.message}`));
    li.append(
      h('a', { href: `#/gallery/${r.gallery_id}`, class: 'thumb-link' },
        h('img', { src: api.galleryImageUrl(r.gallery_id), alt: 'Reported page (opens the gallery page)', class: 'thumb', loading: 'lazy' })),
      h('div', { class: 'tile-body' },
        h('h2', { id: headId }, `Report by ${r.reporter}`),
        h('p', { class: 'meta' }, formatDate(r.created_at)),
        pageTitle,
        h('blockquote', {}, r.reason),
        h('div', { class: 'actions' }, removeBtn, dismissBtn)));
    list.append(li);
  }
  empty.hidden = items.length > 0;
  return h('section', { class: 'admin' },
    h('h1', {}, 'Reports'),
    h('p', { class: 'lead' }, 'Open reports, oldest first. Removing takes the page out of the public gallery.'),
    status, empty, list);
}
