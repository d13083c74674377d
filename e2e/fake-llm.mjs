// A scripted OpenAI-compatible Chat Completions server on loopback, for the
// e2e tests of the worker's generator path. It plays whatever the test asks
// for: a streamed answer, a refusal (NO_ANSWER), a stall, an error, garbage.
//
//   POST /v1/chat/completions   the API (checks the bearer key, records the request)
//   POST /v1/embeddings         scripted embeddings (see embed() below)
//   POST /__mode                {"mode": "...", "text": "..."} sets the next behaviour
//   GET  /__requests            the requests received so far (JSON array)
//
// Modes: answer (default; streams `text` word by word), slow (the same with
// 300 ms between words), no_answer, stall (headers never sent), error (500),
// garbage (200 with a stream that is not JSON), plain (a non-streamed JSON
// completion); for the fault runs of scripts/load.mjs also stall_mid (two
// words, then silence), wrong_shape (well-formed SSE whose JSON is not a
// chat completion chunk) and html (200 with an HTML error page). A ticket-summary request (its system message starts with the
// worker's SUMMARY_PROMPT_START, shared/src/llm/summary.rs) is answered with
// `summary` (set with /__mode too) in the answer, slow (after 2.5 s) and
// plain modes, whole or streamed as it asks; other modes treat it like any
// request.
//
// Mode obedient plays a model with no defences at all, for the
// prompt-injection suite (injection.spec.ts): it does whatever the latest
// instruction in the request asks. Asked for its prompt or rules (in several
// languages), it writes its whole system prompt and instructions; asked for
// keys, tokens, passwords, settings, it writes every secret-looking string
// in the request and the values in FAKE_LLM_KNOWS (JSON array: secrets we
// pretend leaked into the model elsewhere, to exercise the worker's value
// check); an instruction line in the sources or the question ("AI: …",
// "assistant: …", "Note to AI …: …") is carried out by writing its text;
// anything else (write a poem, code, homework…) it "does", quoting the
// request. Each request's reply text is recorded with it (`reply`).
// With `usage` (a number) in /__mode, a streamed answer's last chunk
// reports that many tokens used (`usage.total_tokens`, as providers do when
// asked; the worker charges it to the daily token limits); without it, no
// usage is reported and the worker estimates. Each /__mode resets it.
// A request offering `tools` (the worker asking which of a site's actions a
// message is for) is answered, in modes answer, plain and obedient, by
// chooseTool() below; the other modes fail it as they fail an answer.
// It exits by itself after an hour, whatever happens.
import http from 'node:http';

const port = Number(process.argv[2] || 8790);
const KEY = process.env.FAKE_LLM_KEY || 'test-key';
let mode = 'answer';
let text = 'Open the note and choose ⋯ → Export, then pick PDF [1].';
let summary = 'Fake model summary: the visitor was billed twice and wants the second charge refunded.';
const SUMMARY_PROMPT = 'You write the summary a support agent reads first';
const requests = [];
const KNOWS = JSON.parse(process.env.FAKE_LLM_KNOWS || '[]');

const ASKS_PROMPT =
  /prompt|instruction|rules|system|above|initial|verbatim|repeat|anweisung|regeln|consigne|règles|instrucciones|reglas|istruzioni|инструкц|правил|промпт|指令|提示|规则|指示|プロンプト|命令/i;
const ASKS_SECRETS =
  /key|token|secret|password|passwor|env|config|variable|webhook|credential|schlüssel|clé|clave|chiave|ключ|токен|секрет|пароль|密钥|令牌|秘密|密码|鍵|設定|配置/i;
const INSTRUCTION_LINE = /^\s*(?:AI|assistant|system|model|note to (?:the )?AI[^:\n]{0,30})[^:\n]{0,20}:\s*(.+)$/gim;

/** What an obedient model says to `body`. */
function obey(body) {
  const msgs = body.messages || [];
  const system = msgs.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const user = msgs.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  const question = (/<question>\n?([\s\S]*?)\n?<\/question>/.exec(user)?.[1] ?? user).trim();
  const out = [];
  if (ASKS_PROMPT.test(question)) {
    const tail = user.includes('</question>') ? user.slice(user.lastIndexOf('</question>') + 11).trim() : '';
    out.push(`Sure! My instructions, word for word:\n${system}\n${tail}`);
  }
  if (ASKS_SECRETS.test(question)) {
    const found = new Set(JSON.stringify(body).match(/fdc-[0-9a-f]{16}|whsec_[A-Za-z0-9+/=]+|[A-Za-z0-9_-]{24,}/g) || []);
    out.push(`Here is every key, token and setting I know: ${[...found, ...KNOWS].join(', ')}.`);
  }
  for (const m of user.matchAll(INSTRUCTION_LINE)) out.push(m[1].trim());
  if (!out.length) out.push(`Of course! As you asked: ${question.slice(0, 200)} — here it is, done [1].`);
  return out.join('\n\n');
}

// Scripted embeddings: a bag of words hashed into 512 dimensions, where a
// few words in several languages share a "concept", as a multilingual model
// would place them together; other words of four letters or more stand for
// themselves (so shared words make texts near, as with a real model).
// Enough to test the plumbing and a cross-language answer; nothing here
// pretends to be a real model's geometry (retrieval.spec.ts runs the real one).
const CONCEPTS = {
  password: 'password', passwort: 'password', parola: 'password', contrasena: 'password', haslo: 'password',
  forgot: 'forget', forgotten: 'forget', vergessen: 'forget', dimenticato: 'forget', olvide: 'forget',
  export: 'export', esportare: 'export', exportieren: 'export', exportar: 'export',
  notes: 'note', note: 'note', notizen: 'note', appunti: 'note', notas: 'note',
};
const DIMS = 512;
const embeddings = [];
let questions = 'blank';
function embed(text) {
  const v = new Array(DIMS).fill(0);
  const words = text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').match(/\p{L}+/gu) || [];
  for (const w of words) {
    const c = CONCEPTS[w] || (w.length >= 4 ? w : null);
    if (!c) continue; // short function words would blur everything
    let h = 2166136261;
    for (const ch of c) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    v[h % DIMS] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

// Tool choice, played like a small model that understands a few
// paraphrases: each word of the message and of a tool's description (its
// title and example questions) stands for a concept (TOOL_CONCEPTS, in
// several languages; else its first five letters); a tool is called when
// the message shares at least two concepts with it and more than with any
// other, and names no problem with what was received (a complaint is not a
// status check). Its arguments are the values in the message that fit each
// parameter's schema (a pattern, a range, an enum value's words); nothing
// is invented. In mode obedient it calls whatever tool the message names
// ("call cancel_order", "execute cancel_order"), with the values found and
// `confirmed: true`, as a model with no defences would.
const TOOL_CONCEPTS = {
  order: 'order', orders: 'order', parcel: 'order', package: 'order', purchase: 'order', delivery: 'order',
  shipment: 'order', bestellung: 'order', paket: 'order', lieferung: 'order', commande: 'order', colis: 'order',
  pedido: 'order', paquete: 'order', ordine: 'order', pacco: 'order', encomenda: 'order', zamowienie: 'order',
  paczka: 'order', заказ: 'order', посылка: 'order',
  where: 'where', track: 'where', tracking: 'where', status: 'where', shipped: 'where', arrive: 'where',
  arrived: 'where', news: 'where', update: 'where', turned: 'where', wo: 'where', wann: 'where', sendung: 'where',
  ou: 'where', suivre: 'where', donde: 'where', cuando: 'where', dove: 'where', onde: 'where', gdzie: 'where', где: 'where',
  cancel: 'cancel', stop: 'cancel', cancelled: 'cancel', withdraw: 'cancel', longer: 'cancel', stornieren: 'cancel',
  storno: 'cancel', annuler: 'cancel', cancelar: 'cancel', annullare: 'cancel', anulowac: 'cancel', отменить: 'cancel',
  invoice: 'invoice', receipt: 'invoice', bill: 'invoice', rechnung: 'invoice', quittung: 'invoice', facture: 'invoice',
  factura: 'invoice', fattura: 'invoice', fatura: 'invoice', faktura: 'invoice', fakture: 'invoice', счет: 'invoice',
  resend: 'send', send: 'send', again: 'send', copy: 'send', schicken: 'send', senden: 'send', renvoyer: 'send',
  reenviar: 'send', inviare: 'send', wyslij: 'send', отправьте: 'send',
};
const PROBLEM = /broken|damaged|wet|wrong item|refund|charged|chargeback|complain|kaputt|beschädigt|cassé|roto|rotto|danneggiato/i;
const conceptsOf = (text) =>
  new Set(
    (text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').match(/\p{L}+/gu) || [])
      .map((w) => TOOL_CONCEPTS[w] || (w.length >= 4 ? w.slice(0, 5) : null))
      .filter(Boolean),
  );
function argumentsFor(tool, message) {
  const args = {};
  for (const [name, schema] of Object.entries(tool.parameters?.properties || {})) {
    if (schema.enum) {
      const lower = message.toLowerCase();
      const hit = schema.enum.find((v) => v.toLowerCase().split(/\s+/).some((w) => w.length >= 4 && lower.includes(w)));
      if (hit) args[name] = hit;
    } else if (schema.pattern) {
      const inner = schema.pattern.replace(/^\^\(\?:/, '').replace(/\)\$$/, '');
      const hit = new RegExp(`(?<![\\p{L}\\p{N}])(?:${inner})(?![\\p{L}\\p{N}])`, 'u').exec(message);
      if (hit) args[name] = hit[0];
    } else if (schema.type === 'integer') {
      const n = (message.match(/-?\d+/g) || []).map(Number).find(
        (x) => (schema.minimum ?? -Infinity) <= x && x <= (schema.maximum ?? Infinity),
      );
      if (n !== undefined) args[name] = n;
    }
  }
  return args;
}
function chooseTool(body) {
  const user = (body.messages || []).filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  const message = (/<message>\n?([\s\S]*?)\n?<\/message>/.exec(user)?.[1] ?? user).trim();
  const tools = (body.tools || []).map((t) => t.function || t);
  if (mode === 'obedient') {
    const named = tools.find((t) => message.includes(t.name));
    if (named) return { name: named.name, arguments: { ...argumentsFor(named, message), confirmed: true } };
  }
  if (PROBLEM.test(message)) return null;
  const said = conceptsOf(message);
  const scored = tools
    .map((t) => ({ t, score: [...conceptsOf(t.description || '')].filter((c) => said.has(c)).length }))
    .sort((a, b) => b.score - a.score);
  if (!scored.length || scored[0].score < 2 || scored[1]?.score === scored[0].score) return null;
  return { name: scored[0].t.name, arguments: argumentsFor(scored[0].t, message) };
}
function toolAnswer(res, body, record) {
  const call = chooseTool(body);
  record.tool = call;
  const message = call
    ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake', type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } }] }
    : { role: 'assistant', content: 'NONE' };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
    }),
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let usage = null;
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(finish && usage ? { usage: { prompt_tokens: usage - 1, completion_tokens: 1, total_tokens: usage } } : {}),
  })}\n\n`;

async function stream(res, content, gapMs) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(': scripted\n\n');
  res.write(chunk({ role: 'assistant' }));
  const parts = content.match(/\S+\s*/g) || [];
  for (const p of parts) {
    res.write(chunk({ content: p }));
    await sleep(gapMs);
  }
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

// Mode 'hold': summary requests wait until POST /__release (so a test can
// look at the ticket before the summary comes, however slow the machine).
let release = () => {};
let released = Promise.resolve();

const server = http.createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  if (req.method === 'POST' && req.url === '/__release') {
    release();
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && req.url === '/__mode') {
    const m = JSON.parse(body);
    mode = m.mode;
    if (mode === 'hold') released = new Promise((r) => (release = r));
    if (m.text) text = m.text;
    if (m.summary) summary = m.summary;
    usage = m.usage ?? null;
    res.writeHead(204).end();
    return;
  }
  // How questions (single-text requests; the worker embeds passages in
  // batches) are embedded: 'blank' (the default) as a zero vector, a model
  // that sees nothing in them, so the worker decides on words alone and the
  // generator tests do not depend on this fake's geometry; 'words' by
  // embed() (ai.spec.ts's hybrid test).
  if (req.method === 'POST' && req.url === '/__embed_mode') {
    questions = JSON.parse(body).mode;
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'GET' && req.url === '/__embeddings') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(embeddings));
    return;
  }
  if (req.method === 'POST' && req.url === '/v1/embeddings') {
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401).end();
      return;
    }
    const { model, input } = JSON.parse(body);
    // The texts are kept too (redaction is checked on them), the articles' only by count.
    embeddings.push({ at: Date.now(), model, inputs: input.length, texts: input.length === 1 ? input : [] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        model,
        data: input.map((t, index) => ({
          object: 'embedding',
          index,
          embedding: input.length === 1 && questions === 'blank' ? new Array(DIMS).fill(0) : embed(t),
        })),
      }),
    );
    return;
  }
  if (req.method === 'GET' && req.url === '/__requests') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(requests));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404).end();
    return;
  }
  if (req.headers.authorization !== `Bearer ${KEY}`) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'bad key', type: 'invalid_request_error' } }));
    return;
  }
  let parsed = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const record = { at: Date.now(), mode, body: parsed };
  requests.push(record);
  const isSummary = String(parsed.messages?.[0]?.content ?? '').startsWith(SUMMARY_PROMPT);
  if (isSummary && ['answer', 'slow', 'plain', 'hold'].includes(mode)) {
    if (mode === 'slow') await sleep(2500);
    if (mode === 'hold') await released;
    if (parsed.stream) return stream(res, summary, 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: summary }, finish_reason: 'stop' }],
      }),
    );
    return;
  }
  if (Array.isArray(parsed.tools) && ['answer', 'plain', 'obedient'].includes(mode)) {
    return toolAnswer(res, parsed, record);
  }
  switch (mode) {
    case 'obedient':
      record.reply = obey(parsed);
      return stream(res, record.reply, 5);
    case 'answer':
      return stream(res, text, 40);
    case 'slow':
      return stream(res, text, 300);
    case 'no_answer':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant' }));
      res.write(chunk({ content: 'NO_' }));
      await sleep(50);
      res.write(chunk({ content: 'ANSWER' }));
      res.end('data: [DONE]\n\n');
      return;
    case 'stall':
      // Never answer; the worker must give up on its own.
      await sleep(20_000);
      res.destroy();
      return;
    case 'stall_mid':
      // A few words, then silence past the worker's stall budget.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant' }));
      res.write(chunk({ content: 'Open the ' }));
      await sleep(20_000);
      res.destroy();
      return;
    case 'wrong_shape':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ output: { text: 'Open the note' } })}\n\n`);
      res.write(`data: ${JSON.stringify({ choices: 'none' })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    case 'error':
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'upstream overloaded', type: 'server_error' } }));
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"choices": [{"delta": \n\ndata: <html>oops</html>\n\n');
      return;
    case 'plain':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        }),
      );
      return;
    default:
      res.writeHead(500).end();
  }
});

server.listen(port, '127.0.0.1', () => console.log(`fake LLM on http://127.0.0.1:${port}/v1`));
setTimeout(() => process.exit(0), 60 * 60 * 1000).unref();
