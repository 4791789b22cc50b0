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

log() { printf 'postgres: %s\n' "$*" >&2; }
die() { printf 'postgres: error: %s\n' "$*" >&2; exit 1; }

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

install_postgres() {
  [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and installing it needs root:
  sudo apt-get install -y --no-install-recommends postgresql
  or point POSTGRES_BIN_DIR at the bin dir of an existing PostgreSQL installation"
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install a PostgreSQL server and set POSTGRES_BIN_DIR to its bin dir"
  local started=$SECONDS policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    # invoke-rc.d asks this file whether a package may start its service: 101 = no.
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian's postgresql (apt-get update, then apt-get install; cold: about 15 s)"
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends postgresql >&2 \
    || die "apt-get install postgresql failed"
  if [[ $added_policy == 1 ]]; then rm -f "$policy"; trap - EXIT; fi
  log "installed in $((SECONDS - started))s"
}

main() {
  local dir
  if ! dir="$(bin_dir)"; then
    install_postgres
    dir="$(bin_dir)" || die "apt-get installed postgresql, but there is no /usr/lib/postgresql/*/bin/postgres"
  fi
  for tool in postgres initdb pg_isready psql; do
    [[ -x "$dir/$tool" ]] || die "$dir/$tool is missing (a broken PostgreSQL installation? apt-get install --reinstall postgresql)"
  done
  log "$("$dir/postgres" --version)  ($dir)"
  printf '%s\n' "$dir"
}

main "$@"
