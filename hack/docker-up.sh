#!/usr/bin/env bash
# Makes sure a Docker engine answers (Debian's docker.io; no systemd here, so dockerd is started
# in the background, logging to /var/log/kvcluster-dockerd.log). Images are built with it and
# then handed to the cluster's containerd; nothing is ever pulled.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
command -v dockerd >/dev/null || { echo "docker-up: dockerd missing (apt-get install docker.io)" >&2; exit 1; }
nohup dockerd >/var/log/kvcluster-dockerd.log 2>&1 &
for _ in $(seq 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "docker-up: dockerd did not come up; see /var/log/kvcluster-dockerd.log" >&2
tail -n 20 /var/log/kvcluster-dockerd.log >&2
exit 1
