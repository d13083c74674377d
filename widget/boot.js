// Entry of app.js: the wasm-bindgen glue plus this, bundled by esbuild into
// one classic script so it loads cross-origin from a plain <script> tag.
import init, { mount } from '../dist/trunk/frontdesk-widget.js';

const h = window.__frontdesk;

// A random key; randomUUID needs a secure context, which a host page may not be.
h.uuid = () =>
  crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);

// POSTs JSON; resolves with [status, body text]. Fetch lives here rather
// than in the wasm for size (see stream below).
h.post = async (url, body) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return [res.status, await res.text()];
};

// Sends one chat turn asking for server-sent events and calls on(name, data)
// for each event as it arrives; resolves with the HTTP status. An error
// answer comes through as on('error', body), a plain JSON answer as one
// 'done'. In JS rather than Rust: stream reading through web-sys costs the
// wasm more bytes than this whole function.
h.stream = async (url, body, on) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body,
  });
  if (!res.ok || !/event-stream/.test(res.headers.get('content-type') || '')) {
    on(res.ok ? 'done' : 'error', await res.text());
    return res.status;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return res.status;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      let name = 'message';
      const data = [];
      for (const line of buf.slice(0, end).split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      buf = buf.slice(end + 2);
      if (data.length) on(name, data.join('\n'));
    }
  }
};
(async () => {
  try {
    await init({ module_or_path: h.base + 'widget/app.wasm?v=' + h.version });
    mount(h.root, h.launcher, h.config());
    h.mounted();
  } catch (e) {
    console.error('frontdesk:', e);
    h.fail();
  }
})();
