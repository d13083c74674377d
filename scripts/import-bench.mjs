// Import throughput, printed (never asserted): the committed samples in
// samples/import replicated to about --target articles per importer, each
// imported by the frontdesk-import binary given as the first argument; the
// sitemap path fetches its pages from a static server on 127.0.0.1.
//
//   node scripts/import-bench.mjs <frontdesk-import binary> [--target 2000]
//
// Run through scripts/import-bench.sh, which builds the binary.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const samples = path.join(root, 'samples/import');
const bin = process.argv[2];
const targetArg = process.argv.indexOf('--target');
const target = targetArg > 0 ? Number(process.argv[targetArg + 1]) : 2000;
if (!bin || !fs.existsSync(bin) || !(target > 0)) {
  console.error('usage: node scripts/import-bench.mjs <frontdesk-import binary> [--target N]');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-import-bench-'));
const copyDir = (from, to) => fs.cpSync(from, to, { recursive: true });

// Markdown: the three sample folders, copied side by side.
const mdPerCopy = 17; // 6 Obsidian + 5 Docusaurus + 6 MkDocs
const mdCopies = Math.ceil(target / mdPerCopy);
for (let i = 0; i < mdCopies; i++) {
  const dir = path.join(tmp, 'md', `team-${i}`);
  copyDir(path.join(samples, 'obsidian'), path.join(dir, 'vault'));
  copyDir(path.join(samples, 'docusaurus'), path.join(dir, 'docusaurus'));
  copyDir(path.join(samples, 'mkdocs/docs'), path.join(dir, 'mkdocs'));
}

// Zendesk: the exports' articles with fresh ids, 100 per file as the API pages them.
const zdArticles = ['articles-page-1.json', 'articles-page-2.json'].flatMap(
  (f) => JSON.parse(fs.readFileSync(path.join(samples, 'zendesk', f))).articles,
);
const zdCopies = Math.ceil(target / 5); // 5 of the 7 are published
const zd = [];
for (let i = 0; i < zdCopies; i++) {
  for (const a of zdArticles) zd.push({ ...a, id: a.id + i * 100 });
}
const zdFiles = [];
for (let p = 0; p * 100 < zd.length; p++) {
  const f = path.join(tmp, `zendesk-${p + 1}.json`);
  fs.writeFileSync(f, JSON.stringify({ articles: zd.slice(p * 100, p * 100 + 100), page: p + 1 }));
  zdFiles.push(f);
}

// Intercom: the export's articles with fresh ids, 50 per file.
const icData = JSON.parse(fs.readFileSync(path.join(samples, 'intercom/articles.json'))).data;
const icCopies = Math.ceil(target / 6); // 6 published language versions per copy
const ic = [];
for (let i = 0; i < icCopies; i++) {
  for (const a of icData) ic.push({ ...a, id: `${a.id}${i}` });
}
const icFiles = [];
for (let p = 0; p * 50 < ic.length; p++) {
  const f = path.join(tmp, `intercom-${p + 1}.json`);
  fs.writeFileSync(f, JSON.stringify({ type: 'list', data: ic.slice(p * 50, p * 50 + 50) }));
  icFiles.push(f);
}

// The help site: its pages copied under numbered sections, a sitemap index
// over sitemaps of 500 URLs.
const pages = [];
const walk = (d, rel = '') => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
    else if (e.name.endsWith('.html') && e.name !== 'coming-soon.html') pages.push(`${rel}${e.name}`);
  }
};
walk(path.join(samples, 'site'));
const siteCopies = Math.ceil(target / pages.length);
const siteDir = path.join(tmp, 'site');
const urls = [];
for (let i = 0; i < siteCopies; i++) {
  for (const p of pages) {
    const to = path.join(siteDir, `s${i}`, p);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(samples, 'site', p), to);
    urls.push(`s${i}/${p}`);
  }
}

const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+/, '');
  const file = path.join(siteDir, rel);
  if (rel.includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  const type = file.endsWith('.xml') ? 'application/xml' : 'text/html; charset=utf-8';
  res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const maps = [];
for (let m = 0; m * 500 < urls.length; m++) {
  const locs = urls.slice(m * 500, m * 500 + 500).map((u) => `<url><loc>${base}/${u}</loc></url>`);
  fs.writeFileSync(path.join(siteDir, `sitemap-${m}.xml`),
    `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs.join('')}</urlset>`);
  maps.push(`<sitemap><loc>${base}/sitemap-${m}.xml</loc></sitemap>`);
}
fs.writeFileSync(path.join(siteDir, 'sitemap.xml'),
  `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${maps.join('')}</sitemapindex>`);

// Runs the binary (asynchronously, so the server above keeps serving) and
// reads its summary line.
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = err.match(/imported (\d+) articles \((.*?)\) in ([\d.]+) s: (\d+) articles\/s/);
      if (code !== 0 || !m) reject(new Error(`${args.join(' ')} exited ${code}:\n${err}`));
      else resolve({ articles: Number(m[1]), langs: m[2], secs: Number(m[3]), rate: Number(m[4]),
        skipped: Number((err.match(/skipped (\d+):/) || [0, 0])[1]) });
    });
  });
}

const out = (name) => ['--out', path.join(tmp, `out-${name}`)];
const runs = [
  ['markdown (Obsidian + Docusaurus + MkDocs)', ['markdown', path.join(tmp, 'md'), ...out('md')]],
  ['zendesk (JSON export)', ['zendesk', ...zdFiles, ...out('zd')]],
  ['intercom (JSON export)', ['intercom', ...icFiles, ...out('ic')]],
  // The server is on loopback, which the importer refuses without the flag.
  ['sitemap over loopback, 4 fetchers', ['sitemap', `${base}/sitemap.xml`, '--concurrency', '4', '--allow-private-addresses', ...out('sm4')]],
  ['sitemap over loopback, 8 fetchers', ['sitemap', `${base}/sitemap.xml`, '--concurrency', '8', '--allow-private-addresses', ...out('sm8')]],
];
console.log(`import throughput (${os.cpus().length} CPUs; time = reading/fetching + converting + checking, not writing)`);
console.log('importer                                   articles  skipped   seconds  articles/s');
try {
  for (const [name, args] of runs) {
    const r = await run(args);
    console.log(`${name.padEnd(42)} ${String(r.articles).padStart(8)} ${String(r.skipped).padStart(8)} ${r.secs.toFixed(3).padStart(9)} ${String(r.rate).padStart(11)}`);
  }
} finally {
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
