// How long the page takes to re-validate after a keystroke, in headless Chromium (a
// benchmark, not a test: bench/page-speed.sh runs it and bench/README.md records it).
// Input: the article's cluster1 values and its four CA files (RSA-4096 intermediate and
// root). Three figures, each the median and the 95th percentile of RUNS:
// - full: lint + verify of everything, through the page's exports (what a keystroke costs
//   with nothing cached);
// - values keystroke / PEM keystroke: what the page itself measured for its debounced
//   re-check after typing one character (it re-checks only the input that changed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { serve, launch, openPage } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 30);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(join(repo, p), 'utf8');
const values = read('tests/fixtures/upstream-seed/cluster1-values.yaml');
const pems = ['ca-key', 'ca-cert', 'cert-chain', 'root-cert'].map((f) =>
  read(`tests/fixtures/upstream-seed/certs/istiod-cluster1/${f}.pem`));

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms (n=${s.length})`;
};

const server = await serve();
const browser = await launch();
try {
  const { page, errors } = await openPage(browser, server.url);
  const full = await page.evaluate(({ values, pems, runs }) => {
    const out = [];
    const now = Date.now() / 1000;
    for (let i = 0; i < runs + 3; i++) {
      const t = performance.now();
      window.vaultIstio.lint_json(values + (i % 2 ? ' ' : ''));
      window.vaultIstio.verify_json(...pems, now);
      if (i >= 3) out.push(performance.now() - t); // 3 warm-up runs
    }
    return out;
  }, { values, pems, runs: RUNS });

  const typed = async (id, text) => {
    const out = [];
    await page.fill(`#${id}`, text);
    await page.waitForFunction(() => /checked in/.test(document.querySelector('#status').textContent));
    for (let i = 0; i < RUNS; i++) {
      await page.focus(`#${id}`);
      await page.keyboard.press('End');
      await page.keyboard.type(i % 2 ? 'x' : ' ');
      // The debounce holds "checking…" for 150 ms: wait for it, then for the new result.
      await page.waitForFunction(() => /checking/.test(document.querySelector('#status').textContent));
      await page.waitForFunction(() => /checked in/.test(document.querySelector('#status').textContent));
      out.push(Number((await page.textContent('#status')).match(/([\d.]+) ms/)[1]));
    }
    return out;
  };
  for (const [i, f] of ['ca-key', 'ca-cert', 'cert-chain', 'root-cert'].entries()) {
    await page.fill(`#pem-${f}`, pems[i]);
  }
  const valuesKey = await typed('values', values);
  const pemKey = await typed('pem-ca-cert', pems[1]);
  if (errors.length) throw new Error(errors.join('\n'));
  console.log(`full re-validation (values + 4 PEMs): ${stats(full)}`);
  console.log(`keystroke in the values:             ${stats(valuesKey)}`);
  console.log(`keystroke in ca-cert.pem:            ${stats(pemKey)}`);
} finally {
  await browser.close();
  await server.close();
}
