#!/usr/bin/env bash
# Installs moto's S3 server (moto[server] from PyPI, pinned) in a virtualenv under ~/.cache/kvcluster
# once, and prints the path of its moto_server last. The backup tests (BackupRestoreIT) run it as a
# process: a real S3 API over HTTP that the store's backups go to through the AWS SDK, as to MinIO or
# AWS; ./test exports the path as KV_S3_SERVER, and the tests fail saying so when it is missing.
set -euo pipefail
MOTO_VERSION=5.1.18
venv="${KV_CACHE:-$HOME/.cache/kvcluster}/moto-$MOTO_VERSION"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null \
    || [[ ! -x $venv/bin/moto_server ]]; then
  python3 -c 'import venv, ensurepip' 2>/dev/null || { echo "s3-server: python3-venv is needed (hack/test-tools.sh installs it)" >&2; exit 1; }
  echo "s3-server: moto[server] $MOTO_VERSION into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
echo "$venv/bin/moto_server"
