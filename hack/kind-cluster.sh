#!/usr/bin/env bash
# A kind cluster of one control plane and three workers, from the node image hack/kind-node-image.sh
# builds here (no image can be pulled): `kind create cluster` itself, with kind v0.30.0 built from its
# Go module. Needs root and Docker (hack/e2e-deps.sh installs Debian's).
#   hack/kind-cluster.sh            creates the cluster "kvcluster" (deletes one of that name first)
#   KV_KIND_NAME, KV_KIND_WORKERS   another name, another number of workers (3)
#   KV_KIND_NODE_IMAGE              a node image to use instead (kindest/node:v1.34.x where images can
#                                   be pulled); unset, the one built here
# Last line of stdout: the kubeconfig file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=${KV_KIND_NAME:-kvcluster}
WORKERS=${KV_KIND_WORKERS:-3}
CACHE=${KV_CACHE_DIR:-$HOME/.cache/kvcluster}
log() { echo "kind-cluster: $*" >&2; }

# kind runs every node with `docker run --privileged`, which asks runc for every capability. Where
# root lacks CAP_SYS_RESOURCE (this VM), that fails ("unable to apply caps: operation not
# permitted") until dockerd's default runtime leaves that capability out
# (hack/kind/runc-without-sys-resource). Inside the nodes containerd then clamps the kubelet's negative
# OOM scores (restrict_oom_score_adj, set in the node image).
"$HERE/docker-up.sh"
CAP_BOUND=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
if (( (16#$CAP_BOUND >> 24 & 1) == 0 )); then
  RUNTIME=/usr/local/libexec/kvcluster/runc-without-sys-resource
  mkdir -p "$(dirname "$RUNTIME")"
  if ! cmp -s "$HERE/kind/runc-without-sys-resource" "$RUNTIME"; then
    cp "$HERE/kind/runc-without-sys-resource" "$RUNTIME.new" && mv "$RUNTIME.new" "$RUNTIME"
  fi
  CONFIG=/etc/docker/daemon.json
  WANT=$( (cat "$CONFIG" 2>/dev/null || echo '{}') \
    | jq -S --arg path "$RUNTIME" '.runtimes["kv-runc"] = {path: $path} | .["default-runtime"] = "kv-runc"')
  if [[ "$(jq -S . "$CONFIG" 2>/dev/null)" != "$WANT" ]]; then
    log "no CAP_SYS_RESOURCE here: dockerd's default runtime becomes $RUNTIME"
    mkdir -p /etc/docker && echo "$WANT" >"$CONFIG"
    kill -HUP "$(cat /var/run/docker.pid)"   # runtimes and default-runtime are reloaded on SIGHUP
    for _ in $(seq 20); do [[ $(docker info --format '{{.DefaultRuntime}}') == kv-runc ]] && break; sleep 0.5; done
    [[ $(docker info --format '{{.DefaultRuntime}}') == kv-runc ]] || { log "dockerd did not take the runtime"; exit 1; }
  fi
fi

source "$HERE/kind/versions.sh"
export PATH=$PATH:/usr/local/go/bin
KIND=$CACHE/kind/bin/kind-$KIND_VERSION
if [[ ! -x $KIND ]]; then
  log "building kind $KIND_VERSION"
  KIND_BIN=$(mktemp -d)
  GOBIN=$KIND_BIN GOTOOLCHAIN=local CGO_ENABLED=0 nice -n 19 go install -p 1 -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$KIND_VERSION"
  mkdir -p "$(dirname "$KIND")" && mv "$KIND_BIN/kind" "$KIND" && rmdir "$KIND_BIN"
fi
BIN=$("$HERE/k8s-binaries.sh" | tail -n1)
LOCAL_IMAGE=none
[[ -n ${KV_KIND_NODE_IMAGE:-} ]] || LOCAL_IMAGE=$("$HERE/kind-node-image.sh" | tail -n1)
IMAGE=${KV_KIND_NODE_IMAGE:-$LOCAL_IMAGE}

CONFIG_FILE=$CACHE/kind/$NAME.yaml
{
  echo 'kind: Cluster'
  echo 'apiVersion: kind.x-k8s.io/v1alpha4'
  echo 'nodes:'
  echo '- role: control-plane'
  for _ in $(seq "$WORKERS"); do echo '- role: worker'; done
  echo 'kubeadmConfigPatches:'
  # as hack/cluster.sh's kubelet: Secrets reach the pods' volumes, and status the API server, sooner
  # than the defaults (the suite rotates passwords and fails nodes); no evictions mid-test
  cat <<YAML
- |
  kind: KubeletConfiguration
  syncFrequency: 10s
  nodeStatusUpdateFrequency: 4s
  evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
  imageGCHighThresholdPercent: 100
YAML
  # a lost node is NotReady after 16 s (not 50) and its pods are evicted 10 s later (not 300): the
  # node-fault tests wait for both
  cat <<YAML
- |
  kind: ClusterConfiguration
  apiServer:
    extraArgs:
      default-not-ready-toleration-seconds: "10"
      default-unreachable-toleration-seconds: "10"
  controllerManager:
    extraArgs:
      node-monitor-grace-period: "16s"
YAML
  # etcd and CoreDNS in the image built here are the versions hack/k8s-binaries.sh builds
  if [[ $IMAGE == "$LOCAL_IMAGE" ]]; then
    cat <<YAML
- |
  kind: ClusterConfiguration
  etcd:
    local:
      imageTag: "$(etcd_tag "$BIN")"
  dns:
    imageTag: "$(coredns_tag "$BIN")"
YAML
  fi
} >"$CONFIG_FILE"

"$KIND" delete cluster --name "$NAME" >/dev/null 2>&1 || true
log "kind create cluster --name $NAME ($WORKERS workers) from $IMAGE"
"$KIND" create cluster --name "$NAME" --image "$IMAGE" --config "$CONFIG_FILE" --wait 5m >&2
KUBECONFIG_FILE=$CACHE/kind/$NAME.kubeconfig
"$KIND" get kubeconfig --name "$NAME" >"$KUBECONFIG_FILE"
if [[ $IMAGE == "$LOCAL_IMAGE" ]]; then
  ROUTER=$(docker exec "$NAME-control-plane" crictl images -o json | jq -r '.images[].repoTags[]' \
    | grep '^docker.io/kvstore/kube-router:' || true)
  [[ -n $ROUTER ]] || { log "no kube-router image in the node image $IMAGE"; exit 1; }
  log "NetworkPolicies: kube-router's firewall on every node ($ROUTER)"
  sed "s#image: IMAGE#image: $ROUTER#" "$HERE/kind/kube-router-firewall.yaml" | "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" apply -f - >/dev/null
  "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" -n kube-system rollout status daemonset/kube-router --timeout=120s >&2
fi
echo "$KUBECONFIG_FILE"
