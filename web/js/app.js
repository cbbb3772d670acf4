// Inkwell web app: session state, hash routing, navigation.
import * as api from './api.js';
import { h, message } from './dom.js';
import { forgetAllColors } from './saved.js';
import { loginView, registerView } from './views/auth.js';
import { uploadView } from './views/upload.js';
import { libraryView } from './views/library.js';
import { colorView } from './views/color.js';
import { galleryView, galleryItemView } from './views/gallery.js';
import { adminView } from './views/admin.js';
import { accountView } from './views/account.js';

const state = {
  me: null, // {id, username, role, ...} when logged in
};

// path pattern → {view, auth: 'in' | 'admin' | undefined, title}
const routes = [
  { path: /^\/login$/, view: loginView, title: 'Log in' },
  { path: /^\/register$/, view: registerView, title: 'Register' },
  { path: /^\/library$/, view: libraryView, auth: 'in', title: 'My library' },
  { path: /^\/upload$/, view: uploadView, auth: 'in', title: 'New page' },
  { path: /^\/color\/t\/([0-9a-zA-Z_-]+)$/, view: colorView, auth: 'in', title: 'Color', params: (m) => ({ kind: 'template', id: m[1] }) },
  { path: /^\/color\/g\/([0-9a-zA-Z_-]+)$/, view: colorView, title: 'Color', params: (m) => ({ kind: 'gallery', id: m[1] }) },
  { path: /^\/gallery$/, view: galleryView, title: 'Gallery' },
  { path: /^\/gallery\/([0-9a-zA-Z_-]+)$/, view: galleryItemView, title: 'Gallery', params: (m) => ({ id: m[1] }) },
  { path: /^\/admin$/, view: adminView, auth: 'admin', title: 'Reports' },
  { path: /^\/account$/, view: accountView, auth: 'in', title: 'Account' },
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path, query: new URLSearchParams(query) };
}

export function navigate(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = path;
}

// ---- flash messages (survive one navigation) ----
let pendingFlash = null;
export function flash(text, kind = 'success') {
  pendingFlash = { text, kind };
  showFlash();
}
function showFlash() {
  const box = document.getElementById('flash');
  box.replaceChildren();
  if (pendingFlash) {
    box.append(h('div', { class: `msg msg-${pendingFlash.kind}` },
      h('span', {}, pendingFlash.text),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Dismiss message', onclick: () => box.replaceChildren() }, '×')));
  }
}

// ---- session ----
async function loadMe() {
  if (!api.getToken()) {
    state.me = null;
    return;
  }
  try {
    state.me = await api.me();
  } catch (e) {
    state.me = null;
    if (e.status !== 401) console.warn('could not load profile', e);
  }
}

export async function afterLogin() {
  await loadMe();
  updateNav();
}

function updateNav() {
  const loggedIn = !!state.me;
  for (const li of document.querySelectorAll('#nav [data-auth]')) {
    const need = li.dataset.auth;
    li.hidden = need === 'in' ? !loggedIn : need === 'out' ? loggedIn : !(loggedIn && state.me.role === 'admin');
  }
  document.getElementById('whoami').textContent = loggedIn ? `Hi, ${state.me.username}` : '';
  const { path } = parseHash();
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || path.startsWith(`${target}/`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

api.setUnauthorizedHandler(() => {
  state.me = null;
  updateNav();
  const { path } = parseHash();
  if (path !== '/login') {
    pendingFlash = { text: 'Your session has ended. Please log in again.', kind: 'info' };
    location.hash = `/login?next=${encodeURIComponent(path)}`;
  }
});

// ---- rendering ----
let cleanup = null;
let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  const { path, query } = parseHash();
  const main = document.getElementById('main');
  if (cleanup) {
    try { cleanup(); } catch (e) { console.warn(e); }
    cleanup = null;
  }
  if (path === '/' || path === '') {
    location.replace(`#${state.me ? '/library' : '/gallery'}`);
    return;
  }
  let route = null;
  let m = null;
  for (const r of routes) {
    m = r.path.exec(path);
    if (m) { route = r; break; }
  }
  updateNav();
  if (!route) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', {}, 'There is nothing here. ', h('a', { href: '#/gallery' }, 'Go to the gallery'), '.'));
    document.title = 'Not found · Inkwell';
    focusHeading(main);
    return;
  }
  if (route.auth && !state.me) {
    pendingFlash = { text: 'Please log in first.', kind: 'info' };
    location.replace(`#/login?next=${encodeURIComponent(path)}`);
    return;
  }
  if (route.auth === 'admin' && state.me.role !== 'admin') {
    main.replaceChildren(h('h1', { tabindex: '-1' }, 'Not allowed'), message('error', 'Only moderators can see the report queue.'));
    focusHeading(main);
    return;
  }
  document.title = `${route.title} · Inkwell`;
  main.setAttribute('aria-busy', 'true');
  main.replaceChildren(h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading…'));
  showFlash();
  pendingFlash = null;
  const ctx = {
    params: route.params ? route.params(m) : {},
    query,
    state,
    navigate,
    flash,
    afterLogin,
    setTitle: (t) => { document.title = `${t} · Inkwell`; },
    onCleanup: (fn) => { const prev = cleanup; cleanup = () => { fn(); if (prev) prev(); }; },
    isCurrent: () => seq === renderSeq,
  };
  let node;
  try {
    node = await route.view(ctx);
  } catch (e) {
    console.error(e);
    node = h('section', {}, h('h1', { tabindex: '-1' }, route.title), message('error', e.message || String(e)));
  }
  if (seq !== renderSeq) return; // a newer navigation won
  main.removeAttribute('aria-busy');
  main.replaceChildren(node);
  focusHeading(main);
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (h1) {
    if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  }
}

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api.logout();
  } catch (e) {
    console.warn('logout', e);
  }
  state.me = null;
  await forgetAllColors(); // a shared computer: the next person does not see this one's pages
  updateNav();
  flash('You are logged out.', 'info');
  navigate('/gallery');
});

// The skip link must not change the hash (that is the router's): move focus instead.
document.querySelector('.skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  const main = document.getElementById('main');
  main.focus();
  main.scrollIntoView();
});

window.addEventListener('hashchange', render);
(async () => {
  await loadMe();
  updateNav();
  render();
})();
