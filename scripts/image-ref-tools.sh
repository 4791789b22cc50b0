#!/usr/bin/env bash
# Builds (once) image-ref-oracle: scripts/image-ref-oracle/main.go linked against
# github.com/distribution/reference (from the Go module proxy), the image reference parser container runtimes
# use, which this project did not write. Prints the binary's path on stdout; progress goes to stderr.
#
#   $CACHE/distribution-reference/<REFERENCE_VERSION>/<checksum of main.go>/image-ref-oracle
set -euo pipefail

REFERENCE_VERSION="${REFERENCE_VERSION:-v0.6.0}"
TOOL=image-ref-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/image-ref-oracle" && pwd)/main.go"
SUM="$(sha256sum "$SRC" | cut -c1-12)"
DIR="$CACHE_ROOT/distribution-reference/$REFERENCE_VERSION/$SUM"
BIN="$DIR/image-ref-oracle"

build_oracle() {
  local work="$DIR/src"
  rm -rf "$work" && mkdir -p "$work"
  cp "$SRC" "$work/main.go"
  log "building image-ref-oracle on distribution/reference $REFERENCE_VERSION"
  (cd "$work" && go mod init local/cdk8s-mcp-mesh/image-ref-oracle >/dev/null 2>&1 \
    && go get "github.com/distribution/reference@$REFERENCE_VERSION" >"$work/go-get.log" 2>&1 \
    && go mod tidy >>"$work/go-get.log" 2>&1 \
    && go build -trimpath -o "$BIN.tmp.$$" .) || die "building image-ref-oracle failed:
$(tail -n 20 "$work/go-get.log" 2>/dev/null)"
  mv "$BIN.tmp.$$" "$BIN"
}

go_build_once "$BIN" "$CACHE_ROOT/.image-ref-tools.lock" build_oracle
echo "$BIN"
