// Frontdesk loader (widget.js): the only code that runs on the host page
// until the visitor shows intent. It draws the launcher inside a Shadow DOM
// root, and on hover, focus or click (or `Frontdesk('open')`, or when idle
// with data-preload="idle") fetches the app (app.js + app.wasm).
// It sets no cookie and writes no storage: the widget writes its state only
// once the visitor has opened it and started a conversation. On a later
// page, once the visitor is on it, the loader reads that state, and if a
// person may have replied (the conversation has a ticket) asks once for
// unread replies and badges the launcher with their count.
// A site's settings in frontdesk.toml that the launcher needs (accent, side,
// language, nudges) are inlined by the build (SITES, for the sites that have
// them: [accent, position, locale, [[path regex, delay ms], …]]); the
// script tag's data-* win. On a page whose path a nudge matches, after its
// delay, widget/nudge.js shows the greeting bubble; elsewhere nothing more.
//
// Page API: `Frontdesk(command, ...args)`, usable before this script has
// loaded through the usual queue stub (window.Frontdesk.q); see boot.js.
(() => {
  const script = document.currentScript;
  if (!script || window.__frontdesk) return;
  const data = script.dataset;
  const siteKey = data.site || SITE0;
  const conf = SITES[siteKey] || [];
  const base = new URL(data.endpoint || './', script.src).href;
  const host = document.createElement('div');
  host.setAttribute('data-frontdesk', '');
  // Inline and !important: a host page's `* { all: unset }` or z-index wars
  // cannot move or hide the widget (CSSOM, so a strict CSP allows it).
  const hs = host.style;
  const pin = (k, v) => hs.setProperty(k, v, 'important');
  pin('all', 'initial');
  pin('position', 'fixed');
  pin('display', 'block');
  pin('z-index', /^\d{1,10}$/.test(data.zIndex) ? data.zIndex : '2147483000');
  const px = (v, d) => (/^\d{1,3}$/.test(v) ? v : d) + 'px';
  const x = px(data.offsetX, 20);
  const y = px(data.offsetY, 20);
  const left = (data.position || conf[1]) === 'left';
  pin(left ? 'left' : 'right', x);
  pin('bottom', y);
  pin('--fd-x', x);
  pin('--fd-y', y);
  if (left) host.setAttribute('data-position', 'left');
  const color = data.color || conf[0];
  // (Not pinned: a page's own stylesheet may set --fd-accent !important.)
  if (color && CSS.supports('color', color)) hs.setProperty('--fd-accent', color);
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    '.fd-launcher{all:unset;position:relative;width:56px;height:56px;border-radius:50%;' +
    'background:var(--fd-accent,#2448c8);color:var(--fd-accent-ink,#fff);display:grid;place-items:center;' +
    'cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}' +
    '.fd-launcher:focus-visible{outline:3px solid #ffbf47;outline-offset:3px}' +
    '.fd-launcher svg{width:28px;height:28px;fill:currentColor}' +
    '.fd-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;' +
    'box-sizing:border-box;border-radius:10px;background:#c8102e;color:#fff;' +
    'font:700 12px/20px system-ui,sans-serif;text-align:center}' +
    '.fd-fail{position:fixed;right:var(--fd-x);bottom:calc(var(--fd-y) + 68px);max-width:260px;' +
    'padding:10px 14px;border-radius:10px;background:#fff;color:#1b1f24;font:14px/1.4 system-ui,sans-serif;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.3)}' +
    ':host([data-position=left]) .fd-fail{left:var(--fd-x);right:auto}'
  );
  root.adoptedStyleSheets = [sheet];

  // The visitor's language: data-locale, else the browser's preferences.
  // The launcher's words are here; the app fetches the rest (widget/i18n/).
  const langs = [data.locale || conf[2], ...navigator.languages].filter(Boolean);
  // [launcher, unread, failed] per language, from widget/i18n/ (build.sh
  // inlines WORDS; the app fetches its own words).
  const words = WORDS;
  const lang = langs.map((l) => l.toLowerCase().split(/[-_]/)[0].replace(/^iw$/, 'he')).find((l) => words[l]) || 'en';
  const [openLabel, unreadWord, failText] = words[lang];
  const label = data.label || openLabel;

  const launcher = document.createElement('button');
  // (No type: a button in a shadow root belongs to no form of the page.)
  launcher.className = 'fd-launcher';
  launcher.part = 'launcher';
  launcher.setAttribute('aria-label', label);
  launcher.setAttribute('aria-expanded', 'false');
  // Built node by node: a page with Trusted Types would reject innerHTML.
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.append(path);
  launcher.append(svg);
  const app = document.createElement('div');
  root.append(app, launcher);

  const idle = window.requestIdleCallback || setTimeout;
  let state = 0; // 0: idle, 1: loading, 2: mounted
  let wantOpen = false;
  let note;
  const fail = () => {
    state = 0;
    note?.remove();
    note = document.createElement('div');
    note.className = 'fd-fail';
    note.setAttribute('role', 'alert');
    note.textContent = failText;
    root.append(note);
  };
  const js = (name) => {
    const s = document.createElement('script');
    // (A script added by code is async already.)
    s.src = base + 'widget/' + name + '.js?v=' + VERSION;
    document.head.append(s);
    return s;
  };
  const load = () => {
    if (state) return;
    state = 1;
    note?.remove();
    js('app').onerror = fail;
  };
  const key = 'frontdesk:v1';
  // The state an earlier page saved, read once, when first needed: the first
  // localStorage access costs the page a few ms (the browser loads the
  // origin's storage), so it waits for the visitor (below), or the app.
  let saved;
  const stored = () => {
    if (saved === undefined) {
      saved = null;
      try {
        saved = JSON.parse(localStorage.getItem(key));
      } catch {}
    }
    return saved;
  };
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
    launcher.setAttribute('aria-label', label + ' (' + unreadWord.replace('{n}', n) + ')');
  };
  // A returning visitor's unread replies: looked up once someone is on the
  // page (the first pointer move, key, scroll or touch), when the browser is
  // idle. Not during page load, where the first storage read would be most of
  // the loader's cost to the page.
  let looked;
  const look = () =>
    looked ||
    (looked = idle(() => {
      if (stored()?.ticket) {
        // (No site header: a conversation's endpoints act for its own site,
        // and a plain GET needs no preflight.)
        fetch(base + 'api/v1/conversations/' + encodeURIComponent(saved.conversation) + '/replies?after=' + (saved.seen | 0))
          // (An error's body has no messages: it throws, and is ignored.)
          .then((r) => r.json())
          .then((v) => state < 2 && badge(v.messages.length))
          .catch(() => {});
      }
    }));
  for (const t of ['pointermove', 'keydown', 'scroll', 'touchstart']) addEventListener(t, look, { passive: true, once: true });

  // Page API. Until the app has loaded, commands wait in Frontdesk.q (boot.js
  // runs them); open and close take effect at once.
  const q = window.Frontdesk?.q || [];
  const show = (open) => {
    wantOpen = open;
    if (open) load();
  };
  const F = (window.Frontdesk = (...args) => {
    if (h.command) return h.command(...args);
    q.push(args);
    if (/^(open|close|toggle)$/.test(args[0])) show(args[0] !== 'close' && !(args[0] === 'toggle' && wantOpen));
  });
  F.q = q;
  for (const [name] of q) if (name === 'open') show(true);
  const h = (window.__frontdesk = {
    key,
    stored,
    badge,
    base,
    version: VERSION,
    root: app,
    launcher,
    fail,
    lang,
    mounted: () => {
      state = 2;
    },
    // Frontdesk('reset') before the app loaded: forget the saved conversation.
    forget: () => {
      saved = null;
      badge(0);
    },
    // For the app's configuration (boot.js): the script tag's data-*, and
    // whether the page asked to open.
    data,
    open: () => wantOpen,
    siteKey,
  });

  launcher.addEventListener('pointerenter', load);
  launcher.addEventListener('focus', load);
  launcher.addEventListener('click', () => {
    if (state < 2) { wantOpen = true; load(); }
  });
  // The first nudge whose path matches, shown once after its delay (unless
  // the visitor opened the chat); nudge.js finds it again by its path.
  const nudge = conf[3]?.find(([p]) => RegExp(p).test(location.pathname));
  if (nudge) setTimeout(() => wantOpen || js('nudge'), nudge[1]);
  if (data.preload === 'idle') {
    addEventListener('load', () => idle(load));
  }
  const attach = () => document.body.append(host);
  if (document.body) attach(); else document.addEventListener('DOMContentLoaded', attach);
})();
