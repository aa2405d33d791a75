#!/usr/bin/env bash
# Installs the Redis tools and clients that the RESP compatibility tests and ./bench run against
# the store, when missing: Debian's redis-tools (redis-cli, redis-benchmark) and redis-server (the
# reference in ./bench), iptables and iproute2 (the network fault tests), and redis-py from PyPI in a virtualenv under ~/.cache/kvcluster.
# Prints the virtualenv's python last. Root installs the Debian packages; elsewhere it says what
# is missing instead. The tests fail with the same names when a tool is absent: nothing is skipped.
set -euo pipefail
REDIS_PY_VERSION=8.1.0
venv="${KV_CACHE:-$HOME/.cache/kvcluster}/redis-py-$REDIS_PY_VERSION"

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need redis-cli || missing+=(redis-tools)
need redis-benchmark || missing+=(redis-tools)
need redis-server || missing+=(redis-server)
# the network fault tests (PartitionIT, SoakIT) put stores in network namespaces with iptables rules
need iptables || missing+=(iptables)
need ip || missing+=(iproute2)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "test-tools: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "test-tools: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # the server package starts a Redis on 6379 by default; nothing here needs that one
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! "$venv/bin/python" -c "import redis, sys; sys.exit(redis.__version__ != '$REDIS_PY_VERSION')" 2>/dev/null; then
  echo "test-tools: redis-py $REDIS_PY_VERSION into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "redis==$REDIS_PY_VERSION"
fi
echo "$venv/bin/python"
