"""examples/declarative from Python: the travel mesh declared as data (MCPMesh and MCPAgent files in
examples/declarative/), synthesized by the `cdk8s-mcp-mesh` command that the wheel installs beside Python
(the same validation and output as `npx cdk8s-mcp-mesh`). Like the TypeScript example it copies the CRDs and
the resources next to the manifests, for the conformance suite."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent
SOURCE = EXAMPLES / "declarative"


def synth(outdir: Path) -> None:
    cli = Path(sys.executable).parent / "cdk8s-mcp-mesh"
    # The agents' code files (../agents/*.py) lie outside the declarative folder: the source root admits them,
    # wherever this script is run from.
    subprocess.run([str(cli), "synth", "-f", str(SOURCE), "--source-root", str(EXAMPLES), "-o", str(outdir)],
                   check=True, stdout=subprocess.DEVNULL)
    for folder, files in (
        ("crds", [EXAMPLES.parent / "crds" / f"{name}.yaml" for name in ("mcpagents.mesh.mcp.io", "mcpmeshes.mesh.mcp.io")]),
        ("resources", sorted(SOURCE.glob("*.yaml"))),
    ):
        (outdir / folder).mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(file, outdir / folder / file.name)


if __name__ == "__main__":
    synth(Path(os.environ.get("CDK8S_OUTDIR", "dist")))
