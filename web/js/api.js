// Inkwell public JSON API client (see docs/API.md).
// All URLs are relative: nginx serves this app at / and proxies /v1 to the edge.

const TOKEN_KEY = 'inkwell.token';
const EXPIRES_KEY = 'inkwell.expires_at';

/** An API failure with a message fit to show a person. */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(describeProblem(status, p, fallback));
    this.name = 'ApiError';
    this.status = status;
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.fieldErrors = Array.isArray(p.errors) ? p.errors.filter((e) => e && e.field) : [];
    this.requestId = p.request_id || '';
    this.retryAfter = null;
  }
}

const STATUS_TEXT = {
  0: 'Cannot reach the server. Check your connection and try again.',
  400: 'The request was not accepted.',
  401: 'Please log in.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  405: 'That action is not supported.',
  409: 'That already exists.',
  413: 'That is too large.',
  415: 'That file type is not supported.',
  429: 'Too many requests. Please wait a moment and try again.',
  500: 'Something went wrong on the server.',
  502: 'The server is not reachable right now.',
  503: 'The service is temporarily unavailable. Please try again shortly.',
  504: 'The server took too long to answer. Please try again.',
};

export function describeProblem(status, p, fallback) {
  const parts = [];
  const title = (p.title || '').trim();
  const detail = (p.detail || '').trim();
  if (title) parts.push(title.replace(/[.:]?$/, '.'));
  if (detail && detail.toLowerCase() !== title.toLowerCase()) parts.push(detail.charAt(0).toUpperCase() + detail.slice(1).replace(/[.]?$/, '.'));
  if (Array.isArray(p.errors) && p.errors.length) {
    parts.push(p.errors.map((e) => `${e.field}: ${e.message}`).join('; ') + '.');
  }
  if (!parts.length) parts.push(fallback || STATUS_TEXT[status] || `Request failed (HTTP ${status}).`);
  return parts.join(' ');
}

// ---- token (sessionStorage: survives reloads of this tab, gone when the tab closes) ----
export function getToken() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) return null;
  const exp = sessionStorage.getItem(EXPIRES_KEY);
  if (exp && Date.parse(exp) <= Date.now()) {
    clearToken();
    return null;
  }
  return t;
}
export function setToken(token, expiresAt) {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (expiresAt) sessionStorage.setItem(EXPIRES_KEY, expiresAt);
  else sessionStorage.removeItem(EXPIRES_KEY);
}
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
  for (const url of blobCache.values()) Promise.resolve(url).then((u) => URL.revokeObjectURL(u), () => {});
  blobCache.clear();
}

let onUnauthorized = () => {};
/** Called when an authenticated request comes back 401 (expired or revoked token). */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function withRetryAfter(err, header) {
  err.retryAfter = header;
  const secs = Number(header);
  // A quota that never frees itself says so in its detail: waiting would not help.
  if (/does not free itself/.test(err.message)) return err;
  if (header && Number.isFinite(secs) && secs > 0) {
    err.message += ` Please try again in ${secs < 90 ? `${Math.ceil(secs)} second${secs > 1 ? 's' : ''}` : `${Math.ceil(secs / 60)} minutes`}.`;
  }
  return err;
}

async function readProblem(res) {
  const type = res.headers.get('Content-Type') || '';
  if (/json/i.test(type)) {
    try { return await res.json(); } catch { return null; }
  }
  return null;
}

/**
 * fetch wrapper: JSON in, JSON out, problem+json → ApiError.
 * opts: {method, body (object → JSON), auth, headers, raw}
 * idempotent: send an Idempotency-Key (opts.idempotencyKey, else a fresh one) - every create does.
 * auth: true (default: the token when there is one) or false (never: the gallery's public reads,
 * which take no token and share nginx's micro-cache with every reader).
 */
export async function request(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  headers.set('Accept', 'application/json, application/problem+json');
  if (opts.idempotent) headers.set('Idempotency-Key', `"${opts.idempotencyKey || idempotencyKey()}"`);
  const token = getToken();
  const useAuth = opts.auth !== false && token;
  if (useAuth) headers.set('Authorization', `Bearer ${token}`);
  let body = opts.body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData) && typeof body !== 'string') {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method: opts.method || 'GET', headers, body, signal: opts.signal });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, null);
  }
  if (!res.ok && res.status !== 304) {
    const err = new ApiError(res.status, await readProblem(res));
    withRetryAfter(err, res.headers.get('Retry-After'));
    // A password check's own 401 (wrong password) leaves the session alone: only a refused token
    // (WWW-Authenticate: ... error="invalid_token") ends it.
    const wrongPassword = opts.passwordCheck && !/invalid_token/.test(res.headers.get('WWW-Authenticate') || '');
    if (res.status === 401 && useAuth && !wrongPassword) {
      clearToken();
      onUnauthorized(err);
    }
    throw err;
  }
  if (opts.raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (/json/i.test(type)) return res.json();
  return null;
}

/**
 * A fresh Idempotency-Key (IETF httpapi draft) for one create: a repeat of the same request with
 * the same key (a retry after a network error or a 504 "outcome unknown") gets the first result
 * and creates nothing new; the server keeps it 24 h. getRandomValues: randomUUID needs a secure
 * context.
 */
export function idempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- images: private ones need the bearer token, so fetch → blob URL (cached; images are immutable) ----
const blobCache = new Map();
export function imageBlobUrl(path) {
  if (!blobCache.has(path)) {
    const p = request(path, { raw: true })
      .then((res) => res.blob())
      .then((b) => URL.createObjectURL(b));
    p.catch(() => blobCache.delete(path));
    blobCache.set(path, p);
  }
  return blobCache.get(path);
}
export function forgetImage(path) {
  const p = blobCache.get(path);
  if (p) {
    blobCache.delete(path);
    p.then((u) => URL.revokeObjectURL(u), () => {});
  }
}

// ---- accounts ----
export const register = (username, password, email) =>
  request('/v1/users', { method: 'POST', auth: false, idempotent: true, body: email ? { username, password, email } : { username, password } });
export async function login(username, password) {
  const s = await request('/v1/sessions', { method: 'POST', auth: false, body: { username, password } });
  setToken(s.token, s.expires_at);
  return s;
}
export async function logout() {
  try {
    if (getToken()) await request('/v1/sessions/current', { method: 'DELETE' });
  } finally {
    clearToken();
  }
}
export const me = () => request('/v1/users/me');

// ---- the account itself (issue 18) ----
export const changePassword = (currentPassword, newPassword) =>
  request('/v1/users/me/password', { method: 'PUT', passwordCheck: true, body: { current_password: currentPassword, new_password: newPassword } });
export const listSessions = () => request('/v1/users/me/sessions');
export const revokeSession = (id) => request(`/v1/users/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
export async function deleteAccount(password) {
  await request('/v1/users/me', { method: 'DELETE', passwordCheck: true, body: { password } });
  clearToken();
}
/** The export ZIP as a Blob (it needs the token, so no plain link). */
export async function exportData() {
  const res = await request('/v1/users/me/export', { raw: true });
  return res.blob();
}

// ---- templates ----
const qs = (o) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};
export const listTemplates = (cursor, limit = 24) => request(`/v1/templates${qs({ limit, cursor })}`);
export const getTemplate = (id) => request(`/v1/templates/${encodeURIComponent(id)}`);
export const renameTemplate = (id, title) =>
  request(`/v1/templates/${encodeURIComponent(id)}`, { method: 'PATCH', body: { title } });
export const deleteTemplate = (id) => request(`/v1/templates/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const publishTemplate = (id) =>
  request(`/v1/templates/${encodeURIComponent(id)}/publish`, { method: 'POST', idempotent: true });

/**
 * Upload a photo as the raw request body with XHR so upload progress can be shown.
 * onProgress({phase: 'upload'|'convert', loaded, total})
 * Returns {promise, abort}.
 */
export function uploadTemplate(file, { type, title, detail, lineWidth, style, colors, palette }, onProgress = () => {}) {
  const xhr = new XMLHttpRequest();
  // Paint by numbers (issue 19): style=numbers with its colours; a lines page sends none.
  const numbers = style === 'numbers' ? { style, colors, palette } : {};
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', `/v1/templates${qs({ title, detail, line_width: lineWidth, ...numbers })}`);
    const token = getToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Content-Type', type || file.type || 'application/octet-stream');
    xhr.setRequestHeader('Idempotency-Key', `"${idempotencyKey()}"`);
    xhr.upload.onprogress = (e) => onProgress({ phase: 'upload', loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.upload.onload = () => onProgress({ phase: 'convert', loaded: 0, total: 0 });
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onabort = () => reject(Object.assign(new Error('Upload cancelled.'), { name: 'AbortError' }));
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data);
      const err = new ApiError(xhr.status, data);
      withRetryAfter(err, xhr.getResponseHeader('Retry-After'));
      if (xhr.status === 401 && token) {
        clearToken();
        onUnauthorized(err);
      }
      reject(err);
    };
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

// ---- gallery & moderation ----
// The gallery's reads take no token (issue 16: the answer is the same for everyone, and nginx's
// cache serves it to all), so none is sent.
export const listGallery = (cursor, limit = 24) => request(`/v1/gallery${qs({ limit, cursor })}`, { auth: false });
export const getGalleryItem = (id) => request(`/v1/gallery/${encodeURIComponent(id)}`, { auth: false });
export const galleryImageUrl = (id) => `/v1/gallery/${encodeURIComponent(id)}/image`;
export const saveGalleryItem = (id) =>
  request(`/v1/gallery/${encodeURIComponent(id)}/save`, { method: 'POST', idempotent: true });
export const deleteGalleryItem = (id) => request(`/v1/gallery/${encodeURIComponent(id)}`, { method: 'DELETE' });
/**
 * The page's line drawing as a file: 'svg' (the same curves as the PNG) or 'pdf' (one page of
 * `paper`, 'a4' or 'letter', with the title at the foot). kind: 'template' (private: sent with the
 * token) or 'gallery' (public: anonymous, so nginx's cache answers). pageFileUrl is its URL,
 * pageFile fetches it as a Blob.
 */
export function pageFileUrl(kind, id, format, paper = 'a4') {
  const base = kind === 'template' ? '/v1/templates' : '/v1/gallery';
  const file = format === 'svg' ? 'image.svg' : `page.pdf${qs({ paper })}`;
  return `${base}/${encodeURIComponent(id)}/${file}`;
}
export async function pageFile(kind, id, format, paper) {
  const res = await request(pageFileUrl(kind, id, format, paper), { raw: true, auth: kind === 'template' });
  return res.blob();
}
export const reportGalleryItem = (id, reason) =>
  request(`/v1/gallery/${encodeURIComponent(id)}/reports`, { method: 'POST', idempotent: true, body: { reason } });
export const listReports = () => request('/v1/admin/reports');
export const resolveReport = (reportId, action) =>
  request(`/v1/admin/reports/${encodeURIComponent(reportId)}`, { method: 'POST', body: { action } });
