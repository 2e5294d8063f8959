#!/usr/bin/env bash
# Whole-process timing of `lint` (issue 13 target: under 20 ms on the article's values).
# Needs hyperfine (Debian: apt-get install hyperfine). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kubectl-vault-istio
bin=target/release/kubectl-vault_istio
hyperfine --warmup 20 --runs 200 -N \
  "$bin lint tests/fixtures/upstream-seed/cluster1-values.yaml" \
  "$bin lint -o sarif tests/fixtures/upstream-seed/cluster1-values.yaml tests/fixtures/upstream-seed/cluster2-values.yaml" \
  "$bin lint --exit-zero manifests/examples/"
