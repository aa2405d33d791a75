#!/usr/bin/env bash
# Builds netdelay (hack/netdelay: a TCP forwarder that holds every chunk for a delay set while it runs,
# the standard library only; this kernel has no netem for delay) once per version of its sources, runs
# its own tests first, and prints the binary's path last. Cached under ~/.cache/kvcluster/netdelay. The
# network fault tests (PartitionIT, SoakIT) run one in each store's network namespace: ./test exports
# the path as KV_NETDELAY, and the tests fail saying so when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/netdelay"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "netdelay: Go is needed to build it (hack/netdelay)" >&2; exit 1; }
version=$(cat go.mod ./*.go | sha256sum | cut -c1-16)
bin="${KV_CACHE:-$HOME/.cache/kvcluster}/netdelay/$version/netdelay"
if [[ ! -x $bin ]]; then
  echo "netdelay: testing and building ($version)" >&2
  go test -count=1 ./... >&2
  mkdir -p "$(dirname "$bin")"
  go build -o "$bin.partial" .
  mv "$bin.partial" "$bin"
fi
echo "$bin"
