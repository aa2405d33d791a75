#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the end-to-end suite: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, CoreDNS and
# kube-router (NetworkPolicies) as host processes (built from their Go modules by k8s-binaries.sh), Debian's containerd, runc and
# CNI plugins, and the images of hack/images.sh imported into containerd (nothing is pulled).
#   hack/cluster.sh up     starts it (about a minute warm), writes $DIR/kubeconfig
#   hack/cluster.sh down   stops every process, removes pods' network, mounts and state
#   KV_E2E_DIR (default /var/lib/kvcluster/e2e) holds state, logs and the kubeconfig.
# Needs root (containers, iptables, mounts) and apt packages containerd runc
# containernetworking-plugins iptables conntrack openssl (.ci/run installs them).
#
# Addresses, all inside this machine: the node and the API server on 10.200.0.1 (an address on
# lo, so pods reach it through their bridge gateway), pods 10.244.0.0/24 on bridge kvbr0,
# Services 10.96.0.0/16. CoreDNS listens on 10.200.0.1:53 and answers cluster.local only.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?up or down}
DIR=${KV_E2E_DIR:-/var/lib/kvcluster/e2e}
NODE=kv-node
NODE_IP=10.200.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
BRIDGE=kvbr0
SOCK=$DIR/run/containerd.sock
log() { echo "cluster: $*" >&2; }

# stop NAME...: SIGTERM the named processes of $DIR/pids, SIGKILL what is left after 10 s
stop() {
  [[ -f $DIR/pids ]] || return 0
  local pids=() name pid
  while read -r name pid; do
    for wanted in "$@"; do [[ $name == "$wanted" ]] && pids+=("$pid"); done
  done <"$DIR/pids"
  ((${#pids[@]})) || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}

down() {
  # the kubelet first, so it restarts nothing; then every container, while containerd still runs
  stop kubelet
  if [[ -S $SOCK ]]; then
    for task in $(ctr -a "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$SOCK" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 1
  fi
  stop kube-router coredns kube-proxy containerd scheduler controller-manager apiserver
  stop etcd
  rm -f "$DIR/pids"
  # shims outlive containerd; a container whose task kill failed dies with its cgroup's sweep
  pkill -9 -f "containerd-shim-runc-v2 .*-address $SOCK" 2>/dev/null || true
  for procs in /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
    /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs; do
    [[ -f $procs ]] && xargs -r kill -9 <"$procs" 2>/dev/null || true
  done
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
  if [[ -d $DIR ]]; then
    grep " $DIR/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  ip link del "$BRIDGE" 2>/dev/null || true
  ip addr del "$NODE_IP/32" dev lo 2>/dev/null || true
  # kube-proxy's and CNI's rules: chains named KUBE-* and CNI-*
  for table in nat filter mangle; do
    iptables-save -t "$table" 2>/dev/null | grep -q -E 'KUBE-|CNI-' || continue
    iptables-save -t "$table" | grep -v -E 'KUBE-|CNI-' | iptables-restore -T "$table" 2>/dev/null || true
  done
  # kube-router's ipsets, once no rule refers to them
  if command -v ipset >/dev/null; then
    ipset list -n 2>/dev/null | grep -E '^(KUBE-(SRC|DST)-|TMP-)' | xargs -r -n1 ipset destroy 2>/dev/null || true
  fi
  rm -rf "$DIR"
}

# what the node's own parts saw, for a failure whose cause is below Kubernetes (a pod that cannot
# reach a Service, a firewall rule that drops): liveness of each process, the end of the network
# parts' logs, and the packet counters of every rule on a pod's path (a DROP or REJECT that
# counted packets names itself)
diag() {
  echo "---- processes of the cluster (name pid state)"
  if [[ -f $DIR/pids ]]; then
    while read -r name pid; do
      if kill -0 "$pid" 2>/dev/null; then echo "$name $pid running"; else echo "$name $pid GONE"; fi
    done <"$DIR/pids"
  fi
  for part in kube-router kube-proxy; do
    # klog's errors, warnings and fatals (E, W, F first), then where the log ends
    echo "---- $part.log: its last errors and warnings, then its last lines"
    grep -E '^[EWF][0-9]{4} ' "$DIR/logs/$part.log" 2>/dev/null | tail -n 15 || true
    tail -n 4 "$DIR/logs/$part.log" 2>/dev/null || true
  done
  echo "---- rules that dropped or refused packets (chain: pkts ... rule)"
  iptables -t filter -L -v -n -x 2>/dev/null \
    | awk '/^Chain / {chain=$2} ($3 == "DROP" || $3 == "REJECT") && $1 > 0 {print chain ": " $0}' || true
  echo "---- policies of the built-in chains"
  iptables -t filter -S 2>/dev/null | grep '^-P' || true
  echo "---- nat rules for the API server's Service"
  iptables-save -t nat 2>/dev/null | grep -E "default/kubernetes|$API_SERVICE_IP" || true
  echo "---- connections to the API server tracked"
  conntrack -L -p tcp --dport 443 2>/dev/null | head -n 20 || true
  conntrack -L -p tcp --dport 6443 -d "$NODE_IP" 2>/dev/null | grep -v "src=$NODE_IP" | head -n 20 || true
  echo "---- routes"
  ip route 2>/dev/null || true
}

if [[ $cmd == down ]]; then down; log "down"; exit 0; fi
if [[ $cmd == diag ]]; then diag; exit 0; fi
[[ $cmd == up ]] || { log "usage: $0 up|down|diag"; exit 2; }
[[ $(id -u) == 0 ]] || { log "needs root (containers, iptables, mounts)"; exit 1; }
for tool in containerd runc iptables openssl ctr ipset; do
  command -v "$tool" >/dev/null || { log "$tool missing: apt-get install containerd runc iptables openssl ipset"; exit 1; }
done
[[ -x /usr/lib/cni/bridge ]] || { log "CNI plugins missing: apt-get install containernetworking-plugins"; exit 1; }

BIN=${KV_K8S_BIN:-$("$HERE/k8s-binaries.sh" | tail -n1)}
start=$SECONDS
down
mkdir -p "$DIR"/{pki,run,logs,cni/net.d,pv}
PKI=$DIR/pki

# --- host networking ---------------------------------------------------------------------------
ip addr add "$NODE_IP/32" dev lo
sysctl -qw net.ipv4.ip_forward=1
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || modprobe br_netfilter 2>/dev/null || true
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] \
  || { log "bridge netfilter unavailable (/proc/sys/net/bridge): Services cannot work for pods"; exit 1; }
sysctl -qw net.bridge.bridge-nf-call-iptables=1
# Docker (used to build the images) sets the FORWARD policy to DROP
iptables -P FORWARD ACCEPT

# --- certificates ------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=kvcluster-e2e-ca \
  -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
# cert NAME CN [O] [SANs]
cert() {
  local name=$1 cn=$2 org=${3:-} san=${4:-}
  local subj="/CN=$cn"
  [[ -n $org ]] && subj="/O=$org$subj"
  openssl req -new -newkey rsa:2048 -nodes -subj "$subj" -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  local ext=$PKI/$name.ext
  echo "extendedKeyUsage=clientAuth,serverAuth" >"$ext"
  [[ -n $san ]] && echo "subjectAltName=$san" >>"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 7 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
}
cert apiserver kube-apiserver "" \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$API_SERVICE_IP"
cert admin kubernetes-admin system:masters
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
cert controller-manager system:kube-controller-manager
cert scheduler system:kube-scheduler
cert kubelet "system:node:$NODE" system:nodes "DNS:$NODE,IP:$NODE_IP"
cert kube-proxy system:kube-proxy
cert coredns system:coredns
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null

# kubeconfig NAME: client cert NAME, server on the node address
kubeconfig() {
  cat >"$DIR/$1.kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: kvcluster-e2e
  cluster: {server: "https://$NODE_IP:6443", certificate-authority: "$PKI/ca.crt"}
users:
- name: $1
  user: {client-certificate: "$PKI/$1.crt", client-key: "$PKI/$1.key"}
contexts:
- name: kvcluster-e2e
  context: {cluster: kvcluster-e2e, user: $1}
current-context: kvcluster-e2e
KCFG
}
for c in admin controller-manager scheduler kubelet kube-proxy coredns; do kubeconfig "$c"; done
cp "$DIR/admin.kubeconfig" "$DIR/kubeconfig"
KUBECTL=("$BIN/kubectl" --kubeconfig "$DIR/kubeconfig")

# run NAME CMD...: background process, logs in $DIR/logs/NAME.log, stopped by `down`
run() {
  local name=$1
  shift
  "$@" >"$DIR/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$DIR/pids"
}
# wait_for WHAT SECONDS CMD...
wait_for() {
  local what=$1 limit=$2 t0=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - t0 > limit)); then
      log "$what not ready after $limit s; last lines of its log:"
      tail -n 40 "$DIR/logs/$what.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
}

# --- control plane -----------------------------------------------------------------------------
run etcd "$BIN/etcd" --name e2e --data-dir "$DIR/etcd" --unsafe-no-fsync \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster e2e=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
wait_for etcd 30 curl -sf http://127.0.0.1:2381/health

run apiserver "$BIN/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true \
  --kubelet-preferred-address-types InternalIP
wait_for apiserver 120 "${KUBECTL[@]}" get --raw /readyz

run controller-manager "$BIN/kube-controller-manager" --kubeconfig "$DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --use-service-account-credentials --allocate-node-cidrs --cluster-cidr "$POD_CIDR" \
  --node-cidr-mask-size 24 --service-cluster-ip-range "$SERVICE_CIDR"
run scheduler "$BIN/kube-scheduler" --kubeconfig "$DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false

# --- container runtime -------------------------------------------------------------------------
cat >"$DIR/cni/net.d/10-kv.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "kv",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$DIR/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
# The kubelet gives every pod sandbox oom_score_adj -998 (and Guaranteed pods -997). Lowering
# it needs CAP_SYS_RESOURCE, which this machine's root lacks (CapBnd 000001fffeffffff: bit 24
# unset); runc then fails with "failed to update /proc/self/oom_score_adj: Permission denied",
# reported to the kubelet as "can't get final child's PID from pipe: EOF". Where that is so, runc
# runs through a wrapper that raises negative scores to 0: an OOM-kill preference is all we lose.
RUNC=/usr/sbin/runc
if ! (echo -1 >/proc/self/oom_score_adj) 2>/dev/null; then
  RUNC=$DIR/bin/runc
  mkdir -p "$DIR/bin"
  cat >"$RUNC" <<'WRAPPER'
#!/bin/sh
# runc without negative oom_score_adj (see hack/cluster.sh); containerd writes config.json as
# compact JSON, so a sed of the one field is exact
prev=
for arg in "$@"; do
  if [ "$prev" = --bundle ] || [ "$prev" = -b ]; then
    [ -f "$arg/config.json" ] && sed -i -E 's/"oomScoreAdj":-[0-9]+/"oomScoreAdj":0/' "$arg/config.json"
  fi
  prev=$arg
done
exec /usr/sbin/runc "$@"
WRAPPER
  chmod +x "$RUNC"
  log "no CAP_SYS_RESOURCE: runc through $RUNC (negative oom_score_adj raised to 0)"
fi
cat >"$DIR/containerd.toml" <<TOML
version = 2
root = "$DIR/containerd/root"
state = "$DIR/run/containerd-state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  # the image hack/images.sh builds; nothing can be pulled here
  sandbox_image = "docker.io/kvstore/pause:3.10"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$RUNC"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
TOML
run containerd containerd --config "$DIR/containerd.toml"
wait_for containerd 30 ctr -a "$SOCK" version

IMAGES=${KV_E2E_IMAGES:-kvstore/store:0.1.0 kvstore/store:0.1.0-next kvstore/store:0.1.0-previous kvstore/operator:0.1.0 kvstore/pause:3.10}
log "importing images: $IMAGES"
# shellcheck disable=SC2086
docker save $IMAGES | ctr -a "$SOCK" -n k8s.io images import - >/dev/null

# --- node --------------------------------------------------------------------------------------
cat >"$DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$SOCK
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: $DIR/resolv.conf
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
# a test machine: no evictions for a full disk or low memory mid-test
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
# status and probes faster than the defaults, as failover tests want
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
YAML
# pods resolve only cluster names (nothing outside this machine)
echo "nameserver $NODE_IP" >"$DIR/resolv.conf"
run kubelet "$BIN/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
  --hostname-override "$NODE" --node-ip "$NODE_IP" --root-dir "$DIR/kubelet" \
  --cert-dir "$DIR/kubelet-pki"
run kube-proxy "$BIN/kube-proxy" --kubeconfig "$DIR/kube-proxy.kubeconfig" \
  --hostname-override "$NODE" --cluster-cidr "$POD_CIDR" --proxy-mode iptables \
  --bind-address "$NODE_IP" --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
  --conntrack-max-per-core 0

# --- cluster add-ons: DNS permissions, storage -------------------------------------------------
"${KUBECTL[@]}" apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:coredns"}]
---
# Statically provisioned local volumes (no provisioner runs here); the default class, like
# kind's "standard".
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
YAML
cat >"$DIR/Corefile" <<COREFILE
.:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:8180
    ready 127.0.0.1:8181
    cache 5
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $DIR/coredns.kubeconfig kvcluster-e2e
        pods insecure
        ttl 5
    }
}
COREFILE
run coredns "$BIN/coredns" -conf "$DIR/Corefile"

PV_COUNT=${KV_E2E_VOLUMES:-16}
for i in $(seq 1 "$PV_COUNT"); do
  mkdir -p "$DIR/pv/$i" && chmod 0777 "$DIR/pv/$i"
  cat <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-$i}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  local: {path: "$DIR/pv/$i"}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$NODE]}]
---
YAML
done | "${KUBECTL[@]}" apply -f - >/dev/null

wait_for kubelet 120 "${KUBECTL[@]}" wait --for=condition=Ready "node/$NODE" --timeout=1s
wait_for coredns 30 curl -sf http://127.0.0.1:8181/ready
# NetworkPolicies enforced, as a cluster with Calico or Cilium would: kube-router's firewall alone
# (iptables and ipsets for the pods of this node; no routing, no service proxy beside kube-proxy).
# It needs the node (with its InternalIP) to exist. No health port: it would serve pprof to pods.
run kube-router "$BIN/kube-router" --kubeconfig "$DIR/kubeconfig" --hostname-override "$NODE" \
  --run-firewall=true --run-router=false --run-service-proxy=false \
  --service-cluster-ip-range "$SERVICE_CIDR" --iptables-sync-period 1m --health-port 0 --v 1
wait_for kube-router 60 bash -c "iptables-save -t filter | grep -q KUBE-ROUTER-FORWARD"

# A pod reaches the API server through its Service, with the firewall in place: what the operator
# needs first. Checked here, so that a cluster that cannot do it fails now and says why (a CI run
# once saw the operator time out on 10.96.0.1:443 for five minutes, with nothing below Kubernetes
# in its log).
# kube-proxy's first sync can fail when kube-router rewrites the filter table at the same moment ("Chain
# 'KUBE-EXTERNAL-SERVICES' does not exist"); it tries again 30 s later. Wait for its rule for the API
# server's Service, and let the probe try for a while, rather than fail the cluster on that race.
wait_for kube-proxy 90 bash -c "iptables-save -t nat | grep -q -- '-d $API_SERVICE_IP/32'"
"${KUBECTL[@]}" run kv-cluster-probe -n default --image "kvstore/store:${KV_IMAGE_TAG:-0.1.0}" --image-pull-policy Never \
  --restart Never --labels app.kubernetes.io/name=kv-cluster-probe --command -- \
  bash -c "for i in \$(seq 1 20); do timeout 3 bash -c 'exec 3<>/dev/tcp/$API_SERVICE_IP/443' && exit 0; sleep 1; done; exit 1" >/dev/null
probe_phase() { "${KUBECTL[@]}" get pod kv-cluster-probe -n default -o 'jsonpath={.status.phase}' 2>/dev/null; }
t0=$SECONDS
until [[ $(probe_phase) == Succeeded ]]; do
  if [[ $(probe_phase) == Failed ]] || ((SECONDS - t0 > 90)); then
    log "a pod cannot reach the API server at $API_SERVICE_IP:443 (pod phase: $(probe_phase))"
    "${KUBECTL[@]}" get pod kv-cluster-probe -n default -o wide >&2 || true
    diag >&2
    exit 1
  fi
  sleep 0.5
done
"${KUBECTL[@]}" delete pod kv-cluster-probe -n default --wait=false >/dev/null
log "up in $((SECONDS - start)) s: $("$BIN/kubelet" --version), kubeconfig $DIR/kubeconfig"
echo "$DIR/kubeconfig"
