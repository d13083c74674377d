// Entry of app.js: the wasm-bindgen glue plus this, bundled by esbuild into
// one classic script so it loads cross-origin from a plain <script> tag.
import init, { mount } from '../dist/trunk/frontdesk-widget.js';

const h = window.__frontdesk;
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
