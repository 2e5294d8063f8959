#!/usr/bin/env bash
# Re-validation time of the offline page after a keystroke, in headless Chromium (figures
# in bench/README.md). Builds the page if needed; needs .ci/test's tools (Chromium,
# wasm-bindgen-cli, web/e2e's playwright-core). RUNS=N changes the sample size.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f web/dist/index.html ] || bash web/build.sh
[ -d web/e2e/node_modules/playwright-core ] || (cd web/e2e && npm ci --no-audit --no-fund --loglevel=error)
node web/e2e/speed.mjs
