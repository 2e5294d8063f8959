# Sourced by scripts that need fixture clusters behind a kubeconfig (manifests/demo/audit.sh,
# bench/audit-latency.sh). Run from the workspace root, after building kube-standin.
#
#   standin_start BIN WORK [kube-standin arguments...]
#
# Starts BIN (the kube-standin binary) with `--kubeconfig WORK/kubeconfig`, returns once that
# kubeconfig exists, and stops the server and removes WORK when the calling shell exits.

standin_start() {
  local bin="$1" work="$2"
  shift 2
  exec 3> >("$bin" --until-stdin-closes --kubeconfig "$work/kubeconfig" "$@" 2>"$work/standin.log")
  # shellcheck disable=SC2064 # expand $work now
  trap "exec 3>&-; rm -rf '$work'" EXIT
  for _ in $(seq 200); do
    [[ -f "$work/kubeconfig" ]] && return 0
    sleep 0.1
  done
  echo "the Kubernetes API stand-in did not start:" >&2
  cat "$work/standin.log" >&2
  exit 2
}
