"""The default travel-planning mesh, written in Python: a registry and three agents (weather, hotels, and a
planner that depends on both), the same mesh as the TypeScript default app (src/main.ts), and the same YAML.

    pip install cdk8s cdk8s_mcp_mesh-<version>-py3-none-any.whl
    python examples/python/main.py       # writes dist/mcp-mesh.k8s.yaml (or into $CDK8S_OUTDIR)

The agents' code (examples/agents/*.py) is shipped in ConfigMaps and run by the stock MCP Mesh Python runtime.
"""
from pathlib import Path

from cdk8s import App, Chart, Duration
from cdk8s_mcp_mesh import AgentRuntime, CapabilityProps, McpMesh, McpMeshAgentProps, MeshManifests

AGENTS = Path(__file__).resolve().parent.parent / "agents"


def agent_source(name: str) -> AgentRuntime:
    return AgentRuntime.python(source=(AGENTS / f"{name}.py").read_text(encoding="utf-8"))


def build_app(app: App) -> App:
    chart = Chart(app, "mcp-mesh", disable_resource_name_hashes=True)
    McpMesh(chart, "Mesh",
        namespace="mcp-mesh",
        agents=[
            McpMeshAgentProps(
                name="weather",
                runtime=agent_source("weather"),
                replicas=2,
                capabilities=[CapabilityProps(name="weather_forecast", version="1.0.0", timeout=Duration.seconds(10), tags=["weather", "demo"])],
            ),
            McpMeshAgentProps(
                name="hotels",
                runtime=agent_source("hotels"),
                replicas=2,
                capabilities=[CapabilityProps(name="hotel_search", version="1.0.0", timeout=Duration.seconds(20), tags=["hotels", "demo"])],
            ),
            McpMeshAgentProps(
                name="planner",
                runtime=agent_source("planner"),
                capabilities=[CapabilityProps(name="plan_trip", version="1.0.0", timeout=Duration.seconds(60), tags=["planner", "demo"])],
                depends_on=["weather_forecast", "hotel_search"],
            ),
        ],
    )
    return app


if __name__ == "__main__":
    # The library's deterministic YAML writer, into the app's outdir (CDK8S_OUTDIR, or dist/): the files
    # `app.synth()` would write, byte for byte the TypeScript app's.
    MeshManifests.write(build_app(App()))
