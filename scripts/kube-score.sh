#!/usr/bin/env bash
# Builds (once) kube-score (github.com/zegl/kube-score, from the Go module proxy), a manifest linter this
# project did not write, used by test/kube-score.test.ts. Prints the binary's path on stdout; progress on stderr.
#
#   $CACHE/kube-score/<KUBE_SCORE_VERSION>/kube-score
set -euo pipefail

KUBE_SCORE_VERSION="${KUBE_SCORE_VERSION:-v1.20.0}"
TOOL=kube-score
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
go_install_once kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"
