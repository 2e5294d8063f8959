#!/usr/bin/env bash
# Builds the offline page: web/dist/index.html, one self-contained file (glue, wasm, styles
# inline; see web/inline.py for why), plus the bare .wasm beside it for measuring
# (bench/page-size.sh) — the page never loads that file.
# Needs the wasm32 target and the pinned wasm-bindgen CLI in .tools/cargo (.ci/test installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
target_dir=${CARGO_TARGET_DIR:-$repo/target}

# The CLI must match the wasm-bindgen crate exactly (its schema version is checked);
# the workspace pins `=0.2.130`, so Cargo.lock is the one place the version lives.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' Cargo.lock)
bindgen=$repo/.tools/cargo/bin/wasm-bindgen
if ! have=$("$bindgen" --version 2>/dev/null) || [ "$have" != "wasm-bindgen $want" ]; then
    echo "web/build.sh: needs wasm-bindgen $want at $bindgen; install it with:" >&2
    echo "  cargo install wasm-bindgen-cli --version $want --root $repo/.tools/cargo" >&2
    exit 1
fi

# wasm-release: opt-level z, fat LTO, one codegen unit, strip = false (Cargo.toml says why).
cargo build --locked -p vault-istio-web --profile wasm-release --target wasm32-unknown-unknown
wasm=$target_dir/wasm32-unknown-unknown/wasm-release/vault_istio_web.wasm

# Glue into a scratch dir under target/, so dist/ only ever holds finished output.
pkg=$target_dir/web-bindgen
rm -rf "$pkg"
"$bindgen" --target web --no-typescript --remove-name-section --out-dir "$pkg" "$wasm"

# Write dist/ atomically enough: build in a temp dir, then swap, so a server never sees
# half a page.
dist=web/dist
tmp=$(mktemp -d "$repo/web/.dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 web/inline.py web/index.html "$pkg/vault_istio_web.js" "$pkg/vault_istio_web_bg.wasm" "$tmp/index.html"
cp "$pkg/vault_istio_web_bg.wasm" "$tmp/"
rm -rf "$dist"
mv "$tmp" "$dist"
chmod 755 "$dist"
trap - EXIT

printf 'web/build.sh: %s (%s bytes, sha256 %.16s…), %s (%s bytes)\n' \
    "$dist/index.html" "$(wc -c <"$dist/index.html")" "$(sha256sum "$dist/index.html")" \
    "$dist/vault_istio_web_bg.wasm" "$(wc -c <"$dist/vault_istio_web_bg.wasm")"
