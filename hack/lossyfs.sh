#!/usr/bin/env bash
# Builds lossyfs (hack/lossyfs: a FUSE mount with a page cache of its own that a power cut can lose,
# on github.com/hanwen/go-fuse/v2 v2.12.1 from the Go module proxy) once per version of its sources,
# runs its own tests first (one through a real mount: needs root and /dev/fuse), and prints the
# binary's path last. Cached under ~/.cache/kvcluster/lossyfs. The power-loss tests (PowerLossIT) run
# each store's data directory through one: ./test exports the path as KV_LOSSYFS, and the tests fail
# saying so when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/lossyfs"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "lossyfs: Go is needed to build it (hack/lossyfs)" >&2; exit 1; }
[[ -e /dev/fuse ]] || { echo "lossyfs: /dev/fuse is missing: the power-loss tests need FUSE" >&2; exit 1; }
version=$(cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
bin="${KV_CACHE:-$HOME/.cache/kvcluster}/lossyfs/$version/lossyfs"
if [[ ! -x $bin ]]; then
  echo "lossyfs: testing and building ($version)" >&2
  go test -count=1 ./... >&2
  mkdir -p "$(dirname "$bin")"
  go build -o "$bin.partial" .
  mv "$bin.partial" "$bin"
fi
echo "$bin"
