#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's own fixtures, then runs each target.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]   # default: 600 s per target, every target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --version 0.13.1 --locked`, as .ci/run does).
# The stable toolchain runs it with RUSTC_BOOTSTRAP=1 (libFuzzer needs -Zsanitizer). A crash
# leaves its input in fuzz/artifacts/<target>/ and fails the run; add a regression test for
# it before fixing it. Corpora grow in fuzz/corpus/ (not committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$here"
secs=${1:-600}
case $secs in
    '' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS] [TARGET...] (SECONDS is a number: $secs)" >&2; exit 2 ;;
esac
shift || true
export RUSTC_BOOTSTRAP=1
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# seed TARGET FILE... : copies each file into the target's corpus under a content name.
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "corpus/$target/seed-$(sha1sum "$f" | cut -c1-16)"
    done
}

mapfile -t yaml < <(find "$root/shared/tests/rules" "$root/manifests" "$root/tests/fixtures" \
    "$root/plugin/tests/data" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
mapfile -t policies < <(find "$root/manifests" "$root/shared/tests" -type f \( -name '*.hcl' -o -name '*policy*.json' \) | sort)
seed yaml "${yaml[@]}"
seed lint "${yaml[@]}"
seed gateway "${yaml[@]}"
seed policy "${policies[@]}"
seed template "$here"/seeds/template/*
seed acl "$here"/seeds/acl/*
seed snapshot "$here"/seeds/snapshot/*
# Bundles: the four files of each of the article's clusters, joined by form feeds (the
# bundle target splits its input there), and each PEM file alone.
mkdir -p corpus/bundle
for c in "$root"/tests/fixtures/upstream-seed/certs/istiod-cluster*; do
    { cat "$c/ca-cert.pem"; printf '\f'; cat "$c/ca-key.pem"; printf '\f'; cat "$c/root-cert.pem"; printf '\f'; cat "$c/cert-chain.pem"; } \
        > "corpus/bundle/seed-$(basename "$c")"
done
seed bundle "$root"/tests/fixtures/upstream-seed/certs/*/*.pem

cargo fuzz build --release
status=0
for t in "${targets[@]}"; do
    echo "==> fuzz $t for ${secs}s" >&2
    if ! cargo fuzz run --release "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
        -print_final_stats=1 2> "fuzz-$t.log"; then
        echo "!! $t: crash, see fuzz/fuzz-$t.log and fuzz/artifacts/$t/" >&2
        tail -40 "fuzz-$t.log" >&2
        status=1
    else
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' "fuzz-$t.log" | sed "s/^/   $t: /" >&2 || true
    fi
done
exit $status
