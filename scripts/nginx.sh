#!/usr/bin/env bash
# Makes sure Debian's nginx (nginx-light) is installed and prints its path. The ingress test
# (test/ingress.e2e.test.ts) starts throwaway nginx servers on loopback from it, configured from the Ingress the
# library renders; nothing here starts a server (the package's service is kept from starting). Idempotent.
set -euo pipefail

TOOL=nginx
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

nginx_bin() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }
[ -n "$(nginx_bin)" ] || apt_install nginx-light
[ -n "$(nginx_bin)" ] || die "apt-get installed nginx-light, but nginx is not on PATH nor in /usr/sbin"
log "$("$(nginx_bin)" -v 2>&1)"
nginx_bin
