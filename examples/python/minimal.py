"""examples/minimal in Python: a registry on SQLite and one agent whose code is in its own image."""
from cdk8s import App, Chart
from cdk8s_mcp_mesh import AgentRuntime, CapabilityProps, McpMesh, McpMeshAgentProps, MeshManifests


def build_app(app: App) -> App:
    chart = Chart(app, "minimal", disable_resource_name_hashes=True)
    McpMesh(chart, "Mesh",
        namespace="mcp-minimal",
        agents=[McpMeshAgentProps(
            name="hello",
            runtime=AgentRuntime.python(image="ghcr.io/example/hello-agent:1.0.0", script="hello.py"),
            capabilities=[CapabilityProps(name="greeting")],
        )],
    )
    return app


if __name__ == "__main__":
    MeshManifests.write(build_app(App()))
