/* global window -- the functions given to page.evaluate run in the page */
// bench/grid: the molecule grid (extension/src/display/grid) in headless Chromium (Debian's
// package), mounted alone with 10,000 and 100,000 distinct molecules: time to first paint (the
// first page's structures drawn), time to show later pages (paging through all of 10,000, a spread
// of 200 pages of 100,000) and the JavaScript heap while doing so.
// Anchor, in the same run: the first page's structures drawn eagerly one after another with the
// same depiction function and no grid (the lazy-drawing idea of mols2grid: what showing a page
// costs at least). Target: first paint under 1 s at 100,000 rows; heap bounded while paging.
//
//   node bench/grid.mjs [--sizes 10000,100000] [--page-size 24]
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { ROOT, scienceSmiles } from './molecules.mjs';

const arg = (name, fallback) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback;
const sizes = arg('--sizes', '10000,100000').split(',').map(Number);
const pageSize = Number(arg('--page-size', '24'));
const CHROMIUM = process.env.CRYOPROTECT_CHROMIUM ?? '/usr/bin/chromium';

/** Distinct structures: every science-data molecule, then dot-joined pairs of them (a mixture). */
function distinct(count) {
  const single = scienceSmiles();
  const out = single.slice(0, count);
  for (let a = 0; a < single.length && out.length < count; a++) {
    for (let b = a + 1; b < single.length && out.length < count; b++) {
      out.push(`${single[a]}.${single[b]}`);
    }
  }
  if (out.length < count) {
    throw new Error(`only ${out.length} distinct structures, asked for ${count}`);
  }
  return out;
}

const outdir = mkdtempSync(join(tmpdir(), 'cryoprotect-bench-grid-'));
await build({
  entryPoints: [join(ROOT, 'bench', 'grid', 'page.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  splitting: true,
  minify: true,
  outdir,
  loader: { '.wasm': 'file', '.svg': 'text' },
  // Node built-ins that dependencies name on paths a browser never takes (the kernel's
  // browser-externals.json says which and why).
  external: builtinModules.flatMap(name => [name, `node:${name}`]),
  logLevel: 'error',
  plugins: [
    {
      // esbuild hands the extension's dynamic import of the kernel (CommonJS) over as
      // { default: exports }, where webpack, which builds the real extension, gives the exports
      // themselves; unwrap it here so the page runs the extension's own code.
      name: 'kernel-interop',
      setup(b) {
        b.onLoad({ filter: /extension\/src\/chemistry\.ts$/ }, args => ({
          loader: 'ts',
          contents: readFileSync(args.path, 'utf8').replace(
            "??= import('@cryoprotect/kernel')",
            "??= import('@cryoprotect/kernel').then(m => ((m as { default?: typeof m }).default ?? m))"
          )
        }));
      }
    }
  ]
});
const TYPES = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.html': 'text/html'
};
const server = createServer((request, response) => {
  const path = request.url === '/' ? '/index.html' : request.url.split('?')[0];
  if (path === '/index.html') {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      '<!doctype html><html><head><link rel="stylesheet" href="page.css"></head><body><script type="module" src="page.js"></script></body></html>'
    );
    return;
  }
  try {
    const body = readFileSync(join(outdir, path.replace(/^\/+/, '')));
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info']
});
const mb = bytes => (bytes / 2 ** 20).toFixed(1);
try {
  const largest = distinct(Math.max(...sizes));
  /** A fresh page (no depiction cached) with RDKit.js loaded and warmed on unrelated structures. */
  const freshPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('crash', () => console.error('the page crashed'));
    page.on('pageerror', error => console.error(`page error: ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.mountGrid === 'function');
    await page.evaluate(smiles => window.eager(smiles), largest.slice(-3));
    return page;
  };
  const anchorPage = await freshPage();
  const anchor = await anchorPage.evaluate(
    smiles => window.eager(smiles),
    largest.slice(0, pageSize)
  );
  await anchorPage.close();
  console.log(
    `anchor: the first ${pageSize} structures drawn eagerly, no grid: ${anchor.toFixed(0)} ms`
  );
  for (const size of sizes) {
    const page = await freshPage();
    const smiles = largest.slice(0, size);
    const heapBefore = await page.evaluate(() => window.heap());
    const firstPaint = await page.evaluate(([s, n]) => window.mountGrid(s, n), [smiles, pageSize]);
    const pages = Math.ceil(size / pageSize);
    const visit = size <= 10_000 ? pages : 200;
    const times = [];
    let heapMax = 0;
    const started = Date.now();
    for (let i = 1; i < visit; i++) {
      const target = visit === pages ? i : Math.floor((i * (pages - 1)) / (visit - 1));
      times.push(await page.evaluate(p => window.showPage(p), target));
      if (i % 20 === 0) {
        heapMax = Math.max(heapMax, await page.evaluate(() => window.heap()));
      }
    }
    const heapAfter = await page.evaluate(() => window.heap());
    await page.close();
    times.sort((a, b) => a - b);
    const pct = q => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    console.log(
      `${size} molecules: first paint ${firstPaint.toFixed(0)} ms (${(firstPaint / anchor).toFixed(2)} x anchor; target < 1000 ms ${firstPaint < 1000 ? 'met' : 'MISSED'}); ` +
        `${visit - 1} pages shown in ${((Date.now() - started) / 1000).toFixed(1)} s, per page median ${pct(0.5).toFixed(0)} ms, p95 ${pct(0.95).toFixed(0)} ms; ` +
        `JS heap ${mb(heapBefore)} MB before, max ${mb(Math.max(heapMax, heapAfter))} MB while paging, ${mb(heapAfter)} MB after`
    );
  }
} finally {
  await browser.close();
  server.close();
  rmSync(outdir, { recursive: true, force: true });
}
