#!/usr/bin/env bash
# Smoke test for the binaries from hack/k8s-binaries.sh: etcd + kube-apiserver
# on 127.0.0.1 only, RBAC on, admin via static token, then `kubectl get ns` and
# a server-side apply. Everything lives in a temp dir that is removed on exit.
# Usage: hack/apiserver-smoke.sh [BIN_DIR]   (default: build/lookup via k8s-binaries.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$("$HERE/k8s-binaries.sh" | tail -n1)}

TMP=$(mktemp -d)
pids=()
cleanup() {
  # apiserver first, so it does not log etcd connection errors while dying.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "apiserver-smoke: FAIL: $*" >&2; for f in "$TMP"/*.log; do echo "--- $f" >&2; tail -n 30 "$f" >&2; done; exit 1; }

# A random high port nobody answers on; fixed ports would collide with
# parallel runs (CI, the other developer's tests).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
ETCD_PORT=$(free_port) PEER_PORT=$(free_port) API_PORT=$(free_port)

# Self-signed serving cert (it is its own CA for the kubeconfig) and the
# service-account key pair the apiserver insists on.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kube-apiserver \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$TMP/serving.key" -out "$TMP/serving.crt" 2>/dev/null
openssl genrsa -out "$TMP/sa.key" 2048 2>/dev/null
openssl rsa -in "$TMP/sa.key" -pubout -out "$TMP/sa.pub" 2>/dev/null
TOKEN=$(openssl rand -hex 16)
# system:masters bypasses RBAC, so the admin works before any binding exists.
echo "$TOKEN,admin,admin,system:masters" >"$TMP/tokens.csv"

"$BIN/etcd" --name smoke --data-dir "$TMP/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "smoke=http://127.0.0.1:$PEER_PORT" >"$TMP/etcd.log" 2>&1 &
pids+=($!)
# Start the apiserver only once etcd listens: otherwise its log fills with
# gRPC reconnect noise that hides real errors.
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$ETCD_PORT") 2>/dev/null && break; sleep 0.2; done

# --endpoint-reconciler-type=none: the "kubernetes" Service endpoint would be
# 127.0.0.1, which endpoint validation rejects (loopback), and nothing here
# reaches the apiserver through the Service anyway.
"$BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$TMP/serving.crt" --tls-private-key-file "$TMP/serving.key" --cert-dir "$TMP/certs" \
  --authorization-mode RBAC --token-auth-file "$TMP/tokens.csv" \
  --service-account-issuer "https://127.0.0.1:$API_PORT" \
  --service-account-key-file "$TMP/sa.pub" --service-account-signing-key-file "$TMP/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
  >"$TMP/apiserver.log" 2>&1 &
pids+=($!)

KCFG=$TMP/kubeconfig
cat >"$KCFG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smoke
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$TMP/serving.crt"}
users:
- name: admin
  user: {token: "$TOKEN"}
contexts:
- name: smoke
  context: {cluster: smoke, user: admin}
current-context: smoke
EOF
k() { "$BIN/kubectl" --kubeconfig "$KCFG" "$@"; }

start=$SECONDS
until k get --raw /readyz >/dev/null 2>&1; do
  ((SECONDS - start < 90)) || fail "apiserver not ready after 90s"
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a process exited early"; done
  sleep 1
done
echo "apiserver-smoke: ready after $((SECONDS - start))s ($("$BIN/kube-apiserver" --version))"

k get ns
k apply --server-side --field-manager smoke -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: smoke, namespace: default}
data: {hello: world}
EOF
# Proves the server, not kubectl, did the merge: SSA records an Apply manager.
op=$(k get configmap smoke -n default -o jsonpath='{.metadata.managedFields[?(@.manager=="smoke")].operation}')
[[ $op == Apply ]] || fail "expected Apply managedFields entry for manager smoke, got '$op'"
echo "apiserver-smoke: PASS"
