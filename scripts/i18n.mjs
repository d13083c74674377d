// Splits the widget's translations (widget/i18n/<lang>.json, the one source)
// for build.sh: the loader's few words for every language go to stdout as one
// JS object ({lang: [launcher, unread, load_failed]}, inlined into widget.js),
// and each language's other strings are written compactly to OUT/<lang>.json
// for the app to fetch.
import fs from 'node:fs';
import path from 'node:path';

const [src, out] = process.argv.slice(2);
const LOADER = ['launcher', 'unread', 'load_failed'];
fs.mkdirSync(out, { recursive: true });
const words = {};
for (const file of fs.readdirSync(src).filter((f) => f.endsWith('.json')).sort()) {
  const lang = path.basename(file, '.json');
  const all = JSON.parse(fs.readFileSync(path.join(src, file), 'utf8'));
  words[lang] = LOADER.map((k) => all[k]);
  const app = Object.fromEntries(Object.entries(all).filter(([k]) => !LOADER.includes(k)));
  fs.writeFileSync(path.join(out, file), JSON.stringify(app));
}
process.stdout.write(JSON.stringify(words));
