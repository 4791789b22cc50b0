#!/usr/bin/env bash
# Prints the path of a Python interpreter (a virtualenv in the tools cache, outside the repo) that has
# `cdk8s` and `constructs` from PyPI, at the versions the TypeScript side uses (package-lock.json), and,
# with --wheel FILE, the built cdk8s-mcp-mesh wheel installed over whatever was there: what a Python cdk8s
# user has after `pip install cdk8s <wheel>`. test/python/ runs the Python examples with it.
#
#   $CACHE/python/cdk8s-<cdk8s version>-constructs-<constructs version>/venv
# where CACHE = ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}.
# A cold run (venv + pip from PyPI) takes ~20 s; a warm one only reinstalls the wheel (~2 s).
#
# Usage:
#   scripts/python-tools.sh                        # the venv; print its python
#   scripts/python-tools.sh --wheel dist-jsii/python/cdk8s_mcp_mesh-0.1.0-py3-none-any.whl
# Needs python3 (3.10+, with venv) and PyPI access on a cold cache.
set -euo pipefail
TOOL=python-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

WHEEL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --wheel) WHEEL="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done

version_of() { node -p "require('$ROOT/node_modules/$1/package.json').version"; }
CDK8S_VERSION="$(version_of cdk8s)"
CONSTRUCTS_VERSION="$(version_of constructs)"
VENV="$CACHE_ROOT/python/cdk8s-$CDK8S_VERSION-constructs-$CONSTRUCTS_VERSION/venv"
PY="$VENV/bin/python"

if ! "$PY" -c 'import cdk8s, constructs' >/dev/null 2>&1; then
  lock_cache "$CACHE_ROOT/python/.lock"
  if ! "$PY" -c 'import cdk8s, constructs' >/dev/null 2>&1; then
    command -v python3 >/dev/null || die "python3 is needed"
    python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || die "python3 must be 3.10 or newer (jsii's Python runtime)"
    start=$SECONDS
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --disable-pip-version-check "cdk8s==$CDK8S_VERSION" "constructs==$CONSTRUCTS_VERSION" >&2
    log "virtualenv with cdk8s $CDK8S_VERSION and constructs $CONSTRUCTS_VERSION ready in $((SECONDS - start)) s: $VENV"
  fi
fi

if [[ -n $WHEEL ]]; then
  [[ -f $WHEEL ]] || die "no wheel at $WHEEL (npm run package:python builds it)"
  lock_cache "$CACHE_ROOT/python/.lock"
  # --no-deps: its requirements (cdk8s, constructs, jsii, publication) are in the venv; pip checks them below.
  "$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "$WHEEL" >&2
fi
echo "$PY"
