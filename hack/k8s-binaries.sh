#!/usr/bin/env bash
# Builds real Kubernetes binaries (plus etcd, helm and CoreDNS) from their Go
# modules, for the operator's integration tests and the end-to-end cluster. No
# GitHub or container-registry downloads are possible here, so everything comes
# from the Go module proxy.
# Cached and idempotent: a binary that already exists is not rebuilt, so a warm
# run only checks files. GOMODCACHE/GOCACHE stay at their defaults on purpose,
# so that a rebuild (new version, wiped bin dir) reuses them.
# Last line of stdout: the bin dir.
set -euo pipefail

# Pinned: newest v1.34 patch on the Go proxy (go list -m -versions k8s.io/kubernetes).
K8S_VERSION=v1.34.4
# Built from go.etcd.io/etcd/server/v3 (v3.6 is what k8s 1.34 is tested with).
# Fallback if that ever stops building: apt-get install etcd-server (3.4 in
# Debian 12) and link /usr/bin/etcd instead.
ETCD_VERSION=v3.6.16
# helm v3 (not v4): fabric8/operator tooling and charts still target v3.
HELM_VERSION=v3.22.0
# CoreDNS for the end-to-end cluster (hack/cluster.sh); v1.13 uses client-go v0.34, like k8s 1.34.
COREDNS_VERSION=v1.13.2

# kube-router, as the end-to-end cluster's NetworkPolicy enforcer (its firewall alone: no routing, no
# service proxy). v2.1.0 is the only version the Go module proxy serves here; the dependencies with
# known flaws at that version are raised to fixed releases below. Its own advisory (GHSA-v5mh-h5hx-7v92,
# GoBGP's gRPC) concerns the router, which hack/cluster.sh does not run.
KUBE_ROUTER_VERSION=v2.1.0
CACHE=${KV_CACHE_DIR:-$HOME/.cache/kvcluster}
BIN=$CACHE/k8s/$K8S_VERSION/bin
# fabric8 kube-api-test looks for <dir>/k8s/<version>-<os>-<arch>/{etcd,kube-apiserver,kubectl}.
APITEST_DIR=$CACHE/kubeapitest/k8s/${K8S_VERSION#v}-linux-amd64
K8S_MINOR=$(cut -d. -f2 <<<"$K8S_VERSION")

# Another developer shares this 2-core box: one package at a time, lowest priority.
# CGO off: static binaries that run anywhere (upstream builds all but kubelet so).
# GOTOOLCHAIN=local: fail loudly rather than fetch another Go toolchain.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
GO_BUILD=(nice -n 19 go build -p "${KV_GO_BUILD_JOBS:-1}" -trimpath)

log() { echo "k8s-binaries: $*" >&2; }
mkdir -p "$BIN" "$APITEST_DIR"

# --- Kubernetes -------------------------------------------------------------
# kubeadm: for the kind node image (hack/kind-node-image.sh), whose nodes kind sets up with it.
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubeadm kubectl)
missing=()
# (a symlink is the preinstalled kubectl that earlier versions of this script linked: replaced)
for c in "${K8S_CMDS[@]}"; do [[ -x $BIN/$c && ! -L $BIN/$c ]] || missing+=("k8s.io/kubernetes/cmd/$c"); done

if ((${#missing[@]})); then
  MOD=$CACHE/k8s-build/$K8S_VERSION
  mkdir -p "$MOD"
  # k8s.io/kubernetes requires its staging modules as v0.0.0 and replaces them
  # with ./staging paths, which a dependent module cannot see; so replace each
  # with its published v0.<minor>.<patch>. The list comes from the real go.mod.
  K8S_GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  STAGING=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$K8S_GOMOD")
  [[ -n $STAGING ]] || { log "no staging replaces found in $K8S_GOMOD"; exit 1; }
  TOOLS=$(
    echo "//go:build tools"
    echo
    echo "package tools"
    echo
    echo "import ("
    for c in "${K8S_CMDS[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
    echo ")"
  )
  # A command added to the list after the module was made needs its packages in go.sum.
  if [[ -f $MOD/go.sum && "$(cat "$MOD/tools.go" 2>/dev/null)" != "$TOOLS" ]]; then
    echo "$TOOLS" >"$MOD/tools.go"
    (cd "$MOD" && go mod tidy) || { rm -f "$MOD/go.sum"; exit 1; }
  fi
  if [[ ! -f $MOD/go.sum ]]; then
    log "creating wrapper module in $MOD"
    {
      echo "module kvcluster.local/k8s-build"
      echo
      # Same go/godebug as upstream so runtime defaults match release binaries.
      grep -E '^(go|godebug) ' "$K8S_GOMOD"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      for m in $STAGING; do echo "replace $m => $m v0.${K8S_VERSION#v1.}"; done
    } >"$MOD/go.mod"
    echo "$TOOLS" >"$MOD/tools.go"
    (cd "$MOD" && go mod tidy) || { rm -f "$MOD/go.sum"; exit 1; }
  fi
  X=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    X+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
    X+=" -X $p.gitTreeState=clean"
  done
  log "building ${missing[*]##*/} (cold: tens of minutes)"
  # One go build for all commands so shared packages compile once.
  # Tags as in upstream hack/lib/golang.sh for release builds.
  (cd "$MOD" && "${GO_BUILD[@]}" -tags selinux,notest,grpcnotrace -ldflags "-s -w$X" -o "$BIN/" "${missing[@]}")
fi

# --- etcd -------------------------------------------------------------------
if [[ ! -x $BIN/etcd ]]; then
  # server/v3's go.mod has replace directives, so `go install pkg@version` is
  # refused; a wrapper module resolves its sibling modules to published versions.
  MOD=$CACHE/etcd-build/$ETCD_VERSION
  mkdir -p "$MOD"
  if [[ ! -f $MOD/go.sum ]]; then
    log "creating etcd wrapper module in $MOD"
    printf 'module kvcluster.local/etcd-build\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$MOD/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$MOD/tools.go"
    (cd "$MOD" && go mod tidy) || { rm -f "$MOD/go.sum"; exit 1; }
  fi
  log "building etcd $ETCD_VERSION"
  (cd "$MOD" && "${GO_BUILD[@]}" -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
fi

# --- helm -------------------------------------------------------------------
if [[ ! -x $BIN/helm ]]; then
  log "building helm $HELM_VERSION"
  # k8sVersion*: default .Capabilities.KubeVersion for offline `helm template`;
  # match the cluster we run instead of helm's built-in v1.20.
  H=helm.sh/helm/v3
  GOBIN=$BIN nice -n 19 go install -p 1 -trimpath -ldflags "-s -w \
    -X $H/internal/version.version=$HELM_VERSION -X $H/internal/version.gitTreeState=clean \
    -X $H/pkg/chartutil.k8sVersionMajor=1 -X $H/pkg/chartutil.k8sVersionMinor=$K8S_MINOR \
    -X $H/pkg/lint/rules.k8sVersionMajor=1 -X $H/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR" \
    "$H/cmd/helm@$HELM_VERSION"
fi

# --- CoreDNS ----------------------------------------------------------------
# Only the plugins the clusters' DNS needs, the way CoreDNS documents building a custom server: a
# main that sets the directive order (CoreDNS's plugin.cfg, which decides the order plugins see a
# query) and imports those plugins. Less than half the build of the full server (cloud-provider SDKs
# and all). hack/cluster.sh's Corefile uses a few; kubeadm's (the kind cluster's) the rest.
COREDNS_PLUGINS="bind cache errors forward health kubernetes loadbalance log loop prometheus ready reload"
if [[ ! -x $BIN/coredns || "$(cat "$BIN/coredns.plugins" 2>/dev/null)" != "$COREDNS_PLUGINS" ]]; then
  MOD=$CACHE/coredns-build/$COREDNS_VERSION
  mkdir -p "$MOD"
  log "creating CoreDNS wrapper module in $MOD"
  printf 'module kvcluster.local/coredns-build\n\ngo 1.24.0\n\nrequire github.com/coredns/coredns %s\n' \
    "$COREDNS_VERSION" >"$MOD/go.mod"
  PLUGIN_CFG=$(go mod download -json "github.com/coredns/coredns@$COREDNS_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/plugin.cfg
  ORDER=$(awk -F: -v want=" $COREDNS_PLUGINS " 'index(want, " " $1 " ") {printf "\"%s\", ", $1}' "$PLUGIN_CFG")
  {
    echo 'package main'
    echo
    echo 'import ('
    echo '	"github.com/coredns/coredns/core/dnsserver"'
    echo '	"github.com/coredns/coredns/coremain"'
    echo
    for p in $COREDNS_PLUGINS; do
      [[ $p == prometheus ]] && echo '	_ "github.com/coredns/coredns/plugin/metrics"' || echo "	_ \"github.com/coredns/coredns/plugin/$p\""
    done
    echo ')'
    echo
    echo '// In plugin.cfg'"'"'s order: it decides the order plugins see a query.'
    echo "func init() { dnsserver.Directives = []string{${ORDER%, }} }"
    echo
    echo 'func main() { coremain.Run() }'
  } >"$MOD/main.go"
  (cd "$MOD" && go mod tidy) || { rm -f "$MOD/go.sum"; exit 1; }
  log "building CoreDNS $COREDNS_VERSION"
  (cd "$MOD" && "${GO_BUILD[@]}" -ldflags "-s -w" -o "$BIN/coredns" .)
  echo "$COREDNS_PLUGINS" >"$BIN/coredns.plugins"
fi

# --- kube-router ------------------------------------------------------------
if [[ ! -x $BIN/kube-router ]]; then
  MOD=$CACHE/kube-router-build/$KUBE_ROUTER_VERSION
  mkdir -p "$MOD"
  if [[ ! -f $MOD/go.sum ]]; then
    log "creating kube-router wrapper module in $MOD"
    # Minimum versions past the flaws reported for v2.1.0's own pins: x/net GO-2024-2687 (HTTP/2
    # CONTINUATION), protobuf GO-2024-2611, grpc GHSA-xr7q-jx4m-x55m, docker CVE-2024-29018 and
    # CVE-2024-41110, gobgp GO-2025-3630..3633. The APIs kube-router calls are the same in these.
    cat >"$MOD/go.mod" <<GOMOD
module kvcluster.local/kube-router-build

go 1.26.0

require (
	github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION
	github.com/docker/docker v28.5.2+incompatible
	github.com/osrg/gobgp/v3 v3.37.0
	golang.org/x/net v0.63.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)
GOMOD
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"\n' \
      >"$MOD/tools.go"
    (cd "$MOD" && go mod tidy) || { rm -f "$MOD/go.sum"; exit 1; }
  fi
  log "building kube-router $KUBE_ROUTER_VERSION"
  (cd "$MOD" && "${GO_BUILD[@]}" -ldflags "-s -w \
    -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    -o "$BIN/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router)
fi
# --- kube-api-test layout ---------------------------------------------------
for b in etcd kube-apiserver kubectl; do ln -sfn "$BIN/$b" "$APITEST_DIR/$b"; done

for b in "${K8S_CMDS[@]}" etcd helm coredns kube-router; do [[ -x $BIN/$b ]] || { log "missing $BIN/$b"; exit 1; }; done
echo "$BIN"
