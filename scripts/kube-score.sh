#!/usr/bin/env bash
# Builds (once) kube-score (github.com/zegl/kube-score, from the Go module proxy), a manifest linter this
# project did not write, used by test/kube-score.test.ts. Prints the binary's path on stdout; progress on stderr.
#
#   $CACHE/kube-score/<KUBE_SCORE_VERSION>/kube-score
set -euo pipefail

KUBE_SCORE_VERSION="${KUBE_SCORE_VERSION:-v1.20.0}"
TOOL=kube-score
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
DIR="$CACHE_ROOT/kube-score/$KUBE_SCORE_VERSION"
BIN="$DIR/kube-score"

build_kube_score() {
  mkdir -p "$DIR"
  log "building kube-score $KUBE_SCORE_VERSION"
  # go install of a module@version needs no module of ours (and ignores replace directives: kube-score has none).
  GOBIN="$DIR/bin.tmp.$$" go install -trimpath "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION" \
    || die "go install github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION failed"
  mv "$DIR/bin.tmp.$$/kube-score" "$BIN" && rm -rf "$DIR/bin.tmp.$$"
}

go_build_once "$BIN" "$CACHE_ROOT/.kube-score.lock" build_kube_score
echo "$BIN"
