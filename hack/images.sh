#!/usr/bin/env bash
# Builds the store and operator images locally (no registry is reachable here):
#   1. a base image: Debian bookworm (debootstrap, minbase) + openjdk-17-jre-headless + curl +
#      redis-tools (the e2e client pods run redis-cli),
#      cached as a root filesystem tarball, imported as kvstore/base:bookworm-jre17-redis;
#   2. kvstore/store:$TAG and kvstore/operator:$TAG from docker/quarkus-app.Dockerfile on that base,
#      and kvstore/store:$TAG-next, the same store under a second tag for the e2e rolling update;
#   3. kvstore/pause:3.10, one static binary, the pod sandbox image of hack/cluster.sh.
# Needs the Maven build done (store/target/quarkus-app, operator/target/quarkus-app).
# With a registry, skip all this: docker build --build-arg BASE_IMAGE=<public JRE image> (the
# Dockerfile defaults to eclipse-temurin:17-jre), as hack/kind-e2e.sh does.
#   KV_IMAGE_TAG (default 0.1.0), KV_BASE_IMAGE (a base to use instead of building one)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TAG=${KV_IMAGE_TAG:-0.1.0}
CACHE=${KV_CACHE_DIR:-$HOME/.cache/kvcluster}/images
log() { echo "images: $*" >&2; }
mkdir -p "$CACHE"
"$HERE/docker-up.sh"

BASE=${KV_BASE_IMAGE:-}
if [[ -z $BASE ]]; then
  BASE=kvstore/base:bookworm-jre17-redis
  ROOTFS_TAR=$CACHE/base-bookworm-jre17-redis.tar
  if [[ ! -s $ROOTFS_TAR ]]; then
    command -v debootstrap >/dev/null || { log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
    MIRROR=$("$HERE/debian-mirror.sh")
    ROOTFS=$(mktemp -d)
    log "debootstrap bookworm + JRE from $MIRROR (about a minute)"
    debootstrap --variant=minbase --include=openjdk-17-jre-headless,curl,ca-certificates,redis-tools \
      bookworm "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE/debootstrap.log" >&2; exit 1; }
    rm -rf "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc \
      "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/locale "$ROOTFS"/var/log/*
    tar -C "$ROOTFS" -cf "$ROOTFS_TAR.part" . && mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
    rm -rf "$ROOTFS"
  fi
  if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' "$ROOTFS_TAR" "$BASE" >/dev/null
  fi
fi

for module in store operator; do
  APP=$ROOT/$module/target/quarkus-app
  [[ -f $APP/quarkus-run.jar ]] || { log "$APP missing: run mvn package first"; exit 1; }
  log "building kvstore/$module:$TAG on $BASE"
  docker build -q -t "kvstore/$module:$TAG" --build-arg "BASE_IMAGE=$BASE" \
    -f "$ROOT/docker/quarkus-app.Dockerfile" "$APP" >/dev/null
done

docker tag "kvstore/store:$TAG" "kvstore/store:$TAG-next"

# the previous release's store (hack/previous-release.sh), for the upgrade and rollback test
PREVIOUS_APP=$(dirname "$("$HERE/previous-release.sh" | tail -n1)")
log "building kvstore/store:$TAG-previous from $PREVIOUS_APP"
docker build -q -t "kvstore/store:$TAG-previous" --build-arg "BASE_IMAGE=$BASE" \
  -f "$ROOT/docker/quarkus-app.Dockerfile" "$PREVIOUS_APP" >/dev/null

"$HERE/pause-image.sh" >/dev/null
echo "kvstore/store:$TAG kvstore/store:$TAG-next kvstore/store:$TAG-previous kvstore/operator:$TAG kvstore/pause:3.10"
