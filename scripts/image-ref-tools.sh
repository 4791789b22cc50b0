#!/usr/bin/env bash
# Builds (once) image-ref-oracle: scripts/image-ref-oracle/main.go linked against
# github.com/distribution/reference (from the Go module proxy), the image reference parser container runtimes
# use, which this project did not write. Prints the binary's path on stdout; progress goes to stderr.
#
#   $CACHE/image-ref-oracle/<REFERENCE_VERSION>/<checksum of main.go>/image-ref-oracle
set -euo pipefail

REFERENCE_VERSION="${REFERENCE_VERSION:-v0.6.0}"
TOOL=image-ref-tools
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
go_program_once image-ref-oracle github.com/distribution/reference "$REFERENCE_VERSION"
