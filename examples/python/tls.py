"""examples/tls in Python: the runtime's own mutual TLS, with a certificate for every workload from a
cert-manager ClusterIssuer."""
from cdk8s import App, Chart, Duration
from cdk8s_mcp_mesh import (
    AgentRuntime, CapabilityProps, CertificateIssuer, McpMesh, McpMeshAgentProps, MeshManifests, MeshTlsOptions, TlsMode,
)


def image(name: str) -> AgentRuntime:
    return AgentRuntime.python(image=f"ghcr.io/example/{name}-agent:1.0.0", script=f"{name}.py")


def build_app(app: App) -> App:
    chart = Chart(app, "tls", disable_resource_name_hashes=True)
    McpMesh(chart, "Mesh",
        namespace="mcp-tls",
        tls=MeshTlsOptions(issuer=CertificateIssuer(name="mesh-ca", kind="ClusterIssuer"), mode=TlsMode.STRICT,
                           duration=Duration.days(30), renew_before=Duration.days(10)),
        agents=[
            McpMeshAgentProps(name="weather", runtime=image("weather"), replicas=2,
                              capabilities=[CapabilityProps(name="weather_forecast", timeout=Duration.seconds(10))]),
            McpMeshAgentProps(name="planner", runtime=image("planner"), capabilities=[CapabilityProps(name="plan_trip")],
                              depends_on=["weather_forecast"]),
        ],
    )
    return app


if __name__ == "__main__":
    MeshManifests.write(build_app(App()))
