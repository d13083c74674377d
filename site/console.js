// The DOM and API helpers the agent inbox (/agent) and the insights page
// (/admin) share: an ES module, no build step, no dependencies.
//
// Safety rule for both pages: API data only ever reaches the DOM through
// textContent / createElement (el() below) — never innerHTML — and only
// http(s) URLs become links.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** createElement with props (className, text, or attributes) and children (nodes or strings). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** The URL as an absolute http(s) href (relative ones against `base`, if given), or null. */
export function safeHref(url, base) {
  try {
    const u = base ? new URL(url, base) : new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link (new tab, no referrer) for a safe URL, else the URL as plain text. */
export function linkOrText(url, label, base) {
  const href = safeHref(url, base);
  if (!href) return el('span', { text: label === url ? url : `${label} (${url})` });
  return el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: label });
}

/** A <time> element for a timestamp in milliseconds, in the agent's locale. */
export function timeEl(ms) {
  const d = new Date(ms);
  return el('time', { datetime: d.toISOString(), text: d.toLocaleString() });
}

/** Sets an existing <time> element to a timestamp in milliseconds. */
export function setTime(node, ms) {
  const d = new Date(ms);
  node.dateTime = d.toISOString();
  node.textContent = d.toLocaleString();
}

/** A share (0–1) as a whole percentage. */
export const percent = (share) => `${Math.round((Number(share) || 0) * 100)}%`;

/** Shows a message in the page's live status region. */
export function say(message) {
  $('status').textContent = message;
}

/** An API call that failed: its HTTP status (0: no answer), stable code, message and field. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * Calls `url` with the bearer `secret` (a JSON `body` if given); the Response
 * if 2xx, else throws ApiError with the API's error code and message.
 */
export async function request(url, { method = 'GET', body, secret } = {}) {
  const headers = { Authorization: `Bearer ${secret}`, Accept: 'application/json' };
  // A file goes as its bytes (the server reads what it is from them).
  const raw = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined || raw ? body : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check the connection and try again.');
  }
  if (res.ok) return res;
  let e = {};
  try {
    e = (await res.json()).error || {};
  } catch {
    // Not JSON: the status says enough.
  }
  throw new ApiError(res.status, e.code || 'http', e.message || `The server answered ${res.status}.`, e.field);
}
