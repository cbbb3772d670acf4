// Log in and register.
import * as api from '../api.js';
import { h, field, showFieldErrors, rejectLocal, message } from '../dom.js';

function safeNext(query) {
  const next = query.get('next') || '';
  return /^\/[a-z]/.test(next) && !next.startsWith('/login') && !next.startsWith('/register') ? next : '/library';
}

export function loginView(ctx) {
  if (ctx.state.me) {
    ctx.navigate(safeNext(ctx.query));
    return h('p', {}, 'You are already logged in.');
  }
  const fields = {
    username: field({ label: 'Username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
    password: field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
  };
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'login-h' },
    fields.username.wrap, fields.password.wrap, status, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    showFieldErrors(fields, null);
    const username = fields.username.input.value.trim();
    const password = fields.password.input.value;
    if (!username || !password) {
      status.append(message('error', 'Enter your username and password.'));
      (username ? fields.password : fields.username).input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Logging in…';
    try {
      await api.login(username, password);
      await ctx.afterLogin();
      ctx.flash(`Welcome back, ${ctx.state.me ? ctx.state.me.username : username}!`);
      ctx.navigate(safeNext(ctx.query));
    } catch (e) {
      showFieldErrors(fields, e);
      status.append(message('error', e.status === 401 ? 'Wrong username or password.' : e.message));
      fields.password.input.select();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Log in';
    }
  });
  return h('section', { class: 'auth' },
    h('h1', { id: 'login-h' }, 'Log in'),
    form,
    h('p', { class: 'center' }, 'New here? ', h('a', { href: '#/register' }, 'Create an account'), '.'));
}

export function registerView(ctx) {
  const fields = {
    username: field({ label: 'Username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false',
      minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_.\\-]{3,32}', hint: '3–32 letters, digits, _ . or -' }),
    password: field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password', required: true,
      minlength: 10, maxlength: 128, hint: 'At least 10 characters' }),
    email: field({ label: 'Email (optional)', name: 'email', type: 'email', autocomplete: 'email', maxlength: 254 }),
  };
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'reg-h' },
    fields.username.wrap, fields.password.wrap, fields.email.wrap, status, submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.replaceChildren();
    const username = fields.username.input.value.trim();
    const password = fields.password.input.value;
    const email = fields.email.input.value.trim();
    // Same rules as the API (docs/API.md), checked here only to answer faster; the server decides.
    const local = [];
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(username)) local.push({ field: 'username', message: 'must be 3–32 characters: letters, digits, _ . -' });
    if (password.length < 10 || password.length > 128) local.push({ field: 'password', message: 'must be 10–128 characters' });
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) local.push({ field: 'email', message: 'must look like name@example.com' });
    if (rejectLocal(fields, status, local)) return;
    submit.disabled = true;
    submit.textContent = 'Creating account…';
    try {
      await api.register(username, password, email || undefined);
      try {
        await api.login(username, password);
      } catch (e) {
        ctx.flash(`Your account “${username}” was created, but logging in failed: ${e.message} Please log in.`, 'info');
        ctx.navigate('/login');
        return;
      }
      await ctx.afterLogin();
      ctx.flash(`Welcome to Inkwell, ${username}! Turn a photo into a coloring page.`);
      ctx.navigate('/upload');
    } catch (e) {
      const matched = showFieldErrors(fields, e);
      status.append(message('error', e.status === 409 ? 'That username is taken. Please choose another.' : e.message));
      const bad = e.fieldErrors.find((f) => fields[f.field]);
      if (matched && bad) fields[bad.field].input.focus();
      else if (e.status === 409) fields.username.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create account';
    }
  });
  return h('section', { class: 'auth' },
    h('h1', { id: 'reg-h' }, 'Create an account'),
    form,
    h('p', { class: 'center' }, 'Already have an account? ', h('a', { href: '#/login' }, 'Log in'), '.'));
}
