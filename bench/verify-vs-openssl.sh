#!/usr/bin/env bash
# Whole-process timing of `verify` next to `openssl verify` on the article's cluster1
# bundle (RSA-4096). Needs hyperfine and openssl (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kubectl-vault-istio
bin=target/release/kubectl-vault_istio
d=tests/fixtures/upstream-seed/certs/istiod-cluster1
# Both exit non-zero on this bundle (its intermediate expired on 2024-11-16): -i ignores that.
hyperfine --warmup 10 --runs 100 -N -i \
  "openssl verify -CAfile $d/root-cert.pem -untrusted $d/cert-chain.pem $d/ca-cert.pem" \
  "$bin verify $d"
