#!/usr/bin/env bash
# Builds (once) kubeconform (github.com/yannh/kubeconform, from the Go module proxy), a manifest validator this
# project did not write, used by test/declarative/json-schema.test.ts against the JSON Schemas of schemas/.
# Prints the binary's path on stdout; progress on stderr.
#
#   $CACHE/kubeconform/<KUBECONFORM_VERSION>/kubeconform
set -euo pipefail

KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.7.0}"
TOOL=kubeconform
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
go_install_once kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
