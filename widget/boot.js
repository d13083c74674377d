// Entry of app.js: the wasm-bindgen glue plus this, bundled by esbuild into
// one classic script so it loads cross-origin from a plain <script> tag.
import init, { mount } from '../dist/trunk/frontdesk-widget.js';
// The panel's styles (widget/widget.css, minified by build.sh), as text
// (esbuild --loader:.css=text): adopted by the widget's shadow root, so no
// <link>, no flash, and nothing a strict style-src has to allow.
import css from '../dist/trunk/widget.min.css';

const h = window.__frontdesk;
const shadow = h.root.getRootNode();
// (The loader adopts its own sheet the same way: a browser without
// constructable stylesheets never gets this far.)
const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];

// On phones the panel is a full-screen sheet sized to the visual viewport,
// so the composer stays above the on-screen keyboard.
const vv = window.visualViewport;
if (vv) {
  const fit = () => {
    shadow.host.style.setProperty('--fd-vh', vv.height + 'px');
    shadow.host.style.setProperty('--fd-vt', vv.offsetTop + 'px');
  };
  vv.addEventListener('resize', fit);
  vv.addEventListener('scroll', fit);
  fit();
}

// A random key (32 hex digits): getRandomValues works on any page, where
// randomUUID needs a secure context.
h.uuid = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => (b + 256).toString(16).slice(1)).join('');

// Fetch and JSON live here rather than in the wasm: the same in Rust
// (web-sys fetch, serde_json) costs the visitor's download far more.
const parse = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

// Every API call names the site (data-site) in this header: the worker
// checks the page's origin against that site's allowlist. (Without it, the
// default site's.)
const site = h.data.site ? { 'x-frontdesk-site': h.data.site } : {};
const api = (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...site }, cache: 'no-store' });

// Sends a request (body, an object, as JSON if given). Chat turns,
// handoffs and an action's confirmation carry the page's identity (identify with {token} or
// {user_id, user_hash}); one the worker refuses (identity_* codes) is
// dropped, the page told ('identity_error', {code, message}) and the
// request sent again without it: the visitor goes on unverified.
const send = async (method, url, body, accept = '*/*') => {
  const id = body && /(chat|handoff|confirm)$/.test(url) && user && (user.token ? { token: user.token }
    : user.user_hash && { user_id: user.user_id, user_hash: user.user_hash, email: user.email, name: user.name });
  const go = (b) => api(url, {
    method,
    headers: b === undefined ? {} : { 'content-type': 'application/json', accept },
    body: b === undefined ? undefined : JSON.stringify(b),
  });
  const res = await go(id ? { ...body, identity: id } : body);
  const e = id && !res.ok && parse(await res.clone().text())?.error;
  if (!/^identity_/.test(e?.code)) return res;
  user = { email: user.email, name: user.name };
  h.emit('identity_error', e);
  return go(body);
};

// One API call; resolves with [status, parsed body or null].
h.call = async (method, url, body) => {
  const res = await send(method, url, body);
  return [res.status, parse(await res.text())];
};

// The outbox an earlier page stored ([{t: text, k: idempotency key}],
// oldest first), for the widget (outbox.rs), text and key each followed by
// a NUL: cheaper for the wasm than an array. (h.stored(): the loader's one
// read of the storage entry.)
h.pending = () => (h.stored()?.outbox || []).map((m) => m.t + '\0' + m.k + '\0').join('');

// Keeps the widget's state for the next page (the loader reads it into
// mount below): conversation id, newest agent reply seen, has a ticket, and
// the outbox (NUL-separated, as above). With neither a conversation nor an
// outbox, forgets it all. Storage may be blocked: then the widget forgets.
h.save = (conversation, seen, ticket, pending) => {
  h.conv = conversation;
  const p = pending.split('\0');
  const outbox = [];
  for (let i = 0; i + 1 < p.length; i += 2) outbox.push({ t: p[i], k: p[i + 1] });
  try {
    if (conversation || outbox.length) localStorage.setItem(h.key, JSON.stringify({ conversation, seen, ticket, outbox }));
    else localStorage.removeItem(h.key);
  } catch {}
};

// Resolves after ms, or as soon as the browser is back online. (A listener
// left by a timer wake-up only resolves a settled promise.)
const nap = (h.nap = (ms) =>
  new Promise((wake) => {
    setTimeout(wake, ms);
    addEventListener('online', wake, { once: true });
  }));
// An answer's Retry-After in seconds (0: none).
const later = (res) => +res.headers.get('retry-after') || 0;

// Reads a stored conversation back and calls on(kind, id, value) for each
// line in time order: 'visitor' and 'agent' (value: the text; agent lines
// with their message id), 'bot' (a reply object) and 'ticket' (a handoff
// response object). Resolves with [HTTP status (0: unreachable),
// Retry-After in seconds or 0].
h.restore = async (url, on) => {
  try {
    const res = await api(url, {});
    if (!res.ok) return [res.status, later(res)];
    const v = await res.json();
    const c = v.conversation_id;
    const lines = v.messages.map((m) => [m.at, m.role, m.id, m.role != 'bot' ? h.file(m).text
      : { ...m, decision: m.decision || 'small_talk', sources: m.sources || [] }]);
    for (const t of v.tickets) lines.push([t.at, 'ticket', 0, { reference: t.reference, conversation_id: c, email: t.email }]);
    lines.sort((a, b) => a[0] - b[0]);
    for (const [, kind, id, text] of lines) on(kind, id, text);
    return [200, 0];
  } catch {
    return [0, 0];
  }
};

// Thumbs under an answer and an action's confirm card (widget/answers.js),
// fetched with the first answer that has them: h.thumbs(el, url,
// conversation_id, message_id, rating, labels) and h.card(el, url,
// conversation_id, token, labels), both as answers.js describes.
h.thumbs = (...a) => load('answers').then(() => h.rate(...a));
h.card = (...a) => load('answers').then(() => h.confirm(...a));

// One wait for agent replies after message `after`, up to 20 s: on the live
// connection (widget/live.js, fetched on the first wait, i.e. once there is
// a ticket), else one long poll (GET url). Resolves with [status (0:
// unreachable, unreadable or stopped), Retry-After in seconds or 0, the
// replies [{id, text}] when 2xx]; h.unpoll() stops it. When to ask again is
// the widget's call.
let poll;
const scripts = {};
// Fetches widget/<name>.js once (later calls wait for the same load).
const load = (name) => (scripts[name] ||= new Promise((ok) => {
  const s = document.createElement('script');
  s.src = h.base + 'widget/' + name + '.js?v=' + h.version;
  s.onload = s.onerror = ok;
  document.head.append(s);
}));
h.poll = async (url, after) => {
  await load('live');
  const got = await h.liveNext?.(url, after);
  if (got) return got;
  poll = new AbortController();
  try {
    const res = await api(url + '?after=' + after + '&wait=20', { signal: poll.signal });
    return res.ok ? [res.status, 0, (await res.json()).messages.map(h.file)] : [res.status, later(res)];
  } catch {
    return [0, 0];
  }
};
h.unpoll = () => (poll?.abort(), h.liveStop?.());

// Attachments: a button between the message box and Send, and files pasted or dropped
// on the panel; the upload code (widget/attach.js) is fetched on first use.
const attach = (files) => files.length && load('attach').then(() => h.attach?.(files));
// An agent's file: its "📎 name" line becomes a link to the file (signed by
// the worker) once shown. Done here rather than in the wasm, which a view
// for it would grow by ~0.3 KB; h.file notes each message's link.
const links = {};
h.file = (m) => (m.link && (links[m.text] = m.link), m);
new MutationObserver(() => {
  for (const p of h.root.querySelectorAll('.fd-agent .fd-text')) {
    const href = links[p.textContent];
    if (/^https?:/.test(href) && !p.firstElementChild) {
      const a = document.createElement('a');
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.append(...p.childNodes);
      p.append(a);
    }
  }
  const form = h.root.querySelector('.fd-composer');
  if (form && !form.querySelector('.fd-attach')) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'fd-send fd-attach';
    b.textContent = '+';
    b.title = (h.words || {}).attach || 'Attach a file';
    b.setAttribute('aria-label', b.title);
    b.onclick = () => {
      const i = document.createElement('input');
      i.type = 'file';
      i.multiple = true;
      i.accept = 'image/*,.pdf';
      i.onchange = () => attach([...i.files]);
      i.click();
    };
    form.querySelector('.fd-send').before(b);
  }
}).observe(h.root, { childList: true, subtree: true });
h.root.addEventListener('paste', (e) => {
  const f = [...(e.clipboardData?.files || [])];
  if (f.length) e.preventDefault(), attach(f);
});
// Only files: text dragged into the composer drops as usual.
const files = (e) => e.dataTransfer.types.includes('Files') && (e.preventDefault(), [...e.dataTransfer.files]);
h.root.addEventListener('dragover', files);
h.root.addEventListener('drop', (e) => attach(files(e) || []));
// Resolves once the page is shown: at once unless it is hidden.
h.shown = () => new Promise((r) => (document.hidden ? document.addEventListener('visibilitychange', r, { once: true }) : r()));

// Sends one chat turn (body: an object) asking for server-sent events and
// calls on(name, data) for each event as it arrives, data parsed. An error
// answer comes through as on('error', body), a plain JSON answer as one
// 'done'. Resolves with [status, Retry-After in seconds or 0]; status 0
// when the network failed or the stream was cut off before its final event
// (the worker may not have taken the message). Whether and when to send it
// again is the widget's outbox's call (outbox.rs).
h.turn = async (url, body, on) => {
  try {
    const res = await send('POST', url, body, 'text/event-stream');
    const s = res.status;
    if (!res.ok || !/event-stream/.test(res.headers.get('content-type') || '')) {
      on(res.ok ? 'done' : 'error', parse(await res.text()));
      return [s, later(res)];
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let name;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return [name == 'done' ? s : 0, 0];
      buf += value;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        name = 'message';
        const data = [];
        for (const line of buf.slice(0, end).split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        buf = buf.slice(end + 2);
        if (data.length) on(name, parse(data.join('\n')));
      }
    }
  } catch {
    return [0, 0];
  }
};
// Page API: Frontdesk(command, ...args). Commands: open, close, toggle,
// identify({email, name} | {token} | {user_id, user_hash, email, name}),
// on(event, fn), off(event, fn), reset. Events: ready, open, close,
// ticket ({reference, email}), reply ({text}), identity_error ({code, message}).
// Commands queued before the app loaded (Frontdesk.q, kept by the loader)
// run first; open and close the loader already applied.
const listeners = {};
let user = null;
const toLauncher = (name) => h.launcher.dispatchEvent(new CustomEvent(name));
const commands = {
  open: () => toLauncher('fd-open'),
  close: () => toLauncher('fd-close'),
  toggle: () => toLauncher(h.launcher.getAttribute('aria-expanded') == 'true' ? 'fd-close' : 'fd-open'),
  identify: (u) => {
    user = u && typeof u === 'object' ? { ...u } : null;
    // A token's email claim fills the handoff form (the worker checks it).
    try {
      user.email ||= JSON.parse(atob(user.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).email;
    } catch {}
  },
  on: (name, fn) => typeof fn === 'function' && (listeners[name] ||= []).push(fn),
  off: (name, fn) => {
    listeners[name] = (listeners[name] || []).filter((f) => f !== fn);
  },
  reset: () => {
    user = null;
    h.save(null, 0, false, '');
    h.forget();
    toLauncher('fd-reset');
  },
};
h.user = () => user;
// The app calls this; a listener that throws cannot break the widget.
h.emit = (name, detail) => {
  for (const fn of listeners[name] || []) setTimeout(() => fn(detail));
};
const run = (name, ...args) => {
  if (commands[name]) commands[name](...args);
  else console.warn('Frontdesk: unknown command', name);
};
for (const [name, ...args] of window.Frontdesk.q.splice(0)) {
  if (!/^(open|close|toggle)$/.test(name)) run(name, ...args);
}

(async () => {
  try {
    // The visitor's language's words, fetched alongside the wasm (English is
    // built in; a failed fetch just leaves English).
    const words = h.lang == 'en' ? undefined
      : fetch(h.base + 'widget/i18n/' + h.lang + '.json?v=' + h.version).then((r) => (r.ok ? r.json() : undefined)).catch(() => undefined);
    // The site's public settings (frontdesk.toml: greeting, locale; the
    // loader already applied its theme), fetched alongside the wasm; a
    // failed fetch leaves the widget's defaults.
    const settings = fetch(h.base + 'widget/site/' + h.siteKey + '.json?v=' + h.version)
      .then((r) => r.json()).catch(() => ({}));
    await init({ module_or_path: h.base + 'widget/app.wasm?v=' + h.version });
    const d = h.data;
    const s = await settings;
    const saved = h.stored() || {};
    mount(h.root, h.launcher, {
      api: h.base,
      title: d.title,
      // (The build words the site's greeting for every widget language.)
      greeting: d.greeting || s.greeting?.[h.lang],
      open: h.open(),
      lang: h.lang,
      // Origin and path only: query strings can carry tokens and personal data.
      page_url: /^https?:$/.test(location.protocol) ? (location.origin + location.pathname).slice(0, 2048) : null,
      // The visitor's language, for the bot's words when a message is too
      // short to tell (data-locale overrides the browser's).
      locale: d.locale || s.locale || navigator.language,
      // From an earlier page (h.save writes it).
      conversation: saved.conversation,
      seen: +saved.seen || 0,
      ticket: !!saved.ticket,
    }, (h.words = await words));
    h.mounted();
    h.command = run;
    h.emit('ready');
  } catch (e) {
    console.error('frontdesk:', e);
    h.fail();
  }
})();
