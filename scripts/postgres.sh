#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server is installed and prints its bin directory (the one holding
# `postgres`, `initdb`, `pg_isready`, `psql`), e.g. /usr/lib/postgresql/15/bin.
#
# The registry's high-availability tests (test/registry-ha.e2e.test.ts) start throwaway PostgreSQL
# servers on loopback from it (test/util/postgres-process.ts); nothing here starts a server.
#
# Idempotent: when /usr/lib/postgresql/*/bin/postgres exists it only prints the newest such dir. Otherwise
# it runs `apt-get update` and `apt-get install -y --no-install-recommends postgresql` (root needed).
# Measured on 2 cores: about 15 s cold (apt-get update included), 0.03 s warm. During the install,
# services are kept from starting (a temporary policy-rc.d, the usual Debian-in-a-container way), so
# the install never leaves a server listening on 5432; Debian's `main` cluster is created, but stays down.
#
# Usage:
#   scripts/postgres.sh                      # install if needed; print the bin dir on stdout
#   PG_BIN="$(scripts/postgres.sh)"          # capture it
#
# Progress goes to stderr. POSTGRES_BIN_DIR=/path/to/bin in the environment of the tests skips this
# script altogether (any PostgreSQL >= 12 will do).
set -euo pipefail

TOOL=postgres
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

# The newest installed server's bin dir, or nothing.
bin_dir() {
  local candidate found=""
  for candidate in /usr/lib/postgresql/*/bin/postgres; do
    [[ -x "$candidate" ]] && found="$(printf '%s\n%s\n' "$found" "$candidate" | sed '/^$/d' | sort -V | tail -n 1)"
  done
  [[ -n "$found" ]] && dirname "$found"
}

main() {
  local dir
  if ! dir="$(bin_dir)"; then
    apt_install postgresql
    dir="$(bin_dir)" || die "apt-get installed postgresql, but there is no /usr/lib/postgresql/*/bin/postgres"
  fi
  for tool in postgres initdb pg_isready psql; do
    [[ -x "$dir/$tool" ]] || die "$dir/$tool is missing (a broken PostgreSQL installation? apt-get install --reinstall postgresql)"
  done
  log "$("$dir/postgres" --version)  ($dir)"
  printf '%s\n' "$dir"
}

main "$@"
