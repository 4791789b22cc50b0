"""examples/ha in Python: three registry replicas on an in-cluster PostgreSQL, agents with several replicas or
an autoscaler, each with its own PodDisruptionBudget."""
from cdk8s import App, Chart, Duration
from cdk8s_mcp_mesh import (
    AgentAutoscaling, AgentRuntime, CapabilityProps, McpMesh, McpMeshAgentProps, McpRegistryOptions, MeshManifests,
    PostgresCredentials, RegistryStorage,
)


def image(name: str) -> AgentRuntime:
    return AgentRuntime.python(image=f"ghcr.io/example/{name}-agent:1.0.0", script=f"{name}.py")


def build_app(app: App) -> App:
    chart = Chart(app, "ha", disable_resource_name_hashes=True)
    McpMesh(chart, "Mesh",
        namespace="mcp-ha",
        registry=McpRegistryOptions(
            replicas=3,
            storage=RegistryStorage.postgres_in_cluster(credentials=PostgresCredentials(secret_name="registry-db-credentials"), size="20Gi"),
        ),
        agents=[
            McpMeshAgentProps(name="weather", runtime=image("weather"), autoscaling=AgentAutoscaling(min_replicas=2, max_replicas=10),
                              capabilities=[CapabilityProps(name="weather_forecast", timeout=Duration.seconds(10))]),
            McpMeshAgentProps(name="hotels", runtime=image("hotels"), replicas=3,
                              capabilities=[CapabilityProps(name="hotel_search", timeout=Duration.seconds(20))]),
            McpMeshAgentProps(name="planner", runtime=image("planner"), replicas=2, capabilities=[CapabilityProps(name="plan_trip")],
                              depends_on=["weather_forecast", "hotel_search"]),
        ],
    )
    return app


if __name__ == "__main__":
    MeshManifests.write(build_app(App()))
