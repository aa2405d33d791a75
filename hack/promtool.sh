#!/usr/bin/env bash
# Builds Prometheus's promtool from its Go module (github.com/prometheus/prometheus, the version pinned in
# hack/promtool/go.mod) once, and prints the binary's path last. Cached under ~/.cache/kvcluster/promtool.
# MonitoringIT checks the chart's alert rules with it (promtool check rules) and runs their unit tests
# (promtool test rules): ./test exports the path as KV_PROMTOOL; the test fails saying so when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/promtool"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "promtool: Go is needed to build it (hack/promtool)" >&2; exit 1; }
version=$(cat go.mod go.sum | sha256sum | cut -c1-16)
bin="${KV_CACHE:-$HOME/.cache/kvcluster}/promtool/$version/promtool"
if [[ ! -x $bin ]]; then
  echo "promtool: building ($version; a few minutes the first time)" >&2
  mkdir -p "$(dirname "$bin")"
  go build -p "${KV_GO_BUILD_JOBS:-2}" -o "$bin.partial" github.com/prometheus/prometheus/cmd/promtool
  mv "$bin.partial" "$bin"
fi
echo "$bin"
