#!/usr/bin/env bash
# Builds (once) netpol-oracle: scripts/netpol-oracle/main.go linked against cyclonus's NetworkPolicy engine
# (github.com/mattfenwick/cyclonus, from the Go module proxy), an evaluator of NetworkPolicies that this
# project did not write. Prints the binary's path on stdout; progress goes to stderr.
#
#   $CACHE/netpol-oracle/<CYCLONUS_VERSION>/<checksum of main.go>/netpol-oracle
set -euo pipefail

CYCLONUS_VERSION="${CYCLONUS_VERSION:-v0.5.6}"
TOOL=netpol-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
go_program_once netpol-oracle github.com/mattfenwick/cyclonus "$CYCLONUS_VERSION"
