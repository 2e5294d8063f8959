#!/usr/bin/env bash
# Peak memory and wall time of the release binary on large inputs: YAML at 10 MB and at the
# default input cap (32 MiB), a bundle with 10,000 PEM blocks, and a 100 MB file (refused
# by the cap before it is read). Needs GNU time (Debian: time). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kubectl-vault-istio
bin=$PWD/target/release/kubectl-vault_istio
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
def yaml(path, size):
    with open(path, "w") as f:
        i = 0
        n = 0
        while n < size:
            chunk = f"service{i}:\n  name: value{i}\n  ports: [80, 443]\n"
            f.write(chunk)
            n += len(chunk)
            i += 1
yaml(os.path.join(work, "10mb.yaml"), 10 * 1000 * 1000)
yaml(os.path.join(work, "cap.yaml"), 32 * 1024 * 1024 - 64)
with open(os.path.join(work, "100mb.yaml"), "w") as f:
    f.write("key: value\n" * (100 * 1024 * 1024 // 11 + 1))
seed = "tests/fixtures/upstream-seed/certs/istiod-cluster1"
os.makedirs(os.path.join(work, "10k"))
for name in ["ca-cert.pem", "ca-key.pem"]:
    open(os.path.join(work, "10k", name), "w").write(open(os.path.join(seed, name)).read())
root = open(os.path.join(seed, "root-cert.pem")).read()
chain = open(os.path.join(seed, "cert-chain.pem")).read()
open(os.path.join(work, "10k", "root-cert.pem"), "w").write(root * 10000)
open(os.path.join(work, "10k", "cert-chain.pem"), "w").write(chain * 5000)
PY
measure() {
    local label=$1
    shift
    /usr/bin/time -f "$label: %e s, peak RSS %M KiB, exit %x" "$@" > /dev/null 2> "$work/err" || true
    tail -1 "$work/err"
}
ls -l "$work"/*.yaml | awk '{print "   input " $9 ": " $5 " bytes"}'
measure "lint 10 MB YAML (no istiod)" "$bin" lint "$work/10mb.yaml"
measure "lint 32 MiB YAML at the cap (no istiod)" "$bin" lint "$work/cap.yaml"
measure "lint 100 MB YAML (refused by the cap)" "$bin" lint "$work/100mb.yaml"
measure "verify, 10,000 roots + 10,000 chain blocks" "$bin" verify "$work/10k"
