#!/usr/bin/env bash
# kvstore/pause:3.10: the pod sandbox image, one static binary (hack/images/pause.c), for the
# end-to-end cluster's containerd (hack/images.sh) and the kind node image (hack/kind-node-image.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if ! docker image inspect kvstore/pause:3.10 >/dev/null 2>&1; then
  PAUSE=$(mktemp -d)
  gcc -static -Os -s -o "$PAUSE/pause" "$HERE/images/pause.c"
  tar -C "$PAUSE" -c pause | docker import --change 'ENTRYPOINT ["/pause"]' - kvstore/pause:3.10 >/dev/null
  rm -rf "$PAUSE"
fi
echo kvstore/pause:3.10
