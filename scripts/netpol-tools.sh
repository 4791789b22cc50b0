#!/usr/bin/env bash
# Builds (once) netpol-oracle: scripts/netpol-oracle/main.go linked against cyclonus's NetworkPolicy engine
# (github.com/mattfenwick/cyclonus, from the Go module proxy), an evaluator of NetworkPolicies that this
# project did not write. Prints the binary's path on stdout; progress goes to stderr.
#
#   $CACHE/cyclonus/<CYCLONUS_VERSION>/<checksum of main.go>/netpol-oracle
set -euo pipefail

CYCLONUS_VERSION="${CYCLONUS_VERSION:-v0.5.6}"
TOOL=netpol-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/netpol-oracle" && pwd)/main.go"
SUM="$(sha256sum "$SRC" | cut -c1-12)"
DIR="$CACHE_ROOT/cyclonus/$CYCLONUS_VERSION/$SUM"
BIN="$DIR/netpol-oracle"

build_oracle() {
  local work="$DIR/src"
  rm -rf "$work" && mkdir -p "$work"
  cp "$SRC" "$work/main.go"
  log "building netpol-oracle on cyclonus $CYCLONUS_VERSION"
  (cd "$work" && go mod init local/cdk8s-mcp-mesh/netpol-oracle >/dev/null 2>&1 \
    && go get "github.com/mattfenwick/cyclonus@$CYCLONUS_VERSION" >"$work/go-get.log" 2>&1 \
    && go mod tidy >>"$work/go-get.log" 2>&1 \
    && go build -trimpath -o "$BIN.tmp.$$" .) || die "building netpol-oracle failed:
$(tail -n 20 "$work/go-get.log" 2>/dev/null)"
  mv "$BIN.tmp.$$" "$BIN"
}

go_build_once "$BIN" "$CACHE_ROOT/.netpol-tools.lock" build_oracle
echo "$BIN"
