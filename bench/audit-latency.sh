#!/usr/bin/env bash
# `audit` fan-out under API latency (issue 16 target: 20 clusters in at most 1.5x the time
# of one, with 50 ms added to every API request). Serves N copies of the article's cluster1
# on the Kubernetes API stand-in (tests/src/bin/kube-standin.rs) and times, with hyperfine,
# `audit` of one context against `audit --all-contexts`. Run from anywhere.
#   bench/audit-latency.sh [CLUSTERS (20)] [LATENCY_MS (50)]
set -euo pipefail
cd "$(dirname "$0")/.."
clusters="${1:-20}"
latency="${2:-50}"
cargo build --release -q -p kubectl-vault-istio -p vault-istio-testbed --bins
bin=target/release

work="$(mktemp -d)"
specs=()
for i in $(seq "$clusters"); do
  specs+=("c$(printf %02d "$i")=tests/fixtures/kube/article-cluster1")
done
source tests/standin.sh
standin_start "$bin/kube-standin" "$work" --latency-ms "$latency" "${specs[@]}"

audit="$bin/kubectl-vault_istio audit --kubeconfig $work/kubeconfig -o json --exit-zero"
hyperfine --warmup 2 --runs 15 -N --export-markdown "$work/result.md" \
  -n "1 cluster" "$audit --context c01" \
  -n "$clusters clusters" "$audit --all-contexts"
cat "$work/result.md"
