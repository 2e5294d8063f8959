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
exec 3> >("$target/kube-standin" --until-stdin-closes --kubeconfig "$work/kubeconfig" \
    cluster1="$fixtures/article-cluster1" \
    cluster2="$fixtures/article-cluster2,$fixtures/demo-cluster2" 2>"$work/standin.log")
trap 'exec 3>&-; rm -rf "$work"' EXIT

for _ in $(seq 100); do
    [[ -f "$work/kubeconfig" ]] && break
    sleep 0.1
done
if [[ ! -f "$work/kubeconfig" ]]; then
    echo "audit demo: the Kubernetes API stand-in did not start:" >&2
    cat "$work/standin.log" >&2
    exit 2
fi

echo "audit demo: kubectl vault-istio audit --context cluster1 --context cluster2 $*" >&2
rc=0
"$target/kubectl-vault_istio" audit --kubeconfig "$work/kubeconfig" \
    --context cluster1 --context cluster2 "$@" || rc=$?
exit "$rc"
