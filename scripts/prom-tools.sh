#!/usr/bin/env bash
# Builds (once) and prints the path of `promtool`, which the observability tests use to check the
# synthesized Prometheus rules (`promtool check rules`) and to unit-test every alert
# (`promtool test rules`).
#
# promtool is compiled from the Go module proxy with the local Go toolchain and cached OUTSIDE the
# repository, keyed by version:
#   $CACHE/prometheus/<PROMETHEUS_VERSION>/promtool
# where CACHE = ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}.
# A second run with a warm cache only checks the binary's version.
#
# Usage:
#   scripts/prom-tools.sh                 # build if needed; print the promtool path on stdout
#   PROMTOOL="$(scripts/prom-tools.sh)"   # capture it
#   PROMETHEUS_VERSION=3.5.0 scripts/prom-tools.sh   # another release (cached side by side)
#   scripts/prom-tools.sh --rebuild       # ignore the cached binary of the selected version
#
# Progress goes to stderr. Needs: go (>= the go directive of the Prometheus module: 1.26 for 3.16),
# network access to the Go module proxy on a cold cache. PROMTOOL=/path/to/promtool in the
# environment of the tests skips this script altogether.
set -euo pipefail

# ---- version: the single place to change it --------------------------------------------------
# Prometheus release whose promtool checks the rules. The Go module of Prometheus 3.x is tagged
# v0.<major*100+minor>.<patch> (3.16.0 is github.com/prometheus/prometheus v0.316.0); list them with:
#   go list -m -versions github.com/prometheus/prometheus
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-3.16.0}"
# Build tags. `remove_all_sd` leaves out the cloud service-discovery plugins (AWS, Azure, GCE, ...),
# which only `promtool check config` of a config using them needs; rule checks and rule unit tests
# are unaffected, and the cold build is about a third shorter. Set PROMTOOL_BUILD_TAGS= for a
# build identical to the released binary.
PROMTOOL_BUILD_TAGS="${PROMTOOL_BUILD_TAGS-remove_all_sd}"
# ----------------------------------------------------------------------------------------------

TOOL=prom-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
PROM_DIR="$CACHE_ROOT/prometheus/$PROMETHEUS_VERSION"
PROMTOOL_BIN="$PROM_DIR/promtool"

REBUILD=0
for arg in "$@"; do
  case "$arg" in
    --rebuild) REBUILD=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "prom-tools: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

[[ "$PROMETHEUS_VERSION" =~ ^3\.([0-9]+)\.([0-9]+)$ ]] \
  || die "PROMETHEUS_VERSION must look like 3.MINOR.PATCH (Prometheus 3.x), got '$PROMETHEUS_VERSION'"
MINOR="${BASH_REMATCH[1]}"; PATCH="${BASH_REMATCH[2]}"
MODULE_VERSION="v0.$((300 + MINOR)).$PATCH"

lock() { lock_cache "$CACHE_ROOT/.prom-tools.lock"; }

build_promtool() {
  if ! command -v go >/dev/null 2>&1; then
    die "'go' was not found on PATH, and the cache ($PROM_DIR) does not hold promtool yet.
  Install Go >= 1.26 from https://go.dev/dl and put its bin/ on PATH,
  or point PROMTOOL at an existing promtool 3.x binary (e.g. from the Prometheus release tarball),
  or set MCP_MESH_SKIP_PROMTOOL=1 to skip the promtool tests (local runs only)."
  fi
  # Module mode outside any workspace of the caller, a static binary, the local toolchain (no
  # toolchain downloads) unless the caller chose otherwise.
  export GOWORK=off CGO_ENABLED=0 GO111MODULE=on
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  local started=$SECONDS out="$PROM_DIR/bin.tmp.$$"
  rm -rf "$PROM_DIR"/bin.tmp.*   # left over by an interrupted build (we hold the lock)
  mkdir -p "$out"
  log "building promtool $PROMETHEUS_VERSION (github.com/prometheus/prometheus $MODULE_VERSION, tags: ${PROMTOOL_BUILD_TAGS:-none}) with $(go version | cut -d' ' -f3) (cold: a few minutes on 2 cores)"
  # `go install pkg@version` builds exactly the versions the Prometheus go.mod requires (it has no
  # replace directives, so no wrapper module is needed). The -X flags make `promtool --version`
  # report the release like the official binary does.
  local v=github.com/prometheus/common/version
  local ld="-s -w -X $v.Version=$PROMETHEUS_VERSION -X $v.Branch=release-3.$MINOR -X $v.BuildUser=cdk8s-mcp-mesh -X $v.Revision=$MODULE_VERSION"
  if ! GOBIN="$out" go install -trimpath ${PROMTOOL_BUILD_TAGS:+-tags "$PROMTOOL_BUILD_TAGS"} -ldflags "$ld" \
      "github.com/prometheus/prometheus/cmd/promtool@$MODULE_VERSION" 2>"$out/build.log"; then
    die "go install github.com/prometheus/prometheus/cmd/promtool@$MODULE_VERSION failed ($(go env GOPROXY)):
$(tail -n 20 "$out/build.log")"
  fi
  mv -f "$out/promtool" "$PROMTOOL_BIN"
  rm -rf "$out"
  log "built promtool $PROMETHEUS_VERSION in $((SECONDS - started))s"
}

main() {
  if [[ $REBUILD == 1 ]] || ! have_bin "$PROMTOOL_BIN"; then
    lock
    if [[ $REBUILD == 1 ]] || ! have_bin "$PROMTOOL_BIN"; then build_promtool; fi
  fi
  local version
  version="$("$PROMTOOL_BIN" --version 2>&1)" || die "$PROMTOOL_BIN --version failed: $version"
  version="${version%%$'\n'*}"
  [[ "$version" == "promtool, version $PROMETHEUS_VERSION "* ]] \
    || die "$PROMTOOL_BIN reports '$version', expected promtool $PROMETHEUS_VERSION (re-run with --rebuild)"
  log "$version  ($PROMTOOL_BIN)"
  printf '%s\n' "$PROMTOOL_BIN"
}

# Everything runs from main, parsed in full before it starts.
main "$@"
