package io.github.cdk8smcpmesh.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import io.github.cdk8smcpmesh.AgentRuntime;
import io.github.cdk8smcpmesh.CapabilityProps;
import io.github.cdk8smcpmesh.McpMesh;
import io.github.cdk8smcpmesh.McpMeshAgentProps;
import io.github.cdk8smcpmesh.MeshManifests;
import io.github.cdk8smcpmesh.PythonRuntimeProps;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Duration;

/**
 * The default travel-planning mesh in Java: a registry and three agents (weather, hotels, and a planner that
 * depends on both), the same mesh as the TypeScript default app (src/main.ts), and the same YAML. The agents'
 * code (examples/agents/*.py) is shipped in ConfigMaps and run by the stock MCP Mesh Python runtime.
 */
public final class Main {
    private Main() {}

    /** examples/agents, found from the working directory or any folder above it. */
    private static Path agents() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("examples").resolve("agents");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("examples/agents not found above " + Paths.get("").toAbsolutePath());
    }

    private static AgentRuntime agentSource(String name) throws IOException {
        String source = Files.readString(agents().resolve(name + ".py"), StandardCharsets.UTF_8);
        return AgentRuntime.python(PythonRuntimeProps.builder().source(source).build());
    }

    private static McpMeshAgentProps agent(String name, Number replicas, String capability, int timeoutSeconds, String tag, List<String> dependsOn) throws IOException {
        return McpMeshAgentProps.builder()
            .name(name)
            .runtime(agentSource(name))
            .replicas(replicas)
            .capabilities(List.of(CapabilityProps.builder()
                .name(capability).version("1.0.0").timeout(Duration.seconds(timeoutSeconds)).tags(List.of(tag, "demo"))
                .build()))
            .dependsOn(dependsOn)
            .build();
    }

    public static App buildApp(App app) throws IOException {
        Chart chart = new Chart(app, "mcp-mesh", ChartProps.builder().disableResourceNameHashes(true).build());
        McpMesh.Builder.create(chart, "Mesh")
            .namespace("mcp-mesh")
            .agents(List.of(
                agent("weather", 2, "weather_forecast", 10, "weather", null),
                agent("hotels", 2, "hotel_search", 20, "hotels", null),
                agent("planner", null, "plan_trip", 60, "planner", List.of("weather_forecast", "hotel_search"))))
            .build();
        return app;
    }

    public static void main(String[] args) throws IOException {
        // The library's deterministic YAML writer, into the app's outdir (CDK8S_OUTDIR, or dist/).
        MeshManifests.write(buildApp(new App()));
    }
}
