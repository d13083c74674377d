// Frontdesk loader (widget.js): the only code that runs on the host page
// until the visitor shows intent. It draws the launcher inside a Shadow DOM
// root, and on hover, focus or click fetches the app (app.js + app.wasm).
// It sets no cookie and writes no storage: the widget writes its state only
// once the visitor has opened it and started a conversation. On a later
// page, the loader reads that state, and if a person may have replied (the
// conversation has a ticket) asks once for unread replies and badges the
// launcher with their count.
(() => {
  const script = document.currentScript;
  if (!script || window.__frontdesk) return;
  const base = new URL('./', script.src).href;
  const data = script.dataset;
  const host = document.createElement('div');
  host.setAttribute('data-frontdesk', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    ':host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000}' +
    '.fd-launcher{all:unset;position:relative;box-sizing:border-box;width:56px;height:56px;border-radius:50%;' +
    'background:#2448c8;color:#fff;display:grid;place-items:center;cursor:pointer;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.3)}' +
    '.fd-launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}' +
    '.fd-launcher svg{width:28px;height:28px}' +
    '.fd-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;' +
    'box-sizing:border-box;border-radius:10px;background:#c8102e;color:#fff;' +
    'font:700 12px/20px system-ui,sans-serif;text-align:center}' +
    '.fd-fail{position:fixed;right:20px;bottom:88px;max-width:260px;margin:0;padding:10px 14px;' +
    'border-radius:10px;background:#fff;color:#1b1f24;font:14px/1.4 system-ui,sans-serif;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.2)}'
  );
  root.adoptedStyleSheets = [sheet];
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'fd-launcher';
  const label = data.label || 'Open support chat';
  launcher.setAttribute('aria-label', label);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  const app = document.createElement('div');
  root.append(app, launcher);

  let state = 0; // 0: idle, 1: loading, 2: mounted
  let wantOpen = false;
  const fail = () => {
    state = 0;
    const note = document.createElement('p');
    note.className = 'fd-fail';
    note.setAttribute('role', 'alert');
    note.textContent = 'Support chat could not load. Please try again in a moment.';
    root.querySelector('.fd-fail')?.remove();
    root.append(note);
  };
  const load = () => {
    if (state) return;
    state = 1;
    root.querySelector('.fd-fail')?.remove();
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = base + 'widget/app.css?v=' + VERSION;
    root.prepend(css);
    const s = document.createElement('script');
    s.src = base + 'widget/app.js?v=' + VERSION;
    s.async = true;
    s.onerror = fail;
    document.head.append(s);
  };
  const key = 'frontdesk:v1';
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(key));
  } catch {}
  // n unread replies on the launcher: a badge, and in its accessible name.
  const badge = (n) => {
    let b = launcher.querySelector('.fd-badge');
    if (!n) {
      b?.remove();
      launcher.setAttribute('aria-label', label);
      return;
    }
    if (!b) {
      b = document.createElement('span');
      b.className = 'fd-badge';
      b.setAttribute('aria-hidden', 'true');
      launcher.append(b);
    }
    b.textContent = n;
    launcher.setAttribute('aria-label', label + ' (' + n + ' unread)');
  };
  if (saved && saved.ticket) {
    fetch(base + 'api/v1/conversations/' + encodeURIComponent(saved.conversation) + '/replies?after=' + (saved.seen | 0))
      .then((r) => (r.ok ? r.json() : null))
      .then((v) => { if (v && state < 2) badge(v.messages.length); })
      .catch(() => {});
  }
  window.__frontdesk = {
    key,
    badge,
    base,
    version: VERSION,
    root: app,
    launcher,
    fail,
    mounted: () => { state = 2; },
    config: () => ({
      api: base,
      title: data.title || 'Support',
      open: wantOpen,
      // Origin and path only: query strings can carry tokens and personal data.
      page_url: /^https?:$/.test(location.protocol)
        ? (location.origin + location.pathname).slice(0, 2048)
        : null,
      // The visitor's language, for the bot's words when a message is too
      // short to tell (data-locale overrides the browser's).
      locale: data.locale || navigator.language || null,
      // From an earlier page (h.save in boot.js writes it).
      conversation: saved && typeof saved.conversation === 'string' ? saved.conversation : null,
      seen: (saved && +saved.seen) || 0,
      ticket: !!(saved && saved.ticket),
    }),
  };
  launcher.addEventListener('pointerenter', load);
  launcher.addEventListener('focus', load);
  launcher.addEventListener('click', () => {
    if (state < 2) { wantOpen = true; load(); }
  });
  const attach = () => document.body.append(host);
  if (document.body) attach(); else document.addEventListener('DOMContentLoaded', attach);
})();
