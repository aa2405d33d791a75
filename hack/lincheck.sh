#!/usr/bin/env bash
# Builds the linearizability checker (hack/lincheck: a small Go program around porcupine,
# github.com/anishathalye/porcupine v1.3.1 from the Go module proxy) once per version of its
# sources, runs its own tests first (they prove it reports a stale read, a lost write, an append
# applied twice), and prints the binary's path last. Cached under ~/.cache/kvcluster/lincheck.
# The fault tests (LinearizabilityIT) run it on every history they record: ./test exports that
# path as KV_LINCHECK, and the tests fail saying so when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/lincheck"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "lincheck: Go is needed to build the checker (hack/lincheck)" >&2; exit 1; }
version=$(cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
bin="${KV_CACHE:-$HOME/.cache/kvcluster}/lincheck/$version/lincheck"
if [[ ! -x $bin ]]; then
  echo "lincheck: testing and building the checker ($version)" >&2
  go test ./... >&2
  mkdir -p "$(dirname "$bin")"
  go build -o "$bin.partial" .
  mv "$bin.partial" "$bin"
fi
echo "$bin"
