#!/usr/bin/env bash
# The built-in audit demo: serves the article's two clusters on the Kubernetes API stand-in
# (tests/src/bin/kube-standin.rs), cluster2 with one realistic problem (a leftover
# `cacerts` Secret holding the CA key), and runs `kubectl vault-istio audit` on both
# contexts. Extra arguments go to `audit` (e.g. `-o json`). Needs only cargo.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build -q -p kubectl-vault-istio -p vault-istio-testbed --bins
target="${CARGO_TARGET_DIR:-target}/debug"
fixtures=tests/fixtures/kube

work="$(mktemp -d)"
source tests/standin.sh
standin_start "$target/kube-standin" "$work" \
    cluster1="$fixtures/article-cluster1" \
    cluster2="$fixtures/article-cluster2,$fixtures/demo-cluster2"

echo "audit demo: kubectl vault-istio audit --context cluster1 --context cluster2 $*" >&2
rc=0
"$target/kubectl-vault_istio" audit --kubeconfig "$work/kubeconfig" \
    --context cluster1 --context cluster2 "$@" || rc=$?
exit "$rc"
