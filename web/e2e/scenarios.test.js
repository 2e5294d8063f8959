// What a user does on the page, in Chromium: paste values and certificates, read the
// findings, follow a rule link, render a setup. The page's JSON must equal the CLI's for
// the same input (`kubectl vault-istio lint|verify -o json`), and the page must make no
// request after load. Run: bash web/build.sh && (cd web/e2e && node --test)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, screenshot } from './lib.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(join(repo, p), 'utf8');
const ARTICLE = read('tests/fixtures/upstream-seed/cluster1-values.yaml');
const BROKEN = read('manifests/examples/broken/istiod-values-broken.yaml');
const FILES = ['ca-key.pem', 'ca-cert.pem', 'cert-chain.pem', 'root-cert.pem'];
const CERTS = FILES.map((f) => read(`tests/fixtures/upstream-seed/certs/istiod-cluster1/${f}`));
// The CLI as `cargo test` builds it (CI runs the cargo tests first).
const CLI = process.env.VAULT_ISTIO_BIN ?? join(repo, 'target/debug/kubectl-vault_istio');

let server;
let browser;
let session;
before(async () => {
  server = await serve();
  browser = await launch();
  session = await openPage(browser, server.url);
});
after(async () => {
  // Across every scenario: nothing was requested after the document loaded.
  if (session) {
    assert.deepEqual(session.requests.filter((r) => r.afterLoad), [], 'requests after load');
    // Nothing pasted was kept: no web storage, no cookie.
    const stored = await session.page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert.deepEqual(stored, [0, 0, '']);
    assert.deepEqual(await session.context.cookies(), []);
    assert.deepEqual(session.errors, []);
    await session.context.close();
  }
  await browser?.close();
  await server?.close();
});

/** Types `text` into the editor `id` and waits for the debounced check to finish. */
async function paste(id, text) {
  const { page } = session;
  await page.fill(`#${id}`, text);
  await page.waitForFunction(() => /checked in/.test(document.querySelector('#status')?.textContent ?? ''));
}

const json = async (id) => JSON.parse(await session.page.textContent(`#${id}`));
const codes = (report, severity) =>
  report.findings.filter((f) => !severity || f.severity === severity).map((f) => f.code);

/** The CLI's JSON for `args`, run in `dir` (exit 1 means findings: still JSON). */
function cli(dir, args) {
  try {
    return JSON.parse(execFileSync(CLI, args, { cwd: dir, encoding: 'utf8' }));
  } catch (e) {
    if (e.status === 1) return JSON.parse(e.stdout);
    throw e;
  }
}

test('the article values: no error', async () => {
  await paste('values', ARTICLE);
  const report = await json('lint-json');
  assert.deepEqual(codes(report, 'error'), []);
  assert.equal(report.summary.configurations, 1);
  assert.equal(await session.page.locator('.findings .finding.error').count(), 0);
  await screenshot(session.page, 'article-values');
});

test('broken values: the rule is shown and its line highlighted', async () => {
  const { page } = session;
  await paste('values', BROKEN);
  // ROOT_CA_DIR on line 4 is not where the agent renders the files (VI202).
  const finding = page.locator('.finding[data-code="VI202"]');
  await finding.waitFor();
  assert.match(await finding.textContent(), /ROOT_CA_DIR/);
  assert.equal(await page.getAttribute('.editor .backdrop [data-line="4"]', 'class'), 'line hl');
  assert.equal(await page.getAttribute('.editor .backdrop [data-line="1"]', 'class'), 'line');
  // Its location moves the caret to the line.
  await finding.locator('a.place').click();
  const caretLine = await page.evaluate(() => {
    const t = document.querySelector('#values');
    return t.value.slice(0, t.selectionStart).split('\n').length;
  });
  assert.equal(caretLine, 4);
  await screenshot(page, 'broken-values');
  // The rule link opens its documentation.
  await finding.locator('a.code').click();
  await page.locator('#rule-VI202[open]').waitFor();
  assert.match(await page.textContent('#rule-VI202'), /How to fix/);
  await page.click('nav.tabs button:has-text("Check")');
});

test("the article's certificates: the expired intermediate, with its date", async () => {
  const { page } = session;
  for (const [i, f] of FILES.entries()) {
    await paste(`pem-${f.replace('.pem', '')}`, CERTS[i]);
  }
  const finding = page.locator('.finding[data-code="VI318"]');
  await finding.waitFor();
  assert.match(await finding.textContent(), /expired on 2024-11-16/);
  const chain = page.locator('.chain .cert');
  assert.equal(await chain.count(), 2);
  assert.match(await chain.first().getAttribute('class'), /expired/);
  await screenshot(page, 'article-certificates');
});

test('the page and the CLI give the same JSON for the same input', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-istio-page-'));
  assert.ok(existsSync(CLI), `${CLI} is missing: run cargo build -p kubectl-vault-istio`);
  const examples = [ARTICLE, BROKEN, read('manifests/examples/istiod-values-1.24.yaml'), read('manifests/examples/istiod-deployment.yaml'),
    // Gateway values with their Gateway in one paste: the same VI7xx findings.
    read('manifests/examples/gateway/ingress-gateway.yaml'), read('manifests/examples/broken/gateway-broken.yaml')];
  for (const values of examples) {
    await paste('values', values);
    writeFileSync(join(dir, 'values.yaml'), values);
    assert.deepEqual(await json('lint-json'), cli(dir, ['lint', '-o', 'json', 'values.yaml']));
  }
  // The article's certificates were pasted by the previous test.
  mkdirSync(join(dir, 'pasted'), { recursive: true });
  FILES.forEach((f, i) => writeFileSync(join(dir, 'pasted', f), CERTS[i]));
  const page = await json('verify-json');
  assert.deepEqual(page, cli(dir, ['verify', '-o', 'json', 'pasted']));
  assert.deepEqual(codes(page, 'error'), ['VI318']);
});

test('render: a setup per cluster, with KV v2 paths when asked', async () => {
  const { page } = session;
  await page.click('nav.tabs button:has-text("Render")');
  const policy = page.locator('details.file[data-file="cluster1/vault-policy.hcl"] pre');
  await policy.waitFor({ state: 'attached' });
  assert.match(await policy.textContent(), /path "kubernetes-cluster1-secrets\/istiod-service\/certs"/);
  assert.equal(await page.locator('details.file[data-file^="cluster2/"]').count(), 5);
  await page.selectOption('.render-form select >> nth=0', '2');
  assert.match(await policy.textContent(), /kubernetes-cluster1-secrets\/data\/istiod-service\/certs/);
  // Gateways: an ingress with a PKI certificate and an egress with a KV client certificate.
  await page.getByLabel('Ingress gateway hosts').fill('shop.example.com, api.example.com');
  await page.getByLabel('Egress gateway: external hosts').fill('partner.example.org');
  const values = page.locator('details.file[data-file="cluster1/gateway-istio-ingressgateway-values.yaml"] pre');
  await values.waitFor({ state: 'attached' });
  assert.match(await values.textContent(), /secret "pki_int\/issue\/ingress" "common_name=shop.example.com" "alt_names=api.example.com"/);
  assert.equal(await page.locator('details.file[data-file^="cluster2/"]').count(), 11);
  const egress = page.locator('details.file[data-file="cluster2/gateway-istio-egressgateway.yaml"] pre');
  assert.match(await egress.textContent(), /clientCertificate: "\/vault\/secrets\/client.crt"/);
  await screenshot(page, 'render');
  await page.click('nav.tabs button:has-text("Check")');
});

test('files: a picked folder of clusters, and a dropped cacerts Secret', async () => {
  const { page } = session;
  for (const f of FILES) await paste(`pem-${f.replace('.pem', '')}`, '');
  // The folder picker (webkitdirectory) with the article's certs/ (one folder per cluster):
  // the first cluster's four files fill the inputs.
  await page.setInputFiles('input[type=file][webkitdirectory]', join(repo, 'tests/fixtures/upstream-seed/certs'));
  await page.locator('.notes').waitFor();
  await page.waitForFunction(() => document.querySelector('#pem-ca-key').value.length > 0);
  assert.equal(await page.inputValue('#pem-ca-cert'), CERTS[1]);
  assert.match(await page.textContent('.notes'), /istiod-cluster1\/ca-key\.pem → ca-key\.pem/);
  await page.locator('.finding[data-code="VI318"]').waitFor();
  // A Secret manifest dropped on the page: its files replace the inputs.
  const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: cacerts\n  namespace: istio-system\nstringData:\n  ca-cert.pem: |\n${CERTS[1].replace(/^/gm, '    ')}`;
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'cacerts.yaml', { type: 'application/yaml' }));
    document.querySelector('.check').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, secret);
  await page.waitForFunction(() => /Secret istio-system\/cacerts/.test(document.querySelector('.notes')?.textContent ?? ''));
  assert.equal((await page.inputValue('#pem-ca-cert')).trim(), CERTS[1].trim());
  await screenshot(page, 'files');
});
