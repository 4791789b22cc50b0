#!/usr/bin/env bash
# Builds the library for another language with jsii and prints the package's path as its last line:
#   `npm run package:python` (scripts/package-jsii.sh python): the wheel of the Python distribution
#     cdk8s-mcp-mesh (module cdk8s_mcp_mesh), in dist-jsii/python/;
#   `npm run package:java` (scripts/package-jsii.sh java): the Maven artifact
#     io.github.cdk8s-mcp-mesh:cdk8s-mcp-mesh (package io.github.cdk8smcpmesh), in dist-jsii/java/, a local Maven
#     repository; needs a JDK (17+) and Maven.
#
# jsii compiles the library (checking that the public API, src/index.ts, fits jsii's type model, and writing
# .jsii, the API's description) and jsii-pacmak turns it into the package, which holds the npm tarball and runs
# it in Node through jsii's runtime. Both run in a staging copy of the package per target
# (.cache/jsii-stage/<target>/), so that the lib/ the tests and `npm run build` use is never rewritten under
# them, and two targets can build at once; the python build copies the .jsii to dist-jsii/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${1:-}"
case "$TARGET" in
  python|java) ;;
  *) echo "usage: scripts/package-jsii.sh python|java" >&2; exit 2 ;;
esac
STAGE="$ROOT/.cache/jsii-stage/$TARGET"
OUT="$ROOT/dist-jsii"
# jsii warns on every run under Node 20 (end of life 2026-10-30); it works, and the warning is not ours to fix.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1

rm -rf "$STAGE" && mkdir -p "$STAGE/node_modules"
for entry in package.json README.md LICENSE src imports examples charts crds schemas docs; do
  cp -R "$ROOT/$entry" "$STAGE/$entry"
done
# The package's sources only (tsconfig.json also compiles examples/ and bench/, which the package leaves out).
node -e 'const c = require(process.argv[1]); c.include = ["src/**/*.ts", "imports/**/*.ts"];
  require("fs").writeFileSync(process.argv[2], JSON.stringify(c, null, 2))' "$ROOT/tsconfig.json" "$STAGE/tsconfig.json"
rm -rf "$STAGE/charts/mcp-mesh/charts" "$STAGE/charts/mcp-mesh/Chart.lock"
# The dependencies by link, but the bundled one (yaml) as files: npm pack puts it in the tarball.
for dep in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin; do ln -s "$dep" "$STAGE/node_modules/$(basename "$dep")"; done
for dep in "$ROOT"/node_modules/@*; do rm "$STAGE/node_modules/$(basename "$dep")"; ln -s "$dep" "$STAGE/node_modules/$(basename "$dep")"; done
rm "$STAGE/node_modules/yaml" && cp -R "$ROOT/node_modules/yaml" "$STAGE/node_modules/yaml"

cd "$STAGE"
# The C# reserved word warnings (`namespace`, `object`) concern .NET, which is not a target.
"$ROOT/node_modules/.bin/jsii" --silence-warnings reserved-word >&2
# The CLI is the wheel's console script `cdk8s-mcp-mesh`: jsii's runtime executes the file itself, and npm pack
# keeps the file's mode (npm install would set it when linking bins; jsii's kernel does not install).
chmod +x lib/src/cli/main.js
rm -rf "${OUT:?}/$TARGET"
"$ROOT/node_modules/.bin/jsii-pacmak" --targets "$TARGET" --outdir "$OUT" >&2
if [[ $TARGET == python ]]; then
  cp .jsii "$OUT/.jsii"
  built="$(ls "$OUT"/python/*.whl)"
else
  built="$(find "$OUT/java" -name 'cdk8s-mcp-mesh-*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar')"
fi
[[ -n $built && $(wc -l <<<"$built") == 1 ]] || { echo "package-jsii: expected one $TARGET package, found: $built" >&2; exit 1; }
echo "$built"
