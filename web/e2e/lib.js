// Helpers for the page's end-to-end tests: a loopback static server for web/dist, Debian's
// Chromium driven by playwright-core (no browser download: the network is closed), and
// recorders for requests and errors. Scenario tests import these (see page.test.js).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
export const outDir = fileURLToPath(new URL('./out/', import.meta.url));
/** The page opened from disk, as a user double-clicking it would. */
export const fileUrl = pathToFileURL(join(distDir, 'index.html')).href;

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // the page inlines it; served right in case someone loads it
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

/**
 * Serves `dir` on 127.0.0.1 at a free port. Every request the server sees is recorded in
 * `requests` (method and path), so a test can check the page asked for nothing but itself.
 */
export async function serve(dir = distDir) {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`${dir}index.html is missing: run \`bash web/build.sh\` first`);
  }
  const requests = [];
  const server = createServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(dir, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(normalize(dir + sep))) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/**
 * Debian's Chromium, headless. Without the background-networking flags Chromium keeps
 * trying Google's hosts, which this closed network refuses. Playwright gives every launch
 * a fresh temporary profile (user-data-dir) and removes it on close.
 */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/**
 * Records every request the page makes (URL, resource type, and whether it came after the
 * document's `load` event) into the returned array; `loaded()` tells whether load has fired.
 */
export function collectRequests(page) {
  const requests = [];
  let loaded = false;
  page.on('load', () => { loaded = true; });
  page.on('request', (r) => {
    requests.push({ url: r.url(), type: r.resourceType(), afterLoad: loaded });
  });
  return requests;
}

/**
 * Collects uncaught exceptions and console errors. Chromium reports every CSP violation as
 * a console error, so an empty list also proves the policy let everything run; the init
 * script adds the violated directive to the message for a clearer failure.
 */
export async function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  return errors;
}

/**
 * Opens `url` in a fresh context and waits until the app rendered its heading and the
 * network has been quiet for 500 ms. Returns the page with its recorded requests and errors.
 */
export async function openPage(browser, url) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = await collectErrors(page);
  const requests = collectRequests(page);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#app h1', { timeout: 20_000 });
  await page.waitForLoadState('networkidle');
  return { page, context, requests, errors };
}

/** Saves a full-page screenshot as web/e2e/out/NAME.png (out/ is gitignored). */
export async function screenshot(page, name) {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
