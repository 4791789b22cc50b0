package mistakes;

import java.util.List;

import io.github.cdk8smcpmesh.AgentRuntime;
import io.github.cdk8smcpmesh.CapabilityProps;
import io.github.cdk8smcpmesh.McpMesh;
import io.github.cdk8smcpmesh.McpMeshAgentProps;
import io.github.cdk8smcpmesh.PythonRuntimeProps;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;

/** Builds meshes with mistakes in them; prints, per case, the exception's class and message between markers. */
public final class Mistakes {
    private Mistakes() {}

    private static AgentRuntime image(String name) {
        return AgentRuntime.python(PythonRuntimeProps.builder().image("ghcr.io/x/" + name + ":1").script(name + ".py").build());
    }

    private static void run(String name, Runnable build) {
        System.out.println("=== " + name);
        try {
            build.run();
            System.out.println("no error");
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getName());
            System.out.println(e.getMessage());
        }
    }

    private static Chart chart() {
        return new Chart(new App(), "test", ChartProps.builder().disableResourceNameHashes(true).build());
    }

    public static void main(String[] args) {
        run("bad values", () -> McpMesh.Builder.create(chart(), "Mesh")
            .namespace("Bad_NS")
            .agents(List.of(
                McpMeshAgentProps.builder().name("weather").runtime(image("weather")).replicas(-1)
                    .capabilities(List.of(CapabilityProps.builder().name("weather forecast").build())).build(),
                McpMeshAgentProps.builder().name("planner").runtime(image("planner")).dependsOn(List.of("forecast")).build()))
            .build());
        run("missing required", () -> McpMeshAgentProps.builder().name("weather").build());
    }
}
