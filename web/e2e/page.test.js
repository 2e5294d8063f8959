// The built page (web/dist/index.html) loads, renders and stays offline, over HTTP and from
// disk. Run: bash web/build.sh && (cd web/e2e && npm ci && node --test)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, screenshot, fileUrl } from './lib.js';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('over HTTP: renders, no errors, no request but the document', async () => {
  const { page, context, requests, errors } = await openPage(browser, server.url);
  try {
    assert.deepEqual(errors, []);
    assert.match(await page.textContent('#app h1'), /\S/);
    // Everything is inline and connect-src is 'none': the document is the only request,
    // seen by the browser and by the server alike, and nothing at all after load.
    assert.deepEqual(requests.filter((r) => r.afterLoad), []);
    assert.deepEqual(requests.map((r) => r.type), ['document']);
    assert.deepEqual(server.requests, ['GET /']);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /connect-src 'none'/);
    await screenshot(page, 'page-http');
  } finally {
    await context.close();
  }
});

test('from disk (file://): renders with no errors', async () => {
  const { page, context, requests, errors } = await openPage(browser, fileUrl);
  try {
    assert.deepEqual(errors, []);
    assert.match(await page.textContent('#app h1'), /\S/);
    assert.deepEqual(requests.filter((r) => r.url !== fileUrl), []);
    await screenshot(page, 'page-file');
  } finally {
    await context.close();
  }
});

test('the engine answers from the page (window.vaultIstio.lint_json)', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  try {
    const values = 'pilot:\n  podAnnotations:\n    vault.hashicorp.com/agent-inject: "yes-please"\n';
    const json = await page.evaluate((text) => window.vaultIstio.lint_json(text), values);
    const report = JSON.parse(json);
    // "yes-please" is no Go ParseBool value: the webhook rejects the pod (VI102).
    assert.ok(report.findings.some((f) => f.code === 'VI102'), json);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
