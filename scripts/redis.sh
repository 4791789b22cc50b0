#!/usr/bin/env bash
# Makes sure Debian's redis-server is installed and prints its path. The tracing test
# (test/observability/tracing.test.ts) starts a throwaway Redis on loopback from it; nothing here starts a
# server (the package's service is kept from starting). Idempotent: prints the path when it is installed.
set -euo pipefail

TOOL=redis
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
command -v redis-server >/dev/null 2>&1 || die "apt-get installed redis-server, but it is not on PATH"
log "$(redis-server --version)"
command -v redis-server
