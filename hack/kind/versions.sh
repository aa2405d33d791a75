# Pinned versions of the kind cluster's parts, sourced by hack/kind-node-image.sh and hack/kind-cluster.sh.
KIND_VERSION=v0.30.0          # sigs.k8s.io/kind: the CLI, and the node files and manifests of its images/
CRICTL_VERSION=v1.34.0        # sigs.k8s.io/cri-tools, as the Kubernetes minor
LOCAL_PATH_VERSION=v0.0.30    # github.com/rancher/local-path-provisioner (kind's default storage)
# etcd and CoreDNS are the versions hack/k8s-binaries.sh builds (BIN: its bin dir), under these tags in
# the node image (kubeadm's defaults name others; hack/kind-cluster.sh patches kubeadm's configuration)
etcd_tag() { "$1/etcd" --version | sed -n 's/^etcd Version: //p'; }
coredns_tag() { echo "v$("$1/coredns" -version | sed -n 's#^CoreDNS-\([0-9.]*\)$#\1#p')"; }
