#!/usr/bin/env bash
# The end-to-end suite on kind: one control plane and three workers (hack/kind-cluster.sh).
#   hack/kind-e2e.sh     here, where nothing can be pulled: kind's node image built from Debian packages
#                        and Go modules (hack/kind-node-image.sh), the store and operator images on a
#                        Debian base built here (hack/images.sh). Needs root (Docker, debootstrap).
#   KV_KIND_NODE_IMAGE=kindest/node:v1.34.0 KV_BASE_IMAGE=<a Java 17 image with redis-cli> hack/kind-e2e.sh
#                        where images can be pulled: kind's own node image, your base image
#   KV_E2E_FAULT_RUNS=5  runs each failover fault (pod delete, kill, operator down, node loss, partition,
#                        drain) 5 times and reports the median and maximum of each (1 by default)
#   KV_E2E_KEEP=1        leaves the cluster running (KUBECONFIG: the last line of hack/kind-cluster.sh,
#                        ~/.cache/kvcluster/kind/kvcluster.kubeconfig)
# Expects the Maven build done (./test runs mvn verify first). Results: e2e/target/e2e-results.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
NAME=${KV_KIND_NAME:-kvcluster}
export KV_KIND_NAME=$NAME
[[ $(id -u) == 0 ]] || [[ -n ${KV_KIND_NODE_IMAGE:-} ]] || {
  echo "kind-e2e: building the node image needs root (debootstrap, Docker); elsewhere set KV_KIND_NODE_IMAGE" >&2
  exit 1
}
[[ $(id -u) != 0 ]] || "$HERE/e2e-deps.sh"
BIN=$("$HERE/k8s-binaries.sh" | tail -n1)
# the linearizability checker that the fault tests run on their clients' histories (./test exports it already)
KV_LINCHECK=${KV_LINCHECK:-$("$HERE/lincheck.sh" | tail -n1)}
export KV_LINCHECK
t0=$SECONDS
IMAGES=$("$HERE/images.sh" | tail -n1)
echo "kind-e2e: images built in $((SECONDS - t0)) s"
source "$HERE/kind/versions.sh"
KIND=${KV_CACHE_DIR:-$HOME/.cache/kvcluster}/kind/bin/kind-$KIND_VERSION
if [[ ${KV_E2E_KEEP:-0} != 1 ]]; then
  # also when the cluster's own set-up fails after kind made it
  trap '[[ -x $KIND ]] && "$KIND" delete cluster --name "$NAME" >/dev/null 2>&1 || true' EXIT
fi
KUBECONFIG=$("$HERE/kind-cluster.sh" | tail -n1)
# every worker gets the images (the control plane runs none of the suite's pods; the sandbox image is
# the node image's own)
WORKER_NODES=$("$KIND" get nodes --name "$NAME" | grep -v -- '-control-plane$' | paste -sd, -)
"$KIND" load docker-image --name "$NAME" --nodes "$WORKER_NODES" $(tr ' ' '\n' <<<"$IMAGES" | grep -v '^kvstore/pause:') >&2
echo "kind-e2e: cluster up at $((SECONDS - t0)) s"
# this machine as the pods reach it: the kind network's gateway (IPv4)
HOST_ADDRESS=$(docker network inspect kind -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' | tr ' ' '\n' | grep -m1 '\.' || true)
[[ -n $HOST_ADDRESS ]] || { echo "kind-e2e: the kind network has no IPv4 gateway" >&2; exit 1; }
rm -f "$ROOT/e2e/target/e2e-diagnostics.txt"
# the suite runs helm and kubectl by name: the versions built for this cluster come first
if ! PATH="$BIN:$PATH" mvn -B -ntp -f "$ROOT/pom.xml" -Pe2e -pl e2e verify -Dkv.e2e.kubeconfig="$KUBECONFIG" \
    -Dkv.e2e.host-address="$HOST_ADDRESS" -Dkv.e2e.excluded-groups=none -Dkv.e2e.fault-runs="${KV_E2E_FAULT_RUNS:-1}" "$@"; then
  if [[ -s $ROOT/e2e/target/e2e-diagnostics.txt ]]; then
    echo "kind-e2e: FAILED; the cluster at the first failure (all of them: e2e/target/e2e-diagnostics.txt):"
    head -n 400 "$ROOT/e2e/target/e2e-diagnostics.txt"
  fi
  "$KIND" export logs --name "$NAME" "$ROOT/e2e/target/kind-logs" >/dev/null 2>&1 || true
  echo "kind-e2e: the nodes' logs (kubelet, containerd, pods) in e2e/target/kind-logs"
  exit 1
fi
echo "kind-e2e: done in $((SECONDS - t0)) s"
cat "$ROOT/e2e/target/e2e-results.txt"
