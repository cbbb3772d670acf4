// The Account screen (issue 18): change the password, see and sign out sessions, download my
// data, delete my account (asks for the password and the username typed out).
import * as api from '../api.js';
import { h, field, showFieldErrors, rejectLocal, message, uid } from '../dom.js';
import { forgetAllColors } from '../saved.js';

function when(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function passwordSection(ctx, reloadSessions) {
  const fields = {
    current_password: field({ label: 'Current password', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    new_password: field({ label: 'New password', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true,
      minlength: 10, maxlength: 128, hint: 'At least 10 characters' }),
  };
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Change password');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'acct-pw-h' },
    fields.current_password.wrap, fields.new_password.wrap, status, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const current = fields.current_password.input.value;
    const next = fields.new_password.input.value;
    const local = [];
    if (!current) local.push({ field: 'current_password', message: 'enter your current password' });
    if (next.length < 10 || next.length > 128) local.push({ field: 'new_password', message: 'must be 10–128 characters' });
    if (rejectLocal(fields, status, local)) return;
    submit.disabled = true;
    try {
      await api.changePassword(current, next);
      form.reset();
      status.append(message('success', 'Password changed. Every other session was signed out.'));
      await reloadSessions();
    } catch (e) {
      showFieldErrors(fields, e);
      status.append(message('error', e.status === 401 ? 'The current password is wrong.' : e.message));
      fields.current_password.input.select();
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'account-part' }, h('h2', { id: 'acct-pw-h' }, 'Change password'), form);
}

function sessionsSection(ctx) {
  const list = h('ul', { class: 'sessions', 'aria-labelledby': 'acct-sess-h' });
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const say = (kind, text) => status.replaceChildren(message(kind, text));
  async function signOut(s, li, btn) {
    btn.disabled = true;
    try {
      if (s.current) {
        await api.logout();
        await forgetAllColors();
        await ctx.afterLogin();
        ctx.flash('You are logged out.', 'info');
        ctx.navigate('/gallery');
        return;
      }
      await api.revokeSession(s.id);
      li.remove();
      say('success', 'That session was signed out.');
      document.querySelector('#acct-sess-h').focus();
    } catch (e) {
      btn.disabled = false;
      say('error', e.status === 404 ? 'That session had already ended.' : `Could not sign it out: ${e.message}`);
      if (e.status === 404) li.remove();
    }
  }
  async function reload() {
    let data;
    try {
      data = await api.listSessions();
    } catch (e) {
      list.replaceChildren();
      say('error', `Could not load your sessions: ${e.message}`);
      return;
    }
    list.replaceChildren(...(data.items || []).map((s) => {
      const headId = uid('sess');
      const li = h('li', { class: 'card session', dataset: { id: s.id } });
      const btn = h('button', { type: 'button', 'aria-describedby': headId }, 'Sign out');
      btn.addEventListener('click', () => signOut(s, li, btn));
      li.append(
        h('h3', { id: headId }, s.user_agent || 'Unknown browser', s.current ? h('span', { class: 'badge' }, ' (this device)') : null),
        h('p', { class: 'meta' }, `Signed in ${when(s.created_at)} · last used ${when(s.last_used_at)} · expires ${when(s.expires_at)}`),
        btn);
      return li;
    }));
  }
  const node = h('section', { class: 'account-part' },
    h('h2', { id: 'acct-sess-h', tabindex: '-1' }, 'Sessions'),
    h('p', { class: 'lead' }, 'Where you are signed in. Sign out any you do not recognise.'),
    status, list);
  return { node, reload };
}

function exportSection() {
  const status = h('div', { class: 'form-status', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button' }, 'Download my data');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    status.replaceChildren(message('info', 'Preparing your download…'));
    try {
      const blob = await api.exportData();
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: 'inkwell-export.zip', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.replaceChildren(message('success', 'Your data was downloaded (inkwell-export.zip).'));
    } catch (e) {
      status.replaceChildren(message('error', `Could not download your data: ${e.message}`));
    } finally {
      btn.disabled = false;
    }
  });
  return h('section', { class: 'account-part' },
    h('h2', {}, 'Your data'),
    h('p', {}, 'A ZIP file with your profile, your sessions and every page in your library, as PNG and SVG.'),
    btn, status);
}

function deleteSection(ctx) {
  const username = ctx.state.me.username;
  const fields = {
    password: field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    confirm: field({ label: `Type your username (${username}) to confirm`, name: 'confirm', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true }),
  };
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Delete my account');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'acct-del-h' },
    h('p', {}, 'This deletes your account, your library and the pages you published. Copies others saved stay theirs. It cannot be undone.'),
    fields.password.wrap, fields.confirm.wrap, status, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const local = [];
    if (!fields.password.input.value) local.push({ field: 'password', message: 'enter your password' });
    if (fields.confirm.input.value.trim() !== username) local.push({ field: 'confirm', message: `type ${username} exactly` });
    if (rejectLocal(fields, status, local)) return;
    submit.disabled = true;
    submit.textContent = 'Deleting…';
    try {
      await api.deleteAccount(fields.password.input.value);
      await forgetAllColors();
      await ctx.afterLogin();
      ctx.flash('Your account and its data were deleted.', 'info');
      ctx.navigate('/gallery');
    } catch (e) {
      showFieldErrors(fields, e);
      status.append(message('error', e.status === 401 ? 'The password is wrong. Nothing was deleted.' : e.message));
      fields.password.input.select();
      submit.disabled = false;
      submit.textContent = 'Delete my account';
    }
  });
  return h('section', { class: 'account-part' }, h('h2', { id: 'acct-del-h' }, 'Delete my account'), form);
}

export async function accountView(ctx) {
  const sessions = sessionsSection(ctx);
  await sessions.reload();
  return h('section', { class: 'account' },
    h('h1', {}, 'Account'),
    h('p', { class: 'lead' }, `Signed in as ${ctx.state.me.username}.`),
    passwordSection(ctx, sessions.reload),
    sessions.node,
    exportSection(),
    deleteSection(ctx));
}
