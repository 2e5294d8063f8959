#!/usr/bin/env bash
# Every speed and size target of the project, measured in one run next to its anchor, on
# this machine (figures and targets in bench/README.md):
#   - lint and verify in-process (criterion: benches/lint.rs, benches/verify.rs)
#   - lint as a process (process.sh), verify as a process beside `openssl verify`
#     (verify-vs-openssl.sh)
#   - peak memory and time on inputs at the sizes the hostile-input suite uses (memory.sh)
#   - audit fan-out under API latency (audit-latency.sh)
#   - the page's size and re-validation time (page-size.sh, page-speed.sh)
# Needs hyperfine, openssl, /usr/bin/time (Debian: hyperfine, openssl, time) and, for the
# page, what .ci/test installs. Writes the whole log to bench/results/all-<date>.log.
#   bash bench/all.sh [--no-page]
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
log="results/all-$(date -u +%Y%m%dT%H%M%SZ).log"
page=1
[ "${1:-}" = "--no-page" ] && page=0
{
    echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(rustc --version)"
    echo "# $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
    for b in lint verify; do
        echo "== criterion: $b"
        out=$(cargo bench -q --bench "$b" -- --noplot 2>&1) || { echo "$out"; exit 1; }
        grep -E 'time:|^[a-z]' <<<"$out"
    done
    echo "== lint as a process (process.sh)"
    bash process.sh
    echo "== verify beside openssl verify (verify-vs-openssl.sh)"
    bash verify-vs-openssl.sh
    echo "== memory and time on large inputs (memory.sh)"
    bash memory.sh
    echo "== audit under 50 ms API latency, 1 vs 20 clusters (audit-latency.sh)"
    bash audit-latency.sh 20 50
    if [ "$page" = 1 ]; then
        echo "== the page: size (page-size.sh)"
        bash page-size.sh --build
        echo "== the page: re-validation after a keystroke (page-speed.sh)"
        bash page-speed.sh
    fi
} 2>&1 | tee "$log"
echo "log: bench/$log" >&2
