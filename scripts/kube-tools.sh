#!/usr/bin/env bash
# Builds (once) and prints the paths of the Kubernetes control-plane binaries used by
# the conformance suite (test/conformance): kube-apiserver, a matching kubectl, and etcd.
#
# The binaries are compiled from the Go module proxy with the local Go toolchain and kept in a
# cache OUTSIDE the repository, keyed by version:
#   $CACHE/kubernetes/<KUBE_VERSION>/bin/{kube-apiserver,kubectl}
#   $CACHE/etcd/<ETCD_VERSION>/bin/etcd
# where CACHE = ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}.
# A second run with a warm cache only checks the binaries and reports their versions.
#
# Usage:
#   scripts/kube-tools.sh            # build if needed; print KEY=VALUE lines on stdout
#   eval "$(scripts/kube-tools.sh)"  # sets KUBE_APISERVER, KUBECTL, ETCD, KUBE_VERSION, ETCD_VERSION
#   KUBE_VERSION=v1.36.3 scripts/kube-tools.sh   # another Kubernetes version (cached side by side)
#   scripts/kube-tools.sh --rebuild  # ignore the cached binaries of the selected versions
#
# Everything else (progress, versions) goes to stderr. Needs: go (>= the go directive of the
# modules, 1.25 for Kubernetes 1.35), network access to the Go module proxy on a cold cache.
set -euo pipefail

# ---- versions: the single place to change them ---------------------------------------------
# Kubernetes release to build kube-apiserver and kubectl from (newest 1.35 patch on the proxy;
# list them with: go list -m -versions k8s.io/kubernetes).
KUBE_VERSION="${KUBE_VERSION:-v1.35.4}"
# etcd server release: v3.6.5 is the etcd the Kubernetes v1.35.4 go.mod itself is built against
# (go.etcd.io/etcd/{client,server}/v3 v3.6.5). Debian bookworm's etcd-server is 3.4.23: it does serve
# kube-apiserver 1.35 for this suite, but 3.4 is end of life and not what 1.35 is tested with.
ETCD_VERSION="${ETCD_VERSION:-v3.6.5}"
# ----------------------------------------------------------------------------------------------

TOOL=kube-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
KUBE_DIR="$CACHE_ROOT/kubernetes/$KUBE_VERSION"
ETCD_DIR="$CACHE_ROOT/etcd/$ETCD_VERSION"
KUBE_APISERVER_BIN="$KUBE_DIR/bin/kube-apiserver"
KUBECTL_BIN="$KUBE_DIR/bin/kubectl"
ETCD_BIN="$ETCD_DIR/bin/etcd"

REBUILD=0
for arg in "$@"; do
  case "$arg" in
    --rebuild) REBUILD=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kube-tools: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

case "$KUBE_VERSION" in v1.*) ;; *) die "KUBE_VERSION must look like v1.MINOR.PATCH, got '$KUBE_VERSION'" ;; esac
case "$ETCD_VERSION" in v3.*) ;; *) die "ETCD_VERSION must look like v3.MINOR.PATCH, got '$ETCD_VERSION'" ;; esac

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    die "'go' was not found on PATH, and the cache ($CACHE_ROOT) does not hold the binaries yet.
  Install Go >= 1.25 from https://go.dev/dl and put its bin/ on PATH (Debian bookworm's golang-go,
  1.19, is too old; with any Go >= 1.21 on PATH, GOTOOLCHAIN=auto fetches a newer toolchain),
  or point KUBE_APISERVER, KUBECTL and ETCD at existing binaries,
  or set MCP_MESH_SKIP_CONFORMANCE=1 to skip the conformance tests."
  fi
}

# Extract a string field from `go mod download -json` output (no jq/python needed).
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -n1; }

lock() { lock_cache "$CACHE_ROOT/.lock"; }

build_kubernetes() {
  require_go; go_env
  local started=$SECONDS
  local src="$KUBE_DIR/src" out="$KUBE_DIR/bin.tmp.$$"
  rm -rf "$KUBE_DIR"/bin.tmp.*   # left over by an interrupted build (we hold the lock)
  log "building kube-apiserver and kubectl $KUBE_VERSION with $(go version | cut -d' ' -f3) (cold: ~4-6 min on 2 cores, most of it compiling)"
  rm -rf "$src" && mkdir -p "$src"

  local info gomod commit date
  info="$(cd "$src" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION")" \
    || die "could not download k8s.io/kubernetes@$KUBE_VERSION from the Go module proxy ($(go env GOPROXY))"
  gomod="$(json_field GoMod <<<"$info")"
  [[ -f "$gomod" ]] || die "no go.mod for k8s.io/kubernetes@$KUBE_VERSION in: $info"
  commit="$(json_field Hash <<<"$info")"   # only present when the proxy reports the VCS origin
  date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$(json_field Info <<<"$info")" 2>/dev/null || true)"
  [[ -n "$date" ]] || date="1970-01-01T00:00:00Z"

  # k8s.io/kubernetes replaces its staging modules with ./staging/src/k8s.io/<name>; replace
  # directives of a dependency are ignored, so the wrapper module maps each of them to the
  # published module of the same release: k8s.io/<name> v0.<minor>.<patch>. The list comes from
  # the served go.mod (both the block and the single-line form); non-local replacements are
  # carried over verbatim.
  local staging_version="v0.${KUBE_VERSION#v1.}" replaces
  replaces="$(awk -v sv="$staging_version" '
      function emit(mod, rest,   n, f) {
        n = split(rest, f, /[ \t]+/)
        if (f[1] ~ /^\.\.?\//) printf "\t%s => %s %s\n", mod, mod, sv
        else printf "\t%s => %s\n", mod, rest
      }
      /^replace[ \t]*\($/ { inblock = 1; next }
      inblock && /^\)/    { inblock = 0; next }
      inblock && /=>/     { sub(/\/\/.*/, ""); split($0, p, /[ \t]*=>[ \t]*/); gsub(/^[ \t]+/, "", p[1]); split(p[1], m, /[ \t]+/); emit(m[1], p[2]); next }
      /^replace[ \t]+[^(]/ { sub(/\/\/.*/, ""); sub(/^replace[ \t]+/, ""); split($0, p, /[ \t]*=>[ \t]*/); split(p[1], m, /[ \t]+/); emit(m[1], p[2]) }
    ' "$gomod")"
  [[ -n "$replaces" ]] || die "found no replace directives in $gomod; the wrapper-module recipe needs updating"
  local godirective
  godirective="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -n1)"
  log "mapping $(grep -c . <<<"$replaces") replaced modules of k8s.io/kubernetes to $staging_version (go $godirective)"

  cat >"$src/go.mod" <<EOF
// Generated by scripts/kube-tools.sh: builds k8s.io/kubernetes commands from the module proxy.
module local/cdk8s-mcp-mesh/kube-tools

go ${godirective:-1.25.0}

require k8s.io/kubernetes $KUBE_VERSION

replace (
$replaces
)
EOF
  log "resolving and downloading modules (log: $src/go-get.log)"
  (cd "$src" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" "k8s.io/kubernetes/cmd/kubectl@$KUBE_VERSION") >"$src/go-get.log" 2>&1 \
    || die "resolving the kube-apiserver/kubectl dependencies failed (see $src/go.mod):
$(tail -n 20 "$src/go-get.log")"
  log "compiling kube-apiserver and kubectl"

  local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=archive -X $pkg.buildDate=$date"
  done
  rm -rf "$out" && mkdir -p "$out"
  (cd "$src" && go build -trimpath -ldflags "$ld" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) \
    || die "go build of kube-apiserver/kubectl $KUBE_VERSION failed"
  rm -rf "${KUBE_DIR:?}/bin" && mv "$out" "$KUBE_DIR/bin"
  log "built kube-apiserver and kubectl $KUBE_VERSION in $((SECONDS - started))s"
}

build_etcd() {
  require_go; go_env
  local started=$SECONDS
  local src="$ETCD_DIR/src" out="$ETCD_DIR/bin.tmp.$$"
  rm -rf "$ETCD_DIR"/bin.tmp.*
  log "building etcd $ETCD_VERSION with $(go version | cut -d' ' -f3) (cold: ~30-60 s)"
  rm -rf "$src" && mkdir -p "$src"
  # go.etcd.io/etcd/server/v3 is etcd's main package; its own replace directives only point at
  # sibling modules of the same release, which its require lines already pin, so a wrapper
  # module without replacements is enough (and `go install pkg@version` refuses replace lines).
  cat >"$src/go.mod" <<EOF
// Generated by scripts/kube-tools.sh: builds etcd from the module proxy.
module local/cdk8s-mcp-mesh/etcd-tools

go 1.24.0
EOF
  (cd "$src" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION") >"$src/go-get.log" 2>&1 \
    || die "could not resolve go.etcd.io/etcd/server/v3@$ETCD_VERSION from the Go module proxy:
$(tail -n 20 "$src/go-get.log")"
  rm -rf "$out" && mkdir -p "$out"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3) \
    || die "go build of etcd $ETCD_VERSION failed"
  rm -rf "${ETCD_DIR:?}/bin" && mv "$out" "$ETCD_DIR/bin"
  log "built etcd $ETCD_VERSION in $((SECONDS - started))s"
}

main() {
  if [[ $REBUILD == 1 ]] || ! have_bin "$KUBE_APISERVER_BIN" || ! have_bin "$KUBECTL_BIN" || ! have_bin "$ETCD_BIN"; then
    lock
    if [[ $REBUILD == 1 ]] || ! have_bin "$KUBE_APISERVER_BIN" || ! have_bin "$KUBECTL_BIN"; then build_kubernetes; fi
    if [[ $REBUILD == 1 ]] || ! have_bin "$ETCD_BIN"; then build_etcd; fi
  fi

  local apiserver_version kubectl_version etcd_version
  apiserver_version="$("$KUBE_APISERVER_BIN" --version 2>&1)" || die "$KUBE_APISERVER_BIN --version failed: $apiserver_version"
  kubectl_version="$("$KUBECTL_BIN" version --client 2>&1)" || die "$KUBECTL_BIN version failed: $kubectl_version"
  kubectl_version="${kubectl_version%%$'\n'*}"
  etcd_version="$("$ETCD_BIN" --version 2>&1)" || die "$ETCD_BIN --version failed: $etcd_version"
  etcd_version="${etcd_version%%$'\n'*}"
  [[ "$apiserver_version" == "Kubernetes $KUBE_VERSION" ]] \
    || die "$KUBE_APISERVER_BIN reports '$apiserver_version', expected 'Kubernetes $KUBE_VERSION' (re-run with --rebuild)"
  log "kube-apiserver: $apiserver_version  ($KUBE_APISERVER_BIN)"
  log "kubectl:        $kubectl_version  ($KUBECTL_BIN)"
  log "etcd:           $etcd_version  ($ETCD_BIN)"

  printf 'KUBE_VERSION=%q\n' "$KUBE_VERSION"
  printf 'ETCD_VERSION=%q\n' "$ETCD_VERSION"
  printf 'KUBE_APISERVER=%q\n' "$KUBE_APISERVER_BIN"
  printf 'KUBECTL=%q\n' "$KUBECTL_BIN"
  printf 'ETCD=%q\n' "$ETCD_BIN"
}

# Everything runs from main, parsed in full before it starts: editing this file while a long
# build runs cannot change what the running instance does.
main "$@"
