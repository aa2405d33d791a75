#!/usr/bin/env bash
# A real Kubernetes control plane for the operator's integration tests: etcd, kube-apiserver and
# kube-controller-manager (so StatefulSets get pods and owner references cascade), on 127.0.0.1
# only, built from their Go modules by k8s-binaries.sh. No kubelet: the tests play it.
#   hack/control-plane.sh up DIR     starts it, writes DIR/kubeconfig, returns once it is ready
#   hack/control-plane.sh down DIR   stops it
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?up or down}
DIR=${2:?state directory}

down() {
  [[ -f $DIR/pids ]] || return 0
  # controller-manager and apiserver first, so they do not log etcd errors while dying
  tac "$DIR/pids" | while read -r pid; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$DIR/pids"
    ((alive)) || break
    sleep 0.1
  done
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$DIR/pids"
  rm -f "$DIR/pids"
}

if [[ $cmd == down ]]; then down; exit 0; fi

BIN=${KV_K8S_BIN:-$("$HERE/k8s-binaries.sh" | tail -n1)}
mkdir -p "$DIR"
down
# Below the kernel's ephemeral range (32768 and up here): a port there can be taken as the local end
# of an outgoing connection between this check and the bind (CI saw etcd's peer port go that way).
TAKEN=" "
pick_port() { # sets PORT (no subshell, so that TAKEN keeps the four apart)
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ $TAKEN == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    TAKEN="$TAKEN$p "
    PORT=$p
    return
  done
}
pick_port; ETCD_PORT=$PORT
pick_port; PEER_PORT=$PORT
pick_port; API_PORT=$PORT
pick_port; KCM_PORT=$PORT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kube-apiserver \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$DIR/serving.key" -out "$DIR/serving.crt" 2>/dev/null
openssl genrsa -out "$DIR/sa.key" 2048 2>/dev/null
openssl rsa -in "$DIR/sa.key" -pubout -out "$DIR/sa.pub" 2>/dev/null
TOKEN=$(openssl rand -hex 16)
echo "$TOKEN,admin,admin,system:masters" >"$DIR/tokens.csv"

"$BIN/etcd" --name it --data-dir "$DIR/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "it=http://127.0.0.1:$PEER_PORT" >"$DIR/etcd.log" 2>&1 &
echo $! >>"$DIR/pids"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ETCD_PORT") 2>/dev/null && break; sleep 0.2; done

# --endpoint-reconciler-type=none: the kubernetes Service would point at 127.0.0.1, which
# endpoint validation rejects; nothing here goes through that Service.
"$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$DIR/serving.crt" --tls-private-key-file "$DIR/serving.key" --cert-dir "$DIR/certs" \
  --authorization-mode RBAC --token-auth-file "$DIR/tokens.csv" \
  --service-account-issuer "https://127.0.0.1:$API_PORT" \
  --service-account-key-file "$DIR/sa.pub" --service-account-signing-key-file "$DIR/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
  >"$DIR/apiserver.log" 2>&1 &
echo $! >>"$DIR/pids"

cat >"$DIR/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: it
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$DIR/serving.crt"}
users:
- name: admin
  user: {token: "$TOKEN"}
contexts:
- name: it
  context: {cluster: it, user: admin}
current-context: it
KCFG

start=$SECONDS
until "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" get --raw /readyz >/dev/null 2>&1; do
  if ((SECONDS - start > 120)); then
    echo "control-plane: apiserver not ready after 120 s" >&2; tail -n 30 "$DIR/apiserver.log" >&2; down; exit 1
  fi
  sleep 0.5
done

"$BIN/kube-controller-manager" --kubeconfig "$DIR/kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file "$DIR/sa.key" --root-ca-file "$DIR/serving.crt" \
  --use-service-account-credentials=false --controllers '*,-serviceaccount-token' \
  >"$DIR/controller-manager.log" 2>&1 &
echo $! >>"$DIR/pids"
for _ in $(seq 100); do
  curl -sk "https://127.0.0.1:$KCM_PORT/healthz" 2>/dev/null | grep -q ok && break
  sleep 0.3
done
echo "control-plane: up in $((SECONDS - start)) s: $("$BIN/kube-apiserver" --version); kubeconfig $DIR/kubeconfig"
