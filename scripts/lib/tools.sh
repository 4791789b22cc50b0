# Shared by the scripts that install the test tools into the tools cache (sourced, not run).
# The sourcing script sets TOOL (its name, the prefix of its messages) first.
#
#   CACHE_ROOT        ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cdk8s-mcp-mesh}, outside the repo
#   log / die         progress and fatal errors on stderr, prefixed with "$TOOL: "
#   have_bin FILE     FILE is a non-empty executable
#   go_env            the Go environment of every build: module mode, no workspace of the caller, static
#                     binaries, the local toolchain (no toolchain downloads) unless the caller chose otherwise
#   lock_cache FILE   serialises concurrent runs (parallel test workers, two shells) on a lock file; holds
#                     it until the script exits, and is a no-op when already held or without flock(1)
#   go_build_once BIN LOCKFILE FUNCTION
#                     unless BIN is built: takes the lock, looks again, then runs FUNCTION (which must write
#                     BIN) with Go's environment set, and logs how long it took
#   apt_install PACKAGE...
#                     installs Debian packages (root), with their services kept from starting (a temporary
#                     policy-rc.d, the usual Debian-in-a-container way): nothing is left listening
#   go_program_once NAME MODULE VERSION
#                     builds scripts/NAME/main.go (a small program of ours) against MODULE@VERSION into
#                     $CACHE_ROOT/NAME/VERSION/<checksum of main.go>/NAME, once; prints the binary's path
#   go_install_once NAME PACKAGE VERSION
#                     `go install PACKAGE@VERSION` (a command of a module without replace directives) into
#                     $CACHE_ROOT/NAME/VERSION/NAME, once; prints the binary's path on stdout

: "${TOOL:?set TOOL before sourcing scripts/lib/tools.sh}"
CACHE_ROOT="${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}"

log() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
die() { printf '%s: error: %s\n' "$TOOL" "$*" >&2; exit 1; }
have_bin() { [[ -x "$1" && -s "$1" ]]; }

go_env() {
  export GOWORK=off CGO_ENABLED=0 GO111MODULE=on
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
}

TOOLS_LOCK_HELD=0
lock_cache() {
  [[ $TOOLS_LOCK_HELD == 1 ]] && return
  mkdir -p "$(dirname "$1")"
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$1"
    if ! flock -n 8; then
      log "waiting for another $TOOL run to finish (lock $1)"
      flock 8
    fi
  fi
  TOOLS_LOCK_HELD=1
}

go_build_once() {
  local bin=$1 lockfile=$2 build=$3
  have_bin "$bin" && return 0
  lock_cache "$lockfile"
  have_bin "$bin" && return 0
  command -v go >/dev/null 2>&1 || die "'go' was not found on PATH, and $bin is not built yet"
  go_env
  local started=$SECONDS
  "$build"
  have_bin "$bin" || die "$build did not write $bin"
  log "built $(basename "$bin") in $((SECONDS - started))s"
}

go_install_once() {
  local name=$1 package=$2 version=$3
  local dir="$CACHE_ROOT/$name/$version"
  GO_INSTALL_NAME=$name GO_INSTALL_PACKAGE=$package GO_INSTALL_VERSION=$version GO_INSTALL_DIR=$dir \
    go_build_once "$dir/$name" "$CACHE_ROOT/.$name.lock" _go_install
  echo "$dir/$name"
}

_go_install() {
  mkdir -p "$GO_INSTALL_DIR"
  log "building $GO_INSTALL_NAME $GO_INSTALL_VERSION"
  # go install of a module@version needs no module of ours (and ignores replace directives: the tools here have none).
  GOBIN="$GO_INSTALL_DIR/bin.tmp.$$" go install -trimpath "$GO_INSTALL_PACKAGE@$GO_INSTALL_VERSION" \
    || die "go install $GO_INSTALL_PACKAGE@$GO_INSTALL_VERSION failed"
  mv "$GO_INSTALL_DIR/bin.tmp.$$/$GO_INSTALL_NAME" "$GO_INSTALL_DIR/$GO_INSTALL_NAME" && rm -rf "$GO_INSTALL_DIR/bin.tmp.$$"
}

go_program_once() {
  local name=$1 module=$2 version=$3
  local src sum dir
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../$name" && pwd)/main.go"
  sum="$(sha256sum "$src" | cut -c1-12)"
  dir="$CACHE_ROOT/$name/$version/$sum"
  GO_PROGRAM_NAME=$name GO_PROGRAM_MODULE=$module GO_PROGRAM_VERSION=$version GO_PROGRAM_SRC=$src GO_PROGRAM_DIR=$dir \
    go_build_once "$dir/$name" "$CACHE_ROOT/.$name.lock" _go_program
  echo "$dir/$name"
}

_go_program() {
  local work="$GO_PROGRAM_DIR/src" bin="$GO_PROGRAM_DIR/$GO_PROGRAM_NAME"
  rm -rf "$work" && mkdir -p "$work"
  cp "$GO_PROGRAM_SRC" "$work/main.go"
  log "building $GO_PROGRAM_NAME on $GO_PROGRAM_MODULE $GO_PROGRAM_VERSION"
  (cd "$work" && go mod init "local/cdk8s-mcp-mesh/$GO_PROGRAM_NAME" >/dev/null 2>&1 \
    && go get "$GO_PROGRAM_MODULE@$GO_PROGRAM_VERSION" >"$work/go-get.log" 2>&1 \
    && go mod tidy >>"$work/go-get.log" 2>&1 \
    && go build -trimpath -o "$bin.tmp.$$" .) || die "building $GO_PROGRAM_NAME failed:
$(tail -n 20 "$work/go-get.log" 2>/dev/null)"
  mv "$bin.tmp.$$" "$bin"
}

apt_install() {
  [[ "$(id -u)" == 0 ]] || die "$* is not installed and installing it needs root: sudo apt-get install -y --no-install-recommends $*"
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install $* yourself"
  local started=$SECONDS policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    # invoke-rc.d asks this file whether a package may start its service: 101 = no.
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian's $* (apt-get update, then apt-get install)"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
  if [[ $added_policy == 1 ]]; then rm -f "$policy"; trap - EXIT; fi
  log "installed in $((SECONDS - started))s"
}
