#!/usr/bin/env bash
# The end-to-end suite on kind, for users with Docker, kind, helm, kubectl, Java 17 and Maven and
# a registry to pull the base image from. Not run by this project's CI (kind's node image cannot be
# pulled there; CI runs the same suite on hack/cluster.sh's cluster instead).
#   hack/kind-e2e.sh          creates the kind cluster "kvcluster-e2e" (or reuses it), builds and
#                             loads the images, runs the suite
#   KV_BASE_IMAGE             the Java 17 base image (default eclipse-temurin:17-jre)
#   kind delete cluster --name kvcluster-e2e   when done
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=kvcluster-e2e
TAG=0.1.0
BASE=${KV_BASE_IMAGE:-eclipse-temurin:17-jre}
for tool in docker kind helm kubectl mvn; do
  command -v "$tool" >/dev/null || { echo "kind-e2e: $tool is needed" >&2; exit 1; }
done
kind get clusters 2>/dev/null | grep -qx "$NAME" || kind create cluster --name "$NAME" --wait 120s

mvn -B -ntp package -DskipTests
# the suite's client pods run redis-cli from the store image: add Debian's redis-tools to the base
printf 'ARG BASE\nFROM $BASE\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends redis-tools && rm -rf /var/lib/apt/lists/*\n' \
  | docker build -t kvstore/base:kind-redis --build-arg "BASE=$BASE" -
BASE=kvstore/base:kind-redis
for module in store operator; do
  docker build -t "kvstore/$module:$TAG" --build-arg "BASE_IMAGE=$BASE" \
    -f docker/quarkus-app.Dockerfile "$module/target/quarkus-app"
done
docker tag "kvstore/store:$TAG" "kvstore/store:$TAG-next"   # the rolling update's "new" image
# the previous release's store, for the upgrade and rollback test
docker build -t "kvstore/store:$TAG-previous" --build-arg "BASE_IMAGE=$BASE" \
  -f docker/quarkus-app.Dockerfile "$(dirname "$(hack/previous-release.sh | tail -n1)")"
kind load docker-image --name "$NAME" "kvstore/store:$TAG" "kvstore/store:$TAG-next" "kvstore/store:$TAG-previous" \
  "kvstore/operator:$TAG"

KUBECONFIG_FILE=$(mktemp)
kind get kubeconfig --name "$NAME" >"$KUBECONFIG_FILE"
mvn -B -ntp -Pe2e -pl e2e verify -Dkv.e2e.kubeconfig="$KUBECONFIG_FILE"
cat e2e/target/e2e-results.txt
