#!/bin/sh
# The kubectl plugin's binary: the one shipped in bin/ beside this file (release archives), else kubectl-vault_istio on PATH (krew, cargo install).
bin="$(dirname "$0")/bin/kubectl-vault_istio"; [ -x "$bin" ] || bin=$(command -v kubectl-vault_istio) || { echo "helm vault-istio: kubectl-vault_istio is not installed: kubectl krew install vault-istio, or cargo install --path plugin" >&2; exit 2; }
# Helm 4.1 discards a post-renderer plugin's stderr: when there is a terminal, the findings go there.
if ( : >/dev/tty ) 2>/dev/null; then exec "$bin" post-render "$@" 2>/dev/tty; fi
exec "$bin" post-render "$@"
