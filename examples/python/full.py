"""examples/full in Python: every option the library offers, on. Nested props are struct classes, typed and
checked by your editor and by jsii's runtime."""
from cdk8s import App, Chart, Duration
from cdk8s_mcp_mesh import (
    AdvertiseMode, AgentExposure, AgentRuntime, BackendEndpoint, CapabilityProps, EnvVar, ExternalSecretKey,
    ExternalSecretSource, ExternalSecretsOptions, LogLevel, McpAlertOptions, McpMesh, McpObservabilityOptions,
    McpRegistryOptions, McpSecurityOptions, MeshManifests, MeshTracingOptions, NetworkPeer, OtlpProtocol, RegistryStorage,
    ResourceProps, SecretEnvVar, SecretKeyReference, SecretStoreKind, SecretValue, ServiceAccountReference, ServiceMesh,
)


def build_app(app: App) -> App:
    chart = Chart(app, "full", disable_resource_name_hashes=True)
    mesh = McpMesh(chart, "Mesh",
        name="travel",
        namespace="mcp-full",
        create_namespace=True,
        cluster_domain="cluster.local",
        service_mesh=ServiceMesh.ISTIO,
        registry=McpRegistryOptions(
            name="registry",
            replicas=3,
            storage=RegistryStorage.postgres(
                url_secret=SecretKeyReference(name="registry-db", key="url"),
                endpoint=BackendEndpoint(peer=NetworkPeer.pods_in_namespace("databases", {"app.kubernetes.io/name": "postgresql"}), port=5432),
            ),
            log_level=LogLevel.INFO,
            health_check_interval=Duration.seconds(5),
            timeout_threshold=Duration.seconds(15),
            eviction_threshold=Duration.seconds(45),
            resources=ResourceProps(cpu_request="250m", memory_request="256Mi", cpu_limit="1", memory_limit="1Gi"),
            pre_stop_delay=Duration.seconds(5),
        ),
        observability=McpObservabilityOptions(
            prometheus_selector_labels={"release": "monitoring"},
            alerts=McpAlertOptions(labels={"team": "travel"}, runbook_base_url="https://runbooks.example.com/mcp-mesh",
                                   error_ratio_threshold=0.02, pod_not_ready_for=Duration.minutes(10)),
        ),
        tracing=MeshTracingOptions(
            redis_url="redis://redis.tracing.svc.cluster.local:6379",
            otlp_endpoint="tempo-distributor.tracing.svc.cluster.local:4317",
            otlp_protocol=OtlpProtocol.GRPC,
            trace_retention=Duration.hours(12),
            redis_network=BackendEndpoint(peer=NetworkPeer.pods_in_namespace("tracing", {"app.kubernetes.io/name": "redis"}), port=6379),
            collector_network=BackendEndpoint(peer=NetworkPeer.pods_in_namespace("tracing", {"app.kubernetes.io/name": "tempo"}), port=4317),
        ),
        # The Secrets the mesh reads (the registry's database URL, the planner's LLM keys), delivered from Vault.
        external_secrets=ExternalSecretsOptions(
            store_name="vault",
            store_kind=SecretStoreKind.CLUSTER_SECRET_STORE,
            refresh_interval=Duration.minutes(30),
            secrets=[
                ExternalSecretSource(secret_name="registry-db", data=[ExternalSecretKey(key="url", remote_key="travel/registry-db", property="url")]),
                ExternalSecretSource(secret_name="llm-keys", data=[
                    ExternalSecretKey(key="anthropic", remote_key="travel/llm", property="anthropic"),
                    ExternalSecretKey(key="openai", remote_key="travel/llm", property="openai"),
                ]),
            ],
        ),
        security=McpSecurityOptions(
            dns=NetworkPeer.pods_in_namespace("kube-system", {"k8s-app": "kube-dns"}),
            prometheus=NetworkPeer.pods_in_namespace("monitoring", {"app.kubernetes.io/name": "prometheus"}),
            ingress_controller=NetworkPeer.pods_in_namespace("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
            # The controller runs with an Istio sidecar: its identity, not its whole namespace, is admitted.
            ingress_service_account=ServiceAccountReference(name="ingress-nginx", namespace="ingress-nginx"),
            cluster_cidrs=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "fd00::/8"],
            allow_registry_proxy=True,
        ),
    )
    mesh.add_agent(
        name="weather",
        runtime=AgentRuntime.python(image="ghcr.io/example/weather-agent:2.1.0", script="weather.py"),
        replicas=3,
        advertise=AdvertiseMode.SERVICE,
        headless_service=True,
        capabilities=[
            CapabilityProps(name="weather_forecast", version="2.1.0", timeout=Duration.seconds(10), tags=["weather", "forecast"], description="Forecast for a city"),
            CapabilityProps(name="weather_alerts", version="1.0.0", timeout=Duration.seconds(5), tags=["weather"]),
        ],
        heartbeat_interval=Duration.seconds(5),
        resources=ResourceProps(cpu_request="200m", memory_request="256Mi", memory_limit="768Mi"),
    )
    mesh.add_agent(
        name="hotels",
        runtime=AgentRuntime.custom(
            image="ghcr.io/example/hotels-agent@sha256:0f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
            command=["node", "dist/agent.js"],
            run_as_user=1000,
        ),
        replicas=2,
        advertise=AdvertiseMode.POD_IP,
        capabilities=[CapabilityProps(name="hotel_search", timeout=Duration.seconds(20))],
        env=[EnvVar(name="HOTELS_REGION", value="eu-west")],
        drain_timeout=Duration.seconds(45),
    )
    mesh.add_agent(
        name="planner",
        runtime=AgentRuntime.python(image="ghcr.io/example/planner-agent:1.4.2", script="planner.py", args=["--verbose"]),
        replicas=2,
        capabilities=[CapabilityProps(name="plan_trip", version="1.4.2", timeout=Duration.minutes(2), tags=["travel", "llm"])],
        depends_on=["weather_forecast", "hotel_search"],
        log_level=LogLevel.DEBUG,
        retry_attempts=2,
        call_timeout=Duration.seconds(90),
        mesh_namespace="travel",
        internet_egress=True,
        # An Ingress on ingress-nginx, its timeouts at the capability's 2 minutes (nginx's default is 60 s).
        expose=AgentExposure(host="planner.travel.example.com", ingress_class_name="nginx", tls_secret_name="planner-tls"),
        secret_env=[
            SecretEnvVar(name="ANTHROPIC_API_KEY", value=SecretValue.from_secret_key("llm-keys", "anthropic")),
            SecretEnvVar(name="OPENAI_API_KEY", value=SecretValue.from_secret_key("llm-keys", "openai")),
        ],
        pre_stop_delay=Duration.seconds(15),
    )
    return app


if __name__ == "__main__":
    MeshManifests.write(build_app(App()))
