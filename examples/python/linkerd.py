"""examples/linkerd in Python: every pod gets the proxy, and Linkerd's Servers and authorizations admit exactly
the callers the mesh graph names."""
from cdk8s import App, Chart, Duration
from cdk8s_mcp_mesh import (
    AgentExposure, AgentRuntime, CapabilityProps, GatewayReference, McpMesh, McpMeshAgentProps, McpObservabilityOptions,
    McpSecurityOptions, MeshManifests, NetworkPeer, ServiceAccountReference, ServiceMesh,
)


def image(name: str) -> AgentRuntime:
    return AgentRuntime.python(image=f"ghcr.io/example/{name}-agent:1.0.0", script=f"{name}.py")


def build_app(app: App) -> App:
    chart = Chart(app, "linkerd", disable_resource_name_hashes=True)
    McpMesh(chart, "Mesh",
        namespace="mcp-linkerd",
        service_mesh=ServiceMesh.LINKERD,
        observability=McpObservabilityOptions(scrape_agents=True),
        security=McpSecurityOptions(
            prometheus=NetworkPeer.pods_in_namespace("monitoring", {"app.kubernetes.io/name": "prometheus"}),
            # A Gateway API gateway whose pods run in the mesh: Linkerd admits it by its identity.
            ingress_controller=NetworkPeer.pods_in_namespace("gateways", {"gateway.networking.k8s.io/gateway-name": "public"}),
            ingress_service_account=ServiceAccountReference(name="public", namespace="gateways"),
        ),
        agents=[
            McpMeshAgentProps(name="weather", runtime=image("weather"), replicas=2,
                              capabilities=[CapabilityProps(name="weather_forecast", timeout=Duration.seconds(10))]),
            McpMeshAgentProps(name="hotels", runtime=image("hotels"), replicas=2,
                              capabilities=[CapabilityProps(name="hotel_search", timeout=Duration.seconds(20))]),
            McpMeshAgentProps(
                name="planner", runtime=image("planner"), capabilities=[CapabilityProps(name="plan_trip")],
                depends_on=["weather_forecast", "hotel_search"],
                # An HTTPRoute on the shared Gateway (its listener must admit routes from this namespace).
                expose=AgentExposure(host="planner.example.com", gateway=GatewayReference(name="public", namespace="gateways")),
            ),
        ],
    )
    return app


if __name__ == "__main__":
    MeshManifests.write(build_app(App()))
