// The proactive greeting bubble ([[site.nudge]] in frontdesk.toml). The
// loader fetches this script only on a page whose path matches a nudge of
// its site, once that nudge's delay has passed: other pages never load it.
// It fetches the site's public settings for the words, and draws a small
// bubble next to the launcher, inside the widget's shadow root:
// - once per page view, and not at all if the visitor already opened the
//   chat; nothing is stored (no cookie, no storage);
// - announced politely (role="status"), never taking focus;
// - dismissed by its close button or Esc; clicking its text opens the chat;
// - still when the visitor prefers reduced motion;
// - compact on narrow screens: it stays in the launcher's corner (above
//   the launcher, at most 200 px wide and three lines), never a full-width
//   overlay on the page's content.
(async () => {
  // The close button's accessible name, per widget language.
  const DISMISS = {
    ar: 'إغلاق الرسالة',
    de: 'Hinweis schließen',
    en: 'Dismiss',
    es: 'Cerrar mensaje',
    fr: 'Fermer le message',
    he: 'סגירת ההודעה',
    it: 'Chiudi messaggio',
    pl: 'Zamknij wiadomość',
    pt: 'Fechar mensagem',
    ru: 'Закрыть сообщение',
    zh: '关闭提示',
  };
  const h = window.__frontdesk;
  const launcher = h.launcher;
  const opened = () => h.open() || launcher.getAttribute('aria-expanded') === 'true';
  if (opened()) return;
  let texts;
  try {
    const res = await fetch(h.base + 'widget/site/' + h.siteKey + '.json?v=' + h.version);
    // The first nudge whose path matches (the loader's choice too).
    texts = (await res.json()).nudges.find((n) => RegExp(n.path).test(location.pathname)).text;
  } catch {
    return;
  }
  // (The build words each nudge for every widget language.)
  const text = texts?.[h.lang];
  if (!text || opened()) return;

  const root = launcher.getRootNode();
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    '.fd-nudge{position:absolute;right:0;bottom:68px;display:flex;align-items:flex-start;gap:4px;' +
    'width:max-content;max-width:min(280px,calc(100vw - 2 * var(--fd-x)));box-sizing:border-box;' +
    'padding:4px 4px 4px 0;border-radius:12px;background:#fff;color:#1b1f24;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.3);font:14px/1.4 system-ui,sans-serif;animation:fd-in .2s ease-out}' +
    ':host([data-position=left]) .fd-nudge{left:0;right:auto}' +
    // (:where: the reset must not outweigh the two buttons' own rules.)
    '.fd-nudge :where(button){all:unset;box-sizing:border-box;cursor:pointer;border-radius:8px}' +
    '.fd-nudge button:focus-visible{outline:3px solid #ffbf47;outline-offset:1px}' +
    '.fd-nudge-text{padding:6px 4px 6px 12px;overflow-wrap:anywhere}' +
    '.fd-nudge-x{flex:none;width:28px;height:28px;text-align:center;font:20px/28px system-ui,sans-serif;color:#555}' +
    '.fd-nudge-x:hover{background:#eef0f3}' +
    '@media (max-width:480px){.fd-nudge{max-width:200px;font-size:13px}' +
    '.fd-nudge-text{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}}' +
    '@keyframes fd-in{from{opacity:0;transform:translateY(6px)}}' +
    '@media (prefers-reduced-motion:reduce){.fd-nudge{animation:none}}'
  );
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  // A live region first, then its content: screen readers announce a change
  // to a region they already know.
  const box = document.createElement('div');
  box.className = 'fd-nudge';
  box.setAttribute('role', 'status');
  box.setAttribute('part', 'nudge');
  launcher.before(box);
  const say = document.createElement('button');
  say.type = 'button';
  say.className = 'fd-nudge-text';
  say.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'fd-nudge-x';
  close.setAttribute('aria-label', DISMISS[h.lang] || DISMISS.en);
  close.textContent = '\u00d7';

  // A keyboard user's focus goes back to the launcher (not to the page's
  // top); a pointer's stays where it is, so dismissing loads nothing.
  const done = () => {
    if (box.matches(':focus-within') && root.activeElement?.matches(':focus-visible')) launcher.focus();
    box.remove();
    removeEventListener('keydown', esc);
    launcher.removeEventListener('click', done);
    launcher.removeEventListener('fd-open', done);
  };
  const esc = (e) => e.key === 'Escape' && done();
  say.onclick = () => {
    done();
    window.Frontdesk('open');
  };
  close.onclick = done;
  addEventListener('keydown', esc);
  // Opening the chat any other way takes the bubble away too.
  launcher.addEventListener('click', done);
  launcher.addEventListener('fd-open', done);
  requestAnimationFrame(() => box.append(say, close));
})();

