#!/usr/bin/env bash
# What a visitor downloads: the wasm module, and the page as delivered (web/dist/index.html,
# which carries the glue and the wasm as base64), raw and gzip -9. Fails over budget:
# wasm 600 KB gzipped (DESIGN.md), page 800 KB gzipped (base64 costs ~1/3 before gzip).
# Builds the page when web/dist is missing; pass --build to rebuild anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --build ] || [ ! -f web/dist/index.html ]; then bash web/build.sh >&2; fi

wasm_budget=$((600 * 1024)) page_budget=$((800 * 1024))
over=0
report() { # label file budget
    local raw gz
    raw=$(wc -c <"$2")
    gz=$(gzip -9 -c "$2" | wc -c)
    awk -v l="$1" -v r="$raw" -v g="$gz" -v b="$3" 'BEGIN {
        printf "%-27s raw %8d B (%7.1f KB)   gzip -9 %7d B (%6.1f KB)   budget %d KB\n", l, r, r/1024, g, g/1024, b/1024 }'
    if [ "$gz" -gt "$3" ]; then echo "  over budget: $1 is $gz B gzipped" >&2; over=1; fi
}
report "wasm (vault_istio_web_bg)" web/dist/vault_istio_web_bg.wasm "$wasm_budget"
report "page (index.html, all in)" web/dist/index.html "$page_budget"
exit "$over"
