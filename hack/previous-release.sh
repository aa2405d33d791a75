#!/usr/bin/env bash
# Builds the store of the previous release once and prints the path of its runnable jar: the
# rolling-upgrade test (RollingUpgradeIT) runs it beside this checkout's store. The previous release
# is the last commit before log formats were negotiated in the replication handshake; its store
# is built from this clone's history (git archive, no checkout touched), cached by commit under
# ~/.cache/kvcluster. KV_PREVIOUS_RELEASE names another commit.
# `previous-release.sh crd` prints instead the path of that release's KVCluster CRD (the end-to-end suite
# installs it first, as on a cluster that ran that release, then upgrades as the README says).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
COMMIT=${KV_PREVIOUS_RELEASE:-74cbb169e09f7bf6208098348dee1ccb3870513a}
cache="${KV_CACHE:-$HOME/.cache/kvcluster}/previous-release/$COMMIT"
if [[ ${1:-} == crd ]]; then
  crd="$cache/kvclusters.kvstore.dev-v1.yml"
  if [[ ! -f $crd ]]; then
    mkdir -p "$cache"
    git show "$COMMIT:crds/kvclusters.kvstore.dev-v1.yml" > "$crd.partial" || {
      echo "previous-release: commit $COMMIT is not in this clone (shallow?): git fetch --unshallow, then again" >&2
      exit 1
    }
    mv "$crd.partial" "$crd"
  fi
  echo "$crd"
  exit 0
fi
jar="$cache/quarkus-app/quarkus-run.jar"
if [[ ! -f $jar ]]; then
  if ! git cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
    echo "previous-release: commit $COMMIT is not in this clone (shallow?): git fetch --unshallow, then again" >&2
    exit 1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "previous-release: building the store of $COMMIT" >&2
  git archive "$COMMIT" | tar -x -C "$work"
  (cd "$work" && mvn -B -ntp -q -pl store -am package -DskipTests) >&2
  mkdir -p "$cache"
  rm -rf "$cache/quarkus-app" "$cache/quarkus-app.partial"
  cp -r "$work/store/target/quarkus-app" "$cache/quarkus-app.partial"
  mv "$cache/quarkus-app.partial" "$cache/quarkus-app"
fi
echo "$jar"
