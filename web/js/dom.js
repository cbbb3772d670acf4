// Tiny DOM helpers (no framework).

/**
 * h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', child...)
 * Attributes starting with "on" become listeners; false/null attributes are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string' && k !== 'list' && k !== 'form') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let idSeq = 0;
export const uid = (prefix = 'id') => `${prefix}-${++idSeq}`;

/** A labelled form field. Returns {wrap, input, error}. */
export function field({ label, name, type = 'text', hint, ...attrs }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-err`;
  const input = h(type === 'textarea' ? 'textarea' : 'input', {
    id, name, ...(type === 'textarea' ? {} : { type }),
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    ...attrs,
  });
  const error = h('p', { class: 'field-error', id: errId, hidden: true });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input, error);
  return { wrap, input, error };
}

/** Show an ApiError's per-field messages next to the matching inputs; returns true if any matched. */
export function showFieldErrors(fields, err) {
  let matched = false;
  for (const f of Object.values(fields)) {
    f.error.hidden = true;
    f.error.textContent = '';
    f.input.removeAttribute('aria-invalid');
  }
  for (const e of (err && err.fieldErrors) || []) {
    const f = fields[e.field];
    if (!f) continue;
    f.error.textContent = e.message;
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
    matched = true;
  }
  return matched;
}

/**
 * Show a form's own checks (local: [{field, message}], made before any request) beside its
 * inputs, and a summary in status; focus the first. Returns true when there were any, so the
 * caller stops before sending.
 */
export function rejectLocal(fields, status, local) {
  showFieldErrors(fields, { fieldErrors: local });
  if (!local.length) return false;
  status.append(message('error', `Please fix ${local.length === 1 ? 'the marked field' : `the ${local.length} marked fields`}.`));
  fields[local[0].field].input.focus();
  return true;
}

export function formatDate(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A message box: kind = 'error' | 'info' | 'success'. */
export function message(kind, text) {
  return h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
