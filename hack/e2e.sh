#!/usr/bin/env bash
# The end-to-end tier on this machine: builds the images, brings up the local cluster
# (hack/cluster.sh), runs the e2e suite against it and takes the cluster down again.
# Expects the Maven build done (./test runs mvn verify first). Results: e2e/target/e2e-results.txt.
#   KV_E2E_KEEP=1 leaves the cluster running afterwards (KUBECONFIG=/var/lib/kvcluster/e2e/kubeconfig).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
[[ $(id -u) == 0 ]] || {
  echo "e2e: the local cluster needs root (containers, iptables, mounts); without it, use" \
    "hack/kind-e2e.sh, or KV_E2E=skip ./test for the lower tiers only" >&2
  exit 1
}
"$HERE/e2e-deps.sh"
BIN=$("$HERE/k8s-binaries.sh" | tail -n1)
# the linearizability checker that the fault tests run on their clients' histories (./test exports it already)
KV_LINCHECK=${KV_LINCHECK:-$("$HERE/lincheck.sh" | tail -n1)}
export KV_LINCHECK
t0=$SECONDS
"$HERE/images.sh" >/dev/null
echo "e2e: images built in $((SECONDS - t0)) s"
KUBECONFIG=$(KV_K8S_BIN=$BIN "$HERE/cluster.sh" up | tail -n1)
if [[ ${KV_E2E_KEEP:-0} != 1 ]]; then
  trap '"$HERE/cluster.sh" down >/dev/null 2>&1 || true' EXIT
fi
echo "e2e: cluster up at $((SECONDS - t0)) s"
echo "e2e: the node-fault tests (tag kind-nodes: a node lost, cut off, drained) need kind's node containers;" \
  "not run on this one-node cluster (hack/kind-e2e.sh runs them)"
# the suite runs helm and kubectl by name: the versions built for this cluster come first
rm -f "$ROOT/e2e/target/e2e-diagnostics.txt"
if ! PATH="$BIN:$PATH" mvn -B -ntp -f "$ROOT/pom.xml" -Pe2e -pl e2e verify -Dkv.e2e.kubeconfig="$KUBECONFIG" "$@"; then
  # the cluster as each failed test left it (FailureDiagnostics): a CI log keeps only its end; the
  # first failure comes first (the ordered tests after it often fail because of it)
  # the node below Kubernetes (processes, firewall counters), before the cluster goes down
  "$HERE/cluster.sh" diag 2>&1 | head -n 120 || true
  if [[ -s $ROOT/e2e/target/e2e-diagnostics.txt ]]; then
    echo "e2e: FAILED; the cluster at the first failure (all of them: e2e/target/e2e-diagnostics.txt):"
    head -n 400 "$ROOT/e2e/target/e2e-diagnostics.txt"
  fi
  exit 1
fi
echo "e2e: done in $((SECONDS - t0)) s"
cat "$ROOT/e2e/target/e2e-results.txt"
