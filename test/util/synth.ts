import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';

export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: Record<string, any> & { name: string; namespace?: string } };

/** Every object an app synthesizes, in output order (runs the same validation as `cdk8s synth`). */
export function synthApp(app: App): K8sObject[] {
  return app.charts.flatMap((chart) => chart.toJson() as K8sObject[]);
}

/** Builds a chart with `build`, synthesizes it, returns its objects. */
export function synth(build: (chart: Chart) => void, namespace?: string): K8sObject[] {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'test', { namespace, disableResourceNameHashes: true });
  build(chart);
  return synthApp(app);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) {
    throw new Error(`no ${kind} named ${name}; have: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found;
}

export function container(workload: K8sObject): Record<string, any> {
  return workload.spec.template.spec.containers[0];
}

/** The env of a workload's first container as name -> value or valueFrom. */
export function envOf(workload: K8sObject): Record<string, any> {
  return Object.fromEntries(container(workload).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

export function scope(): Construct {
  return new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true });
}

/** The problems `run` throws as one MeshValidationError, as `field: problem` lines; none when it succeeds. */
export function problemLines(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    const problems = (e as { problems?: Array<{ field: string; problem: string }> }).problems;
    if (problems === undefined) throw e;
    return problems.map((p) => `${p.field}: ${p.problem}`);
  }
  return [];
}
