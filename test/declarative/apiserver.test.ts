/**
 * The CLI's validator and a real kube-apiserver agree: with the generated CRDs installed, the API server
 * (server-side apply, strict field validation) accepts exactly the MCPMesh and MCPAgent documents the CLI
 * accepts, and rejects the others for the same field. Uses the conformance suite's throw-away control plane
 * (test/conformance/cluster.ts; MCP_MESH_SKIP_CONFORMANCE=1 skips it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifests, ValidationReport } from '../conformance/apply';
import { conformanceSkipReason, TestCluster } from '../conformance/cluster';
import { formatIssue, readDocuments } from '../../src/declarative/input';
import { MCP_AGENT, MCP_MESH, crdFileName } from '../../src/declarative/resources';

const ROOT = path.resolve(__dirname, '..', '..');

const agent = (name: string, spec: string) => `apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: ${name}
  namespace: mcp-mesh
spec:
${spec.replace(/^/gm, '  ').trimEnd()}
`;

/** Every kind of field the format has, set. */
const FULL_AGENT = agent('full', `runtime:
  custom:
    image: ghcr.io/acme/agent:1.0.0
    command: [/app/agent]
    args: [--verbose]
    runAsUser: 1000
    runAsGroup: 1000
capabilities:
  - name: search
    version: "2.1.0"
    timeout: 1m30s
    tags: [a, b]
    description: searches
dependsOn: [weather_forecast]
autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 60 }
port: 9090
advertise: pod-ip
headlessService: true
heartbeatInterval: 5s
logLevel: DEBUG
retryAttempts: 2
callTimeout: 2h
traffic: { timeout: 2m, retries: 1, idempotent: true, maxConnections: 10, maxPendingRequests: 10, consecutiveErrors: 3, baseEjectionTime: 30s, maxEjectionPercent: 50 }
meshNamespace: travel
internetEgress: true
exposed: true
env: [{ name: MODE, value: fast }]
secretEnv:
  - { name: API_KEY, secretKeyRef: { name: llm-keys, key: anthropic } }
  - { name: DEMO_TOKEN, unsafePlainText: not-a-secret }
allowPlainTextSecrets: true
resources: { cpuRequest: 100m, memoryRequest: 128Mi, cpuLimit: "1", memoryLimit: 256Mi }
preStopDelay: 10s
drainTimeout: 20s`);

const FULL_MESH = `apiVersion: mesh.mcp.io/v1alpha1
kind: MCPMesh
metadata:
  name: full
  namespace: mcp-mesh
spec:
  namespace: travel
  createNamespace: true
  clusterDomain: cluster.local
  serviceMesh: istio
  environment: staging
  capabilityRouting: true
  policyCheck: true
  policySuppressions: [{ rule: probes, object: Deployment/x, reason: "a batch agent without probes" }]
  trafficDefaults: { retries: 1 }
  registry:
    replicas: 3
    logLevel: INFO
    timeoutThreshold: 30s
    storage:
      postgresFromParts:
        host: db.example.com
        credentials: { secretName: db }
        endpoint: { peer: { ipBlock: { cidr: 10.1.0.0/16, except: [10.1.2.0/24] } }, port: 5432 }
  security:
    dns: { podsInNamespace: { namespace: kube-system, podLabels: { k8s-app: kube-dns } } }
    prometheus: { pods: { namespaceLabels: { kubernetes.io/metadata.name: monitoring } } }
    clusterCidrs: [10.0.0.0/8]
  environments:
    prod:
      registry:
        storage:
          postgres: { urlSecret: { name: db-url, key: url } }
`;

interface Case {
  name: string;
  text: string;
  /** The field the CLI names, and the API server's reason (undefined: both accept it). */
  cli?: string;
  server?: RegExp;
}

const CASES: Case[] = [
  { name: 'full-agent', text: FULL_AGENT },
  { name: 'full-mesh', text: FULL_MESH },
  { name: 'unknown-field', text: agent('unknown-field', 'runtime: { python: { image: "a:1" } }\nreplica: 2'), cli: 'spec.replica', server: /\.spec\.replica: field not declared in schema/ },
  { name: 'wrong-type', text: agent('wrong-type', 'runtime: { python: { image: "a:1" } }\nreplicas: "2"'), cli: 'spec.replicas', server: /\.spec\.replicas: expected numeric \(int or float\), got string/ },
  { name: 'bad-duration', text: agent('bad-duration', 'runtime: { python: { image: "a:1" } }\nheartbeatInterval: 5 seconds'), cli: 'spec.heartbeatInterval', server: /spec\.heartbeatInterval in body should match/ },
  { name: 'two-runtimes', text: agent('two-runtimes', 'runtime: { python: { image: "a:1" }, custom: { image: "b:1" } }'), cli: 'spec.runtime', server: /"spec\.runtime" must validate one and only one schema \(oneOf\)\. Found 2 valid alternatives/ },
  { name: 'no-runtime', text: agent('no-runtime', 'replicas: 1'), cli: 'spec.runtime', server: /spec\.runtime: Required value/ },
  { name: 'bad-enum', text: agent('bad-enum', 'runtime: { python: { image: "a:1" } }\nadvertise: node-ip'), cli: 'spec.advertise', server: /spec\.advertise: Unsupported value: "node-ip"/ },
  { name: 'secret-without-value', text: agent('secret-without-value', 'runtime: { python: { image: "a:1" } }\nsecretEnv: [{ name: KEY }]'), cli: 'spec.secretEnv[0]', server: /"spec\.secretEnv\[0\]" must validate one and only one schema \(oneOf\)\. Found none valid/ },
  {
    name: 'bad-peer',
    text: FULL_MESH.replace('name: full', 'name: bad-peer').replace('{ ipBlock: { cidr: 10.1.0.0/16, except: [10.1.2.0/24] } }', '{ ipBlock: { except: [10.1.2.0/24] } }'),
    cli: 'spec.registry.storage.postgresFromParts.endpoint.peer.ipBlock.cidr',
    server: /spec\.registry\.storage\.postgresFromParts\.endpoint\.peer\.ipBlock\.cidr: Required value/,
  },
];

const skip = conformanceSkipReason();
(skip ? describe.skip : describe)('the generated CRDs on a real kube-apiserver', () => {
  let cluster: TestCluster;
  let report: ValidationReport;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declarative-apiserver-'));

  beforeAll(async () => {
    cluster = await TestCluster.start();
    fs.mkdirSync(path.join(dir, 'crds'));
    for (const names of [MCP_AGENT, MCP_MESH]) fs.copyFileSync(path.join(ROOT, crdFileName(names)), path.join(dir, 'crds', path.basename(crdFileName(names))));
    for (const c of CASES) fs.writeFileSync(path.join(dir, `${c.name}.yaml`), c.text);
    report = await validateManifests(cluster, dir);
  }, 15 * 60 * 1000);

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('both CRDs install and become Established', () => {
    const crds = report.results.filter((r) => r.phase === 'crd');
    expect(crds.map((r) => ({ name: r.object.name, ok: r.ok, warnings: r.warnings }))).toEqual([
      { name: 'mcpagents.mesh.mcp.io', ok: true, warnings: [] },
      { name: 'mcpmeshes.mesh.mcp.io', ok: true, warnings: [] },
    ]);
  });

  test.each(CASES)('$name: the API server and the CLI agree', (c) => {
    const server = report.results.find((r) => r.phase === 'apply' && r.object.file === `${c.name}.yaml`)!;
    expect(server).toBeDefined();
    const { issues } = readDocuments([path.join(dir, `${c.name}.yaml`)]);
    if (c.server === undefined) {
      expect({ ok: server.ok, message: server.message, warnings: server.warnings }).toEqual({ ok: true, message: undefined, warnings: [] });
      expect(issues.map(formatIssue)).toEqual([]);
    } else {
      expect({ ok: server.ok, message: server.message }).toEqual({ ok: false, message: expect.stringMatching(c.server) });
      expect(issues.map((i) => i.field)).toEqual([c.cli]);
    }
  });
});
