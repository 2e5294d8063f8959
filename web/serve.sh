#!/usr/bin/env bash
# Serves the built page on http://127.0.0.1:${PORT:-8000}/ (loopback only: the page is for
# you, not your network). Builds first when web/dist is missing; rebuild with web/build.sh.
# Opening web/dist/index.html straight from disk works too: no server is required.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f web/dist/index.html ] || bash web/build.sh
port=${PORT:-8000}
echo "vault-istio page: http://127.0.0.1:$port/  (Ctrl-C stops)" >&2
exec python3 -m http.server --bind 127.0.0.1 --directory web/dist "$port"
