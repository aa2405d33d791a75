#!/usr/bin/env bash
# Builds a kind node image here, where no image can be pulled: kvstore/kind-node:<k8s version>.
# It is what `kind build node-image` makes (kind's images/base plus Kubernetes), put together from
# Debian packages and Go modules instead of downloads:
#   base      Debian bookworm (debootstrap): systemd as PID 1, containerd and runc (Debian's), the CNI
#             plugins, iptables, conntrack; kind's own files of images/base (entrypoint, units,
#             containerd config) from the kind Go module; crictl from sigs.k8s.io/cri-tools.
#   node      kubeadm, kubelet, kubectl (hack/k8s-binaries.sh), /kind/version, kind's CNI and storage
#             manifests, and every image kubeadm and those manifests name, imported into the node's
#             containerd at build time: the control plane and kube-proxy from the same binaries,
#             etcd, CoreDNS, pause, kindnetd (kind's CNI, hack/kind/kindnetd) and rancher's
#             local-path-provisioner, all built here; and kube-router, whose firewall enforces
#             NetworkPolicies here (hack/kind-cluster.sh).
# What differs from kind's base image, and why:
#   - containerd 1.6 (Debian's) instead of kind's 2.x build: kind v0.30 still writes containerd's
#     version 2 configuration, which 1.6 reads.
#   - restrict_oom_score_adj = true: the kubelet gives system pods negative OOM scores, which need
#     CAP_SYS_RESOURCE, and this VM's root does not have it (see hack/cluster.sh's runc wrapper; here
#     containerd's own setting does the same).
# Cached: a finished image is not built again; its tag names the inputs (versions and this script).
# Last line of stdout: the image name.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export PATH=$PATH:/usr/local/go/bin
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

source "$HERE/kind/versions.sh"
CACHE=${KV_CACHE_DIR:-$HOME/.cache/kvcluster}
WORK=$CACHE/kind
BIN=$("$HERE/k8s-binaries.sh" | tail -n1)
K8S_VERSION=$("$BIN/kubelet" --version | awk '{print $2}')
# the packages of the node's root filesystem (kind's base: systemd, iptables and friends; Debian's
# containerd, runc and CNI plugins)
PACKAGES=systemd,systemd-sysv,dbus,containerd,runc,containernetworking-plugins,iptables,ipset,conntrack,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,bash,ca-certificates,curl,jq,procps,socat,e2fsprogs
KINDNETD_SRC=$(cat "$HERE"/kind/kindnetd/*.go "$HERE"/kind/kindnetd/go.* | sha256sum | cut -c1-12)
# what the image is made of: these scripts, kindnetd's source, the packages, and the binaries of
# hack/k8s-binaries.sh it holds (by size and time: a rebuilt or new version changes them)
INPUTS=$( (cat "$0" "$HERE/kind/kind-defaults.py" "$HERE/kind/versions.sh" "$HERE/images/pause.c"
  echo "$KINDNETD_SRC $PACKAGES"
  stat -L -c '%n %s %Y' "$BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy,kubelet,kubeadm,kubectl,etcd,coredns,kube-router}) \
  | sha256sum | cut -c1-12)
NODE_IMAGE=kvstore/kind-node:$K8S_VERSION-$INPUTS
log() { echo "kind-node-image: $*" >&2; }
mkdir -p "$WORK/bin"

"$HERE/docker-up.sh"
if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then echo "$NODE_IMAGE"; exit 0; fi

# --- Go tools ---------------------------------------------------------------------------------------
GO_INSTALL=(nice -n 19 go install -p 1 -trimpath -ldflags "-s -w")
go_install() {   # name the binary is kept under (with its version), package@version
  [[ -x $WORK/bin/$1 ]] && return 0
  log "building $2"
  local dir
  dir=$(mktemp -d)
  GOBIN=$dir "${GO_INSTALL[@]}" "$2"
  mv "$dir/$(basename "${2%@*}")" "$WORK/bin/$1" && rmdir "$dir"
}
CRICTL=crictl-$CRICTL_VERSION
PROVISIONER=local-path-provisioner-$LOCAL_PATH_VERSION
go_install "$CRICTL" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
go_install "$PROVISIONER" "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION"
KINDNETD=kindnetd-$KINDNETD_SRC
if [[ ! -x $WORK/bin/$KINDNETD ]]; then
  # kindnetd is a module of its own inside kind's repository, which the Go proxy does not serve:
  # its source (kind v0.30.0, images/kindnetd, Apache 2.0) is kept in hack/kind/kindnetd.
  log "building kindnetd"
  (cd "$HERE/kind/kindnetd" && nice -n 19 go build -p 1 -trimpath -ldflags "-s -w" -o "$WORK/bin/$KINDNETD.part" . \
    && mv "$WORK/bin/$KINDNETD.part" "$WORK/bin/$KINDNETD")
fi
KIND_SRC=$(go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')

# --- base image -------------------------------------------------------------------------------------
BASE_ROOTFS_TAR=$WORK/base-rootfs-$(sha256sum <<<"$PACKAGES" | cut -c1-12).tar
if [[ ! -f $BASE_ROOTFS_TAR ]]; then
  command -v debootstrap >/dev/null || { log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
  MIRROR=$("$HERE/debian-mirror.sh")
  ROOTFS=$(mktemp -d "$WORK/rootfs.XXXX")
  log "debootstrap bookworm for the node from $MIRROR (a minute or two)"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man
  tar -C "$ROOTFS" -cf "$BASE_ROOTFS_TAR.part" . && mv "$BASE_ROOTFS_TAR.part" "$BASE_ROOTFS_TAR"
  rm -rf "$ROOTFS"
fi

BASE_IMAGE=kvstore/kind-base:$INPUTS
in_container() { docker exec "$BUILD" sh -euc "$1"; }
start_build_container() {   # a container of $1 that sleeps, to copy into and run commands in
  BUILD=kind-build-$$-$RANDOM
  docker run -d --name "$BUILD" --entrypoint=sleep "$1" infinity >/dev/null
  trap 'docker rm -f -v "$BUILD" >/dev/null 2>&1 || true' EXIT
}
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE"
  docker import "$BASE_ROOTFS_TAR" kvstore/kind-rootfs:$INPUTS >/dev/null
  start_build_container kvstore/kind-rootfs:$INPUTS
  FILES=$KIND_SRC/images/base/files
  docker cp "$FILES/usr/local/bin/." "$BUILD:/usr/local/bin/"
  docker cp "$FILES/kind" "$BUILD:/kind"
  docker cp "$FILES/etc/." "$BUILD:/etc/"
  docker cp "$WORK/bin/$CRICTL" "$BUILD:/usr/local/bin/crictl"
  # What kind's images/base Dockerfile does after its package install (same order), then the
  # differences named at the top.
  in_container '
    chmod -R u+w /kind /usr/local/bin /etc/containerd
    chmod 755 /kind /kind/bin /kind/bin/* /usr/local/bin/*
    find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
    rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
    echo ReadKMsg=no >>/etc/systemd/journald.conf
    ln -sf /usr/lib/systemd/systemd /sbin/init
    systemctl enable kubelet.service containerd.service undo-mount-hacks.service
    systemctl mask systemd-binfmt.service
    mkdir -p /etc/kubernetes/manifests /opt/cni/bin
    # Debian puts containerd in /usr/bin and the CNI plugins in /usr/lib/cni; kind looks elsewhere
    ln -sf /usr/bin/containerd /usr/local/bin/containerd
    for p in host-local loopback ptp portmap bridge; do cp /usr/lib/cni/$p /opt/cni/bin/; done
    ctr oci spec \
      | jq ".hooks.createContainer[.hooks.createContainer | length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}" \
      | jq "del(.process.rlimits)" >/etc/containerd/cri-base.json
    # no fuse-overlayfs here (kind uses it for rootless nodes only); OOM scores clamped (see top)
    sed -i -e "/^\[proxy_plugins\]/,/^  address/d" \
      -e "s/restrict_oom_score_adj = false/restrict_oom_score_adj = true/" /etc/containerd/config.toml
    grep -q "restrict_oom_score_adj = true" /etc/containerd/config.toml
  '
  docker commit "$BUILD" "kvstore/kind-rootfs:$INPUTS" >/dev/null
  docker rm -f -v "$BUILD" >/dev/null
  # docker commit cannot set a stop signal: systemd shuts down cleanly on SIGRTMIN+3 only
  printf '%s\n' "FROM kvstore/kind-rootfs:$INPUTS" 'ENV container=docker' 'STOPSIGNAL SIGRTMIN+3' \
    'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' 'CMD []' | docker build -q -t "$BASE_IMAGE" - >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  docker rmi "kvstore/kind-rootfs:$INPUTS" >/dev/null
fi

# --- the images the node starts with -----------------------------------------------------------------
# Named as kubeadm and kind's manifests name them, so nothing is pulled; built from the same binaries
# as hack/cluster.sh's cluster. Static Go binaries go into an image of their own file alone; what
# calls iptables or a shell (kube-proxy, kindnetd, the storage helper) is built on the node's base.
IMAGES=$WORK/images-$INPUTS
rm -rf "$WORK"/images-* && mkdir -p "$IMAGES"
"$HERE/pause-image.sh" >/dev/null
image_of_binary() {   # image, binary, entrypoint
  local dir
  dir=$(mktemp -d)
  mkdir -p "$dir/usr/local/bin" "$dir/tmp" && chmod 1777 "$dir/tmp"
  cp "$2" "$dir/usr/local/bin/"
  tar -C "$dir" -c . | docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    ${3:+--change "ENTRYPOINT [\"$3\"]"} - "$1" >/dev/null
  rm -rf "$dir"
}
image_on_base() {   # image, binary, path in the image, cmd
  local dir
  dir=$(mktemp -d)
  cp "$2" "$dir/binary"
  printf 'FROM %s\nCOPY binary %s\nENTRYPOINT []\nCMD ["%s"]\n' "$BASE_IMAGE" "$3" "$3" >"$dir/Dockerfile"
  docker build -q -t "$1" "$dir" >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
  rm -rf "$dir"
}
KUBEADM_IMAGES=$("$BIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION")
image_ref() { grep "/$1:" <<<"$KUBEADM_IMAGES"; }
for c in kube-apiserver kube-controller-manager kube-scheduler; do image_of_binary "$(image_ref "$c")" "$BIN/$c"; done
image_on_base "$(image_ref kube-proxy)" "$BIN/kube-proxy" /usr/local/bin/kube-proxy
# etcd and CoreDNS: the versions hack/k8s-binaries.sh builds, which kind-cluster.sh's kubeadm patch names
ETCD_IMAGE="registry.k8s.io/etcd:$(etcd_tag "$BIN")"
COREDNS_IMAGE="registry.k8s.io/coredns/coredns:$(coredns_tag "$BIN")"
image_of_binary "$ETCD_IMAGE" "$BIN/etcd"
image_of_binary "$COREDNS_IMAGE" "$BIN/coredns" /usr/local/bin/coredns
SANDBOX_IMAGE=$(sed -n 's/^ *sandbox_image = "\(.*\)"/\1/p' "$KIND_SRC/images/base/files/etc/containerd/config.toml")
docker tag kvstore/pause:3.10 "$SANDBOX_IMAGE"
docker tag kvstore/pause:3.10 "$(image_ref pause)"
{ read -r KINDNETD_IMAGE; read -r PROVISIONER_IMAGE; read -r HELPER_IMAGE; } < <(python3 "$HERE/kind/kind-defaults.py" "$KIND_SRC" images)
image_on_base "$KINDNETD_IMAGE" "$WORK/bin/$KINDNETD" /bin/kindnetd
image_on_base "$PROVISIONER_IMAGE" "$WORK/bin/$PROVISIONER" /usr/local/bin/local-path-provisioner
docker tag "$BASE_IMAGE" "$HELPER_IMAGE"
# not kind's: NetworkPolicies enforced by kube-router's firewall (hack/kind/kube-router-firewall.yaml)
KUBE_ROUTER_IMAGE=kvstore/kube-router:$("$BIN/kube-router" --version 2>&1 | sed -n 's/.* version \(v[0-9.]*\).*/\1/p')
image_on_base "$KUBE_ROUTER_IMAGE" "$BIN/kube-router" /usr/local/bin/kube-router
ALL_IMAGES=$(grep -v -e /etcd: -e /coredns: -e /pause: <<<"$KUBEADM_IMAGES"; echo "$ETCD_IMAGE $COREDNS_IMAGE $SANDBOX_IMAGE $(image_ref pause) $KINDNETD_IMAGE $PROVISIONER_IMAGE $HELPER_IMAGE $KUBE_ROUTER_IMAGE")
docker save $ALL_IMAGES -o "$IMAGES/all.tar"

# --- the node image ----------------------------------------------------------------------------------
# As kind's nodeimage builder: the binaries in /usr/bin, /kind/version, the manifests, the images
# imported into the node's containerd (pinned, not unpacked), committed with kind's entrypoint.
log "node image $NODE_IMAGE"
start_build_container "$BASE_IMAGE"
for b in kubeadm kubelet kubectl; do docker cp -L "$BIN/$b" "$BUILD:/usr/bin/$b"; done
in_container "chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl; chmod 755 /usr/bin/kube*; mkdir -p /kind/manifests; echo $K8S_VERSION >/kind/version"
python3 "$HERE/kind/kind-defaults.py" "$KIND_SRC" manifest cni | docker exec -i "$BUILD" sh -c 'cat >/kind/manifests/default-cni.yaml'
python3 "$HERE/kind/kind-defaults.py" "$KIND_SRC" manifest storage | docker exec -i "$BUILD" sh -c 'cat >/kind/manifests/default-storage.yaml'
in_container 'nohup containerd >/dev/null 2>&1 & for i in 0 1 2 3 4 5; do [ -S /run/containerd/containerd.sock ] && break; sleep 1; done; ctr version >/dev/null'
docker exec -i "$BUILD" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
  --all-platforms --no-unpack --digests - <"$IMAGES/all.tar" >/dev/null
# (the build container's PID 1 is sleep, which reaps no child: wait for the socket to stop answering)
in_container 'pkill containerd; for i in $(seq 50); do ctr version >/dev/null 2>&1 || break; sleep 0.2; done'
docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
  --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' "$BUILD" "$NODE_IMAGE" >/dev/null
rm -rf "$IMAGES"
# the images of earlier builds (another version or script) only take disk; one a cluster runs stays
docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^kvstore/kind-(base|node|rootfs):' \
  | grep -v -x -e "$BASE_IMAGE" -e "$NODE_IMAGE" | xargs -r docker rmi >/dev/null 2>&1 || true
echo "$NODE_IMAGE"
