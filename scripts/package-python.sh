#!/usr/bin/env bash
# `npm run package:python`: compiles the library with jsii (which checks that the public API, src/index.ts,
# fits jsii's type model, and writes .jsii, the API's description) and builds the Python distribution
# cdk8s-mcp-mesh (module cdk8s_mcp_mesh) with jsii-pacmak into dist-jsii/python/. Prints the wheel's path as
# its last line. jsii's compiler output is the same lib/ that `npm run build` writes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# jsii warns on every run under Node 20 (end of life 2026-10-30); it works, and the warning is not ours to fix.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
# The C# reserved word warnings (`namespace`, `object`) concern .NET, which is not a target.
npx jsii --silence-warnings reserved-word >&2
# The CLI is the wheel's console script `cdk8s-mcp-mesh`: jsii's runtime executes the file itself, and npm pack
# keeps the file's mode (npm install would set it when linking bins; jsii's kernel does not install).
chmod +x lib/src/cli/main.js
rm -rf dist-jsii/python
npx jsii-pacmak --targets python --outdir dist-jsii >&2
wheel="$(ls dist-jsii/python/*.whl)"
[[ $(wc -l <<<"$wheel") == 1 ]] || { echo "package-python: expected one wheel, found: $wheel" >&2; exit 1; }
echo "$PWD/$wheel"
