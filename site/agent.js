// Frontdesk agent inbox (/agent): a small page over the agent API
// (/api/v1/agent/...). Plain JS, no build step, no dependencies.
//
// Safety rule: ticket and visitor data only ever reaches the DOM through
// textContent / createElement (el() in console.js) — never innerHTML —
// and only http(s) URLs become links.

import { $, el, linkOrText, percent, request, safeHref, say, setTime, timeEl } from './console.js';

const API = '/api/v1/agent';
const TOKEN_KEY = 'frontdesk.agentToken';
const REFRESH_MS = 15000;
const REFERENCE = /^FD-[0-9A-Z]{8}$/;

let token = null; // set only after the API accepted it
let current = null; // the open ticket: the API's {ticket, status, conversation, deliveries}
let loading = 0; // list/detail loads running (auto-refresh skips its turn meanwhile)
const topics = new Set();
const sites = new Set();

/** The first line of `text`, cut to `max` characters. */
function clip(text, max) {
  const line = String(text || '').split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Calls the agent API with `secret` (default: the signed-in token); its JSON. Throws ApiError. */
async function api(method, path, body, secret = token) {
  const res = await request(API + path, { method, body, secret });
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** A 401 after sign-in means the token changed: back to the sign-in form. */
function handleError(err, where) {
  if (err.status === 401) {
    signOut('That token is no longer accepted. Sign in again.');
    return;
  }
  (where || say)(err.message);
}

// --- Sign in / out -----------------------------------------------------

function listPath() {
  const q = new URLSearchParams({ limit: '100' });
  const status = $('f-status').value;
  const priority = $('f-priority').value;
  const topic = $('f-topic').value.trim();
  const site = $('f-site').value.trim();
  if (site) q.set('site', site);
  if (status) q.set('status', status);
  if (priority) q.set('priority', priority);
  if (topic) q.set('topic', topic);
  return `/tickets?${q}`;
}

async function signIn(secret, fromStorage) {
  const error = $('sign-in-error');
  error.textContent = '';
  if (!secret) {
    error.textContent = 'Enter the agent token.';
    return;
  }
  say('Signing in…');
  try {
    const list = await api('GET', listPath(), undefined, secret);
    token = secret;
    sessionStorage.setItem(TOKEN_KEY, secret);
    $('token').value = '';
    $('sign-in').hidden = true;
    $('inbox').hidden = false;
    $('sign-out').hidden = false;
    renderList(list);
    say(`Signed in. ${countText(list.length)}`);
    watchInbox();
    openFromHash();
  } catch (err) {
    say('');
    if (fromStorage) sessionStorage.removeItem(TOKEN_KEY);
    error.textContent = err.status === 401 ? 'That token was not accepted. Check it and try again.' : err.message;
    if (!fromStorage) $('token').focus();
  }
}

function signOut(message) {
  watchLive(null);
  inboxLive?.close();
  inboxLive = null;
  token = null;
  current = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('ticket-list').replaceChildren();
  $('detail').hidden = true;
  $('inbox').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
  say(message ? '' : 'Signed out.');
  if (location.hash) history.replaceState(null, '', location.pathname);
  $('token').focus();
}

// --- Ticket list -------------------------------------------------------

const countText = (n) => (n === 1 ? '1 ticket.' : `${n} tickets.`);

async function loadList(quiet) {
  if (!token) return;
  loading += 1;
  if (!quiet) say('Loading tickets…');
  try {
    const list = await api('GET', listPath());
    renderList(list);
    if (!quiet) say(countText(list.length));
  } catch (err) {
    if (!quiet || err.status === 401) handleError(err);
  } finally {
    loading -= 1;
  }
}

function renderList(list) {
  const items = list.map((t) => {
    if (t.topic) topics.add(t.topic);
    if (t.site) sites.add(t.site);
    const selected = current && current.ticket.reference === t.reference;
    const tags = el(
      'span',
      { className: 'tags' },
      el('span', { className: `badge priority-${t.priority || 'none'}`, text: t.priority || 'no priority' }),
      el('span', { className: `badge status-${t.status}`, text: t.status }),
      el('span', { className: 'tag', text: t.topic || 'no topic' }),
      el('span', { className: 'tag', text: t.language || 'und', title: 'Language' }),
      el('span', { className: 'tag', text: t.site, title: 'Site' }),
    );
    const dead = t.dead_deliveries && t.dead_deliveries.length
      ? el('span', { className: 'dead', text: `Delivery failed: ${t.dead_deliveries.join(', ')}` })
      : null;
    const link = el(
      'a',
      { href: `#${t.reference}`, className: 'ticket', 'aria-current': selected ? 'true' : null, 'data-reference': t.reference },
      el('span', { className: 'ref-line' }, el('strong', { text: t.reference }), ' ', timeEl(t.created_at)),
      tags,
      el('span', { className: 'summary', text: clip(t.summary || '(no summary)', 140) }),
      el('span', { className: 'email', text: t.email }),
      dead,
    );
    return el('li', {}, link);
  });
  $('ticket-list').replaceChildren(...items);
  $('list-empty').hidden = list.length > 0;
  $('topics').replaceChildren(...[...topics].sort().map((value) => el('option', { value })));
  $('sites').replaceChildren(...[...sites].sort().map((value) => el('option', { value })));
}

// --- Ticket detail -----------------------------------------------------

function openFromHash() {
  const reference = decodeURIComponent(location.hash.slice(1));
  if (!token) return;
  if (!REFERENCE.test(reference)) {
    current = null;
    $('detail').hidden = true;
    markSelected();
    return;
  }
  loadDetail(reference, false);
}

async function loadDetail(reference, quiet) {
  loading += 1;
  if (!quiet) say(`Loading ${reference}…`);
  try {
    const data = await api('GET', `/tickets/${encodeURIComponent(reference)}`);
    const fresh = !current || current.ticket.reference !== reference;
    current = data;
    renderDetail(data, fresh);
    if (!quiet) {
      say(`${reference} loaded.`);
      $('detail-title').focus();
    }
  } catch (err) {
    if (!quiet || err.status === 401) handleError(err);
  } finally {
    loading -= 1;
  }
}

function markSelected() {
  for (const a of $('ticket-list').querySelectorAll('a.ticket')) {
    if (current && a.dataset.reference === current.ticket.reference) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
}

/** Fills the detail section. `fresh`: another ticket was opened (clear the reply form). */
function renderDetail(data, fresh) {
  const t = data.ticket;
  $('detail').hidden = false;
  $('detail-title').textContent = `Ticket ${t.reference}`;
  $('detail-title').tabIndex = -1;
  renderStatus(data.status);
  setTime($('d-created'), t.created_at);
  $('d-summary').textContent = t.summary ? t.summary.text : '';

  const tr = t.triage || {};
  const fact = (term, c, extra) =>
    [el('dt', { text: term }), el('dd', {}, c ? `${c.value} (${percent(c.confidence)} sure)` : 'unknown', extra)];
  const signals = tr.priority_signals && tr.priority_signals.length
    ? el('span', { className: 'signals', text: ` — signals: ${tr.priority_signals.join(', ')}` })
    : null;
  $('d-triage').replaceChildren(
    ...fact('Topic', tr.topic),
    ...fact('Priority', tr.priority, signals),
    ...fact('Sentiment', tr.sentiment),
    ...fact('Language', tr.language),
  );

  $('d-email').textContent = t.requester ? t.requester.email : '';
  // The site (frontdesk.toml [[site]]) the conversation came from.
  $('d-site').textContent = t.site ? `${t.site.name} (${t.site.key})` : 'not recorded';
  $('d-page').replaceChildren(t.page_url ? linkOrText(t.page_url, t.page_url) : 'not given');
  $('d-note').textContent = t.note || 'none';

  const attempts = (t.bot_attempts || []).map((a) =>
    el(
      'li',
      {},
      el('p', { className: 'text' }, el('strong', { text: 'Visitor asked: ' }), a.question),
      el('p', {}, `Bot ${decisionText(a.decision)}`),
      a.articles && a.articles.length
        ? el('ul', {}, ...a.articles.map((s) => el('li', {}, linkOrText(s.url, s.title, location.origin))))
        : null,
    ),
  );
  $('d-attempts').replaceChildren(...(attempts.length ? attempts : [el('li', { text: 'Nothing: the visitor asked for a person first.' })]));

  renderConversation(data.conversation || []);
  renderAttachments(data.attachments || []);

  const rows = (data.deliveries || []).map((d) =>
    el(
      'tr',
      { className: d.status === 'dead' ? 'dead-row' : null },
      el('td', { text: d.sink }),
      el('td', { text: d.status === 'dead' ? 'dead (gave up)' : d.status }),
      el('td', { text: String(d.attempts) }),
      el('td', { text: d.last_error || '' }),
    ),
  );
  $('d-deliveries').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '4', text: 'No sinks configured.' }))]));

  if (fresh) {
    $('reply-text').value = '';
    $('reply-error').textContent = '';
    // Connecting tells the visitor's open widget that an agent has joined.
    watchLive(data.status === 'open' ? t.reference : null);
  }
  markSelected();
}

/** Tells the visitor's open widget (if any) that the agent is typing; best effort. */
let typedAt = 0;
function presence(what) {
  if (!current) return;
  api('POST', `/tickets/${encodeURIComponent(current.ticket.reference)}/${what}`).catch(() => {});
}

/**
 * A WebSocket to `path` of the agent API, the token as its second
 * subprotocol; `on(event)` gets each JSON event while it is still `current()`.
 */
function agentSocket(path, current, on) {
  const url = new URL(API + path, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws;
  try {
    ws = new WebSocket(url, ['frontdesk-agent', token]);
  } catch {
    return null;
  }
  ws.onmessage = (e) => {
    let event;
    try {
      event = JSON.parse(e.data);
    } catch {
      return;
    }
    if (token && current(ws)) on(event);
  };
  return ws;
}

/** The list's live connection: read again whenever a ticket is opened, answered or closed. */
let inboxLive = null;
function watchInbox() {
  inboxLive?.close();
  inboxLive = agentSocket('/live', (ws) => inboxLive === ws, (event) => {
    if (event.type === 'changed') loadList(true);
  });
}

/**
 * The open ticket's live connection (a WebSocket to its conversation; the
 * token goes as the second subprotocol, since a browser's WebSocket cannot
 * send Authorization): "The visitor is typing…", and the conversation read
 * again as soon as they write. Without it, the 15 s refresh still runs.
 */
let live = null;
let typingTimer = 0;
function watchLive(reference) {
  live?.close();
  live = null;
  $('d-typing').textContent = '';
  if (!reference || !token) return;
  const mine = (ws) => live === ws && current && current.ticket.reference === reference;
  live = agentSocket(`/tickets/${encodeURIComponent(reference)}/live`, mine, (event) => {
    if (event.type === 'typing' && event.from === 'visitor') {
      $('d-typing').textContent = 'The visitor is typing…';
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => ($('d-typing').textContent = ''), 4000);
    } else if (event.type === 'changed') {
      $('d-typing').textContent = '';
      loadDetail(reference, true);
    }
  });
}

function renderStatus(status) {
  $('d-status').textContent = status;
  $('close-ticket').disabled = status === 'closed';
}

const ROLE = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent' };

function decisionText(decision) {
  return (
    { answer: 'answered', suggest: 'suggested articles', escalate: 'offered a person', small_talk: 'made small talk' }[decision] ||
    String(decision)
  );
}

function renderConversation(entries) {
  const items = entries.map((e) =>
    el(
      'li',
      { className: `turn turn-${e.role}` },
      el('span', { className: 'who' }, el('strong', { text: ROLE[e.role] || e.role }), ' ', timeEl(e.at),
        e.decision ? ` · ${decisionText(e.decision)}` : null),
      el('p', { className: 'text', text: e.text }),
      e.sources && e.sources.length
        ? el('ul', { className: 'sources' }, ...e.sources.map((s) => el('li', {}, linkOrText(s.url, s.title, location.origin))))
        : null,
    ),
  );
  $('d-conversation').replaceChildren(...items);
}

// The visitor's files: images shown small (a link opens them whole), PDFs
// as links. Each URL is a signed link good for 15 minutes, made when the
// ticket was read (every open and refresh reads it again).
function renderAttachments(files) {
  const size = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
  const items = files.map((f) => {
    const href = safeHref(f.url, location.origin);
    const label = `${f.name} (${f.content_type === 'application/pdf' ? 'PDF' : 'image'}, ${size(f.size)})`;
    if (!href) return el('li', { text: label });
    const link = el('a', { href, target: '_blank', rel: 'noopener noreferrer' });
    if (f.content_type.startsWith('image/')) link.append(el('img', { src: href, alt: f.name, loading: 'lazy' }));
    link.append(el('span', { text: label }));
    return el('li', {}, link);
  });
  $('d-attachments').replaceChildren(...(items.length ? items : [el('li', { className: 'none', text: 'None.' })]));
}

// --- Reply and close ---------------------------------------------------

/** Sends each chosen file to the visitor as the agent's message; the ticket is read again after. */
async function sendFiles() {
  const input = $('reply-file');
  if (!current || !input.files.length) return;
  const reference = current.ticket.reference;
  const error = $('reply-error');
  error.textContent = '';
  input.disabled = true;
  const failed = [];
  for (const file of input.files) {
    say(`Sending ${file.name}…`);
    try {
      await api('POST', `/tickets/${encodeURIComponent(reference)}/attachments?name=${encodeURIComponent(file.name)}`, file);
    } catch (err) {
      if (err.status === 401) return handleError(err);
      failed.push(`${file.name}: ${err.message}`);
    }
  }
  input.value = '';
  input.disabled = false;
  error.textContent = failed.join(' ');
  say(failed.length ? 'Some files were not sent.' : `Sent to ${reference}.`);
  loadDetail(reference, true);
}

async function sendReply(event) {
  event.preventDefault();
  if (!current) return;
  const reference = current.ticket.reference;
  const error = $('reply-error');
  const send = $('reply-send');
  error.textContent = '';
  send.disabled = true;
  say('Sending reply…');
  try {
    const sent = await api('POST', `/tickets/${encodeURIComponent(reference)}/reply`, { text: $('reply-text').value });
    if (current && current.ticket.reference === reference) {
      current.conversation.push({ role: sent.role || 'agent', text: sent.text, at: Date.now() });
      renderConversation(current.conversation);
      $('reply-text').value = '';
    }
    say(`Reply sent to ${reference}.`);
  } catch (err) {
    say('');
    handleError(err, (message) => {
      error.textContent = message;
    });
  } finally {
    send.disabled = false;
  }
}

async function closeTicket() {
  if (!current) return;
  const reference = current.ticket.reference;
  const button = $('close-ticket');
  button.disabled = true;
  say(`Closing ${reference}…`);
  try {
    const res = await api('POST', `/tickets/${encodeURIComponent(reference)}/close`);
    if (current && current.ticket.reference === reference) {
      current.status = res.status;
      renderStatus(res.status);
    }
    await loadList(true);
    say(`${reference} closed.`);
  } catch (err) {
    button.disabled = current && current.status === 'closed';
    handleError(err);
  }
}

// --- Wiring ------------------------------------------------------------

function autoRefresh() {
  if (!token || loading > 0 || document.visibilityState !== 'visible') return;
  loadList(true);
  if (current) loadDetail(current.ticket.reference, true);
}

function start() {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('token').value.trim(), false);
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadList(false);
  });
  for (const id of ['f-status', 'f-priority', 'f-topic', 'f-site']) {
    $(id).addEventListener('change', () => loadList(false));
  }
  $('reply-form').addEventListener('submit', sendReply);
  $('reply-file').addEventListener('change', sendFiles);
  // "An agent is typing…" in the visitor's widget, at most every 2 s.
  $('reply-text').addEventListener('input', () => {
    if (Date.now() - typedAt < 2000) return;
    typedAt = Date.now();
    presence('typing');
  });
  $('close-ticket').addEventListener('click', closeTicket);
  window.addEventListener('hashchange', openFromHash);
  document.addEventListener('visibilitychange', autoRefresh);
  setInterval(autoRefresh, REFRESH_MS);

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved, true);
  else $('token').focus();
}

start();
