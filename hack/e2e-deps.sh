#!/usr/bin/env bash
# Installs what the end-to-end tier needs from Debian's packages, when missing: the Docker engine
# (builds the images), containerd, runc and the CNI plugins (run the pods), debootstrap (the base
# image), iptables and conntrack (kube-proxy), ipset (kube-router's NetworkPolicy firewall), gcc's static libc (the pause binary),
# jq and python3 (the kind cluster's scripts: hack/kind-cluster.sh, hack/kind/). Needs root.
set -euo pipefail
need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need dockerd || missing+=(docker.io)
need containerd || missing+=(containerd)
need runc || missing+=(runc)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
need debootstrap || missing+=(debootstrap)
need iptables || missing+=(iptables)
need conntrack || missing+=(conntrack)
need ipset || missing+=(ipset)
need gcc || missing+=(gcc)
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || missing+=(libc6-dev)
need curl || missing+=(curl)
need openssl || missing+=(openssl)
need jq || missing+=(jq)
need python3 || missing+=(python3)
if ((${#missing[@]})); then
  echo "e2e-deps: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
