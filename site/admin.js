// Frontdesk insights (/admin): a small page over the admin API
// (/api/v1/admin/...). Plain JS, no build step, no dependencies.
//
// Safety rule: conversation data only ever reaches the DOM through
// textContent / createElement (el() in console.js) — never innerHTML —
// and only http(s) or same-site URLs become links.

import { $, el, linkOrText, percent, request, say, timeEl } from './console.js';

const API = '/api/v1/admin';
const TOKEN_KEY = 'frontdesk.adminToken';
const CONVERSATION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REASONS = {
  requested: 'Visitor asked for a person',
  no_match: 'Nothing in the help centre matched',
  always_human: 'Always-human topic',
  frustrated: 'Visitor was frustrated',
  unresolved: 'Not resolved after several turns',
};

let token = null; // set only after the API accepted it
// A link may name the period and site: /admin?from=2026-11-01&to=2026-11-30&site=shop.
const linked = new URLSearchParams(location.search);
let opener = null; // what opened the conversation, focused again when it closes

/** GETs `path` of the admin API with `secret` (default: the signed-in token); the Response. Throws ApiError. */
const get = (path, secret = token) => request(API + path, { secret });

function handleError(err) {
  if (err.status === 401) {
    signOut('That token is no longer accepted. Sign in again.');
    return;
  }
  say(err.message);
}

function query() {
  const q = new URLSearchParams();
  if ($('f-days').value === 'linked') {
    for (const key of ['from', 'to']) if (linked.get(key)) q.set(key, linked.get(key));
  } else {
    q.set('from', `${$('f-days').value}d`);
  }
  // Until the report names the sites, the select has only "All sites".
  const site = $('f-site').options.length > 1 ? $('f-site').value : linked.get('site');
  if (site) q.set('site', site);
  return q;
}

// --- Sign in / out -----------------------------------------------------

async function signIn(secret, fromStorage) {
  const error = $('sign-in-error');
  error.textContent = '';
  if (!secret) {
    error.textContent = 'Enter the admin token.';
    return;
  }
  say('Signing in…');
  try {
    const data = await (await get(`/insights?${query()}`, secret)).json();
    token = secret;
    sessionStorage.setItem(TOKEN_KEY, secret);
    $('token').value = '';
    $('sign-in').hidden = true;
    $('dashboard').hidden = false;
    $('sign-out').hidden = false;
    render(data);
    say('Signed in.');
    openFromHash();
  } catch (err) {
    say('');
    if (fromStorage) sessionStorage.removeItem(TOKEN_KEY);
    error.textContent = err.status === 401 ? 'That token was not accepted. Check it and try again.' : err.message;
    if (!fromStorage) $('token').focus();
  }
}

function signOut(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('dashboard').hidden = true;
  $('detail').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
  say(message ? '' : 'Signed out.');
  if (location.hash) history.replaceState(null, '', location.pathname);
  $('token').focus();
}

// --- The report --------------------------------------------------------

async function load() {
  say('Loading…');
  try {
    render(await (await get(`/insights?${query()}`)).json());
    say('Updated.');
  } catch (err) {
    handleError(err);
  }
}

function tile(name, value, note) {
  const node = document.querySelector(`[data-tile="${name}"]`);
  node.querySelector('.value').textContent = value;
  node.querySelector('.note').textContent = note;
}

function render(data) {
  const day = (ms) => new Date(ms).toLocaleDateString();
  $('period').textContent = `${day(data.from)} – ${day(data.to)}`;
  $('truncated').hidden = !data.truncated;
  renderSites(data.sites || []);
  const t = data.bot_turns;
  const r = data.resolutions;
  tile('conversations', String(data.conversations.total), `${t.total} bot turns`);
  tile('answered', percent(t.answered_share), `${t.answered} turns`);
  tile('suggested', percent(t.suggested_share), `${t.suggested} turns`);
  tile('escalated', percent(t.escalated_share), `${t.escalated} turns`);
  tile('confirmed', String(r.confirmed), 'visitor said it helped');
  tile('assumed', String(r.assumed), `${r.pending} still recent`);
  tile('tickets', String(data.tickets.total), topTopics(data.tickets.by_topic));
  const a = data.actions;
  tile('actions', String(a.used), `${a.succeeded} succeeded, ${a.failed + a.unknown} failed or unknown`);
  bars($('actions'), a.by_action.map((c) => [`${c.action} (${c.succeeded} succeeded, ${c.failed} failed)`, c.used, c.action]));
  $('assumed-after').textContent = quietText(r.quiet_secs);
  bars($('reasons'), data.escalation_reasons.map((c) => [REASONS[c.key] || c.key, c.count, c.key]));
  bars($('languages'), data.conversations.by_lang.map((c) => [c.key, c.count, c.key]));
  renderGroups(data.unanswered);
  renderArticles(data.articles);
}

function quietText(secs) {
  return secs % 60 === 0 ? `${secs / 60} minutes` : `${secs} seconds`;
}

function topTopics(byTopic) {
  const named = byTopic.filter((c) => c.key !== 'none').slice(0, 3);
  return named.length ? named.map((c) => `${c.key}: ${c.count}`).join(', ') : 'opened by visitors';
}

function renderSites(sites) {
  const select = $('f-site');
  if (select.options.length > 1 || !sites.length) return;
  for (const s of sites) select.append(el('option', { value: s.key, text: s.name || s.key }));
  if (sites.some((s) => s.key === linked.get('site'))) select.value = linked.get('site');
}

/** A bar list: label, count, and a bar as wide as the count's share of the largest. */
function bars(list, items) {
  const max = Math.max(1, ...items.map((i) => i[1]));
  list.replaceChildren(
    ...items.map(([label, count, key]) => {
      const bar = el('span', { className: 'bar-fill', 'aria-hidden': 'true' });
      bar.style.width = `${(count / max) * 100}%`;
      return el(
        'li',
        { 'data-key': key },
        el('span', { className: 'bar-label', text: label }),
        el('span', { className: 'bar-track' }, bar),
        el('span', { className: 'bar-count', text: String(count) }),
      );
    }),
  );
}

function renderGroups(groups) {
  $('next-empty').hidden = groups.length > 0;
  $('groups').replaceChildren(
    ...groups.map((g) => {
      const convs = g.conversations.length;
      const meta = `${g.count} ${g.count === 1 ? 'question' : 'questions'} · ${convs} ${
        convs === 1 ? 'conversation' : 'conversations'
      } · ${g.languages.join(', ')}`;
      const items = g.questions.map((q) =>
        el(
          'li',
          {},
          el('a', { href: `#conversation=${q.conversation}`, text: q.text }),
          el('span', { className: 'hint', text: ` (${q.lang}, ` }),
          timeEl(q.at),
          el('span', { className: 'hint', text: ')' }),
        ),
      );
      return el(
        'li',
        { className: 'group' },
        el('strong', { className: 'representative', text: g.representative }),
        el('span', { className: 'meta', text: meta }),
        el('details', {}, el('summary', { text: 'Questions and conversations' }), el('ul', {}, ...items)),
      );
    }),
  );
}

function renderArticles(articles) {
  $('articles-empty').hidden = articles.length > 0;
  $('articles').hidden = articles.length === 0;
  $('articles').tBodies[0].replaceChildren(
    ...articles.map((a) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, linkOrText(a.url, a.title, location.origin)),
        el('td', { className: 'num', text: String(a.answers) }),
        el('td', { className: 'num', text: String(a.suggestions) }),
        el('td', { className: 'num', text: String(a.thumbs_up) }),
        el('td', { className: 'num', text: String(a.thumbs_down) }),
      ),
    ),
  );
}

// --- One conversation --------------------------------------------------

function openFromHash() {
  const m = /^#conversation=(.+)$/.exec(location.hash);
  if (m && token && CONVERSATION.test(m[1])) openConversation(m[1]);
}

async function openConversation(id) {
  opener = document.activeElement;
  say('Loading the conversation…');
  try {
    const c = await (await get(`/conversations/${encodeURIComponent(id)}`)).json();
    $('detail-title').textContent = `Conversation ${id.slice(0, 8)}`;
    $('d-site').textContent = c.site || '(default)';
    $('d-page').replaceChildren(c.page_url ? linkOrText(c.page_url, c.page_url, location.origin) : el('span', { text: '—' }));
    $('d-started').replaceWith(Object.assign(timeEl(c.started), { id: 'd-started' }));
    $('d-messages').replaceChildren(...c.messages.map(messageItem));
    $('d-tickets').replaceChildren(
      ...(c.tickets.length
        ? c.tickets.map((t) => el('li', { text: `${t.reference} (${t.status}) — ${t.email}` }))
        : [el('li', { className: 'hint', text: 'None' })]),
    );
    $('detail').hidden = false;
    $('detail').focus();
    say(`Conversation ${id.slice(0, 8)} opened.`);
  } catch (err) {
    handleError(err);
  }
}

function messageItem(m) {
  const facts = [];
  if (m.decision) facts.push(m.decision.replace('_', ' '));
  if (m.reason) facts.push(REASONS[m.reason] || m.reason);
  if (m.lang) facts.push(m.lang);
  if (m.rating) facts.push(m.rating === 'up' ? '👍 helpful' : '👎 not helpful');
  const who = el('span', { className: 'who' }, el('strong', { text: m.role }), ' · ', timeEl(m.at));
  if (facts.length) who.append(` · ${facts.join(' · ')}`);
  const sources = m.sources && m.sources.length
    ? el('ul', { className: 'sources' }, ...m.sources.map((s) => el('li', {}, linkOrText(s.url, s.title, location.origin))))
    : null;
  return el('li', { className: `turn turn-${m.role}` }, who, el('p', { className: 'text', text: m.text }), sources);
}

function closeConversation() {
  $('detail').hidden = true;
  if (location.hash) history.replaceState(null, '', location.pathname);
  if (opener && opener.isConnected) opener.focus();
}

// --- Export ------------------------------------------------------------

async function exportKind(kind) {
  const format = new FormData($('export')).get('format') || 'csv';
  const q = query();
  q.set('kind', kind);
  q.set('format', format);
  say('Exporting…');
  try {
    const res = await get(`/export?${q}`);
    const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: name ? name[1] : `frontdesk-${kind}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    say(`Exported ${kind} as ${format.toUpperCase()}.`);
  } catch (err) {
    handleError(err);
  }
}

// --- Wiring ------------------------------------------------------------

function start() {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('token').value.trim(), false);
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  for (const id of ['f-days', 'f-site']) $(id).addEventListener('change', load);
  for (const button of document.querySelectorAll('#export button[data-kind]')) {
    button.addEventListener('click', () => exportKind(button.dataset.kind));
  }
  $('d-close').addEventListener('click', closeConversation);
  window.addEventListener('hashchange', openFromHash);

  if (linked.get('from') || linked.get('to')) {
    $('f-days').append(el('option', { value: 'linked', text: 'Period of the link' }));
    $('f-days').value = 'linked';
  }
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved, true);
  else $('token').focus();
}

start();
