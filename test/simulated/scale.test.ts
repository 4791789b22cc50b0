/**
 * The scale benchmark's simulated cluster, small: a mesh of 50 agents (HA registry on the in-cluster
 * PostgreSQL, HPAs, PDBs, headless Services, NetworkPolicies, Istio mTLS, authorization and traffic
 * objects on the real Istio CRDs) applied for real to kube-apiserver + etcd + kube-controller-manager +
 * kube-scheduler + kwok fake nodes, through the very function `npm run bench:cluster` runs
 * (bench/cluster-bench.ts), so that the benchmark does not rot; once with Istio, once with Linkerd.
 *
 * Beyond "it rolls out", the live cluster is asked what only real controllers can tell: that every
 * selector the library writes (Service, PDB, HPA target, spread constraints, NetworkPolicy pods and
 * peers, Istio workload selectors) selects the pods it is meant to, and that every Istio principal and host
 * names a ServiceAccount the calling pods run as and a Service that exists; a selector that matches nothing
 * is accepted by the API server and silently does nothing (or, for an ALLOW policy, denies everything).
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { BENCH_INGRESS_IDENTITY, BENCH_NAMESPACE, ClusterBenchResult, runClusterBench } from '../../bench/cluster-bench';
import { ServiceMesh } from '../../src';
import { conformanceSkipReason } from '../conformance/cluster';
import { selects, Selector } from '../util/netpol';
import { rolloutTarget, RolloutTarget } from './simulated-cluster';

const AGENTS = 50;
const NS = BENCH_NAMESPACE;

interface Live {
  objects: any[];
  target: RolloutTarget;
  pods: any[];
  nodes: any[];
  services: any[];
  endpointSlices: any[];
  deployments: any[];
  pdbs: any[];
  hpas: any[];
  pvcs: any[];
  /** The service mesh's objects as the API server holds them, by kind. */
  meshObjects: Record<string, any[]>;
}

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

/** The monitoring kinds the bench adds with a service mesh (observability with scrapeAgents). */
const MONITORING: Array<[kind: string, groupVersion: string, plural: string]> = [
  ['PodMonitor', 'monitoring.coreos.com/v1', 'podmonitors'], ['PrometheusRule', 'monitoring.coreos.com/v1', 'prometheusrules'],
];

/** The kinds each service mesh adds, with where the API server serves them. */
const MESH_KINDS: Record<string, Array<[kind: string, groupVersion: string, plural: string]>> = {
  [ServiceMesh.ISTIO]: [
    ...MONITORING,
    ['AuthorizationPolicy', 'security.istio.io/v1', 'authorizationpolicies'], ['PeerAuthentication', 'security.istio.io/v1', 'peerauthentications'],
    ['DestinationRule', 'networking.istio.io/v1', 'destinationrules'], ['VirtualService', 'networking.istio.io/v1', 'virtualservices'],
  ],
  [ServiceMesh.LINKERD]: [
    ...MONITORING,
    ['Server', 'policy.linkerd.io/v1beta1', 'servers'], ['MeshTLSAuthentication', 'policy.linkerd.io/v1alpha1', 'meshtlsauthentications'],
    ['AuthorizationPolicy', 'policy.linkerd.io/v1alpha1', 'authorizationpolicies'], ['ServiceProfile', 'linkerd.io/v1alpha2', 'serviceprofiles'],
  ],
};

describe.each([ServiceMesh.ISTIO, ServiceMesh.LINKERD])('simulated cluster with %s', (serviceMesh) => suite(`a ${AGENTS}-agent mesh applied for real`, () => {
  let result: ClusterBenchResult;
  let live: Live;

  beforeAll(async () => {
    result = await runClusterBench(AGENTS, {
      registry: 'postgres',
      serviceMesh,
      timeoutS: 300,
      log: (line) => process.stderr.write(`simulated-cluster: ${line}\n`),
      inspect: async (cluster, objects) => {
        const ns = `/namespaces/${NS}`;
        live = {
          objects,
          target: rolloutTarget(objects, NS),
          pods: await cluster.list(`/api/v1${ns}/pods`),
          nodes: await cluster.list('/api/v1/nodes'),
          services: await cluster.list(`/api/v1${ns}/services`),
          endpointSlices: await cluster.list(`/apis/discovery.k8s.io/v1${ns}/endpointslices`),
          deployments: await cluster.list(`/apis/apps/v1${ns}/deployments`),
          pdbs: await cluster.list(`/apis/policy/v1${ns}/poddisruptionbudgets`),
          hpas: await cluster.list(`/apis/autoscaling/v2${ns}/horizontalpodautoscalers`),
          pvcs: await cluster.list(`/api/v1${ns}/persistentvolumeclaims`),
          meshObjects: Object.fromEntries(await Promise.all(MESH_KINDS[serviceMesh]
            .map(async ([kind, groupVersion, plural]) => [kind, await cluster.list(`/apis/${groupVersion}${ns}/${plural}`)]))),
        };
      },
    });
  }, 45 * 60_000); // a cold tools cache builds kube-controller-manager, kube-scheduler and kwok first

  const synthesized = (kind: string) => live.objects.filter((o) => o.kind === kind);
  const podsSelectedBy = (selector: Selector) => live.pods.filter((p) => selects(selector, p.metadata.labels ?? {}));
  const targetOf = (workload: string) => live.target.deployments[workload] ?? live.target.statefulSets[workload];
  /** The workload a pod belongs to: Deployment (through its ReplicaSet) or StatefulSet. */
  const workloadOf = (pod: any): string => {
    const owner = pod.metadata.ownerReferences?.[0];
    return owner.kind === 'ReplicaSet' ? owner.name.replace(/-[a-z0-9]+$/, '') : owner.name;
  };

  it('rolls out completely, and the benchmark reports what it measured', () => {
    const wantPods = [...Object.values(live.target.deployments), ...Object.values(live.target.statefulSets)].reduce((a, b) => a + b, 0);
    expect(Object.keys(live.target.deployments)).toHaveLength(AGENTS);
    expect(live.pods).toHaveLength(wantPods);
    for (const pod of live.pods) {
      expect([pod.metadata.name, pod.status.phase]).toEqual([pod.metadata.name, 'Running']);
      expect(pod.status.conditions.find((c: any) => c.type === 'Ready')?.status).toBe('True');
      expect(live.nodes.map((n) => n.metadata.name)).toContain(pod.spec.nodeName);
    }
    expect(result.appliedObjects).toBe(live.objects.length);
    expect(result.namespaceObjects.pods).toBe(wantPods);
    expect(result.namespaceObjects.deployments).toBe(AGENTS);
    expect(result.namespaceObjects.networkpolicies).toBe(synthesized('NetworkPolicy').length);
    expect(result.storedObjects).toBeGreaterThan(live.objects.length + wantPods);
    expect(result.readyS).toBeGreaterThanOrEqual(result.applyS);
    for (const p of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
      expect(result.processes[p]?.peakRssMb).toBeGreaterThan(0);
    }
  });

  it('each HorizontalPodAutoscaler drives its Deployment: raised from the default 1 to minReplicas', () => {
    const hpas = synthesized('HorizontalPodAutoscaler');
    expect(hpas.length).toBeGreaterThan(0);
    for (const hpa of hpas) {
      const name = hpa.spec.scaleTargetRef.name;
      expect(synthesized('Deployment').find((d) => d.metadata.name === name)?.spec.replicas).toBeUndefined();
      const deployment = live.deployments.find((d) => d.metadata.name === name);
      expect([name, deployment?.spec.replicas]).toEqual([name, hpa.spec.minReplicas]);
      expect(hpa.spec.minReplicas).toBeGreaterThan(1);
    }
  });

  it('every Service selects exactly its workload\'s pods, and its EndpointSlices list them ready on the container port', () => {
    for (const svc of synthesized('Service')) {
      const name = svc.metadata.name;
      if (svc.spec.selector === undefined) {
        // Capability routing: a host name for Istio's VirtualService, with no endpoints of its own.
        const host = `${name}.${NS}.svc.cluster.local`;
        expect([name, synthesized('VirtualService').some((vs) => vs.spec.hosts.includes(host))]).toEqual([name, true]);
        continue;
      }
      const pods = podsSelectedBy({ matchLabels: svc.spec.selector });
      const workloads = [...new Set(pods.map(workloadOf))];
      expect([name, workloads.length]).toEqual([name, 1]);
      expect([name, pods.length]).toEqual([name, targetOf(workloads[0])]);
      const slices = live.endpointSlices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);
      const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready);
      expect([name, ready.map((e: any) => e.targetRef.name).sort()]).toEqual([name, pods.map((p) => p.metadata.name).sort()]);
      // A named targetPort resolves to the container port, a numbered one is taken as is.
      const container = pods[0].spec.containers[0];
      for (const port of svc.spec.ports) {
        const want = typeof port.targetPort === 'string'
          ? container.ports.find((p: any) => p.name === port.targetPort)?.containerPort
          : port.targetPort ?? port.port;
        const slicePorts = slices.flatMap((s) => s.ports ?? []).filter((p: any) => (p.name ?? '') === (port.name ?? ''));
        expect([name, port.name, slicePorts.map((p: any) => p.port)]).toEqual([name, port.name, slicePorts.map(() => want)]);
        expect([name, port.name, container.ports.map((p: any) => p.containerPort)]).toEqual([name, port.name, expect.arrayContaining([want])]);
      }
    }
  });

  it('every agent\'s MCP_MESH_REGISTRY_URL names a Service port with ready registry endpoints', () => {
    const registryName = synthesized('StatefulSet').find((s) => s.metadata.name.endsWith('registry'))?.metadata.name;
    for (const d of live.deployments) {
      const env = d.spec.template.spec.containers[0].env ?? [];
      const url = new URL(env.find((e: any) => e.name === 'MCP_MESH_REGISTRY_URL')?.value);
      const [svcName, ns] = url.hostname.split('.');
      expect([d.metadata.name, url.hostname]).toEqual([d.metadata.name, `${svcName}.${NS}.svc.cluster.local`]);
      expect(ns).toBe(NS);
      const svc = live.services.find((s) => s.metadata.name === svcName);
      expect(svc?.spec.ports.map((p: any) => p.port)).toContain(Number(url.port || 80));
      const ready = live.endpointSlices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svcName)
        .flatMap((s) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready).map((e: any) => e.targetRef.name).sort();
      const registryPods = podsSelectedBy({ matchLabels: svc.spec.selector });
      expect(new Set(registryPods.map(workloadOf))).toEqual(new Set([registryName]));
      expect(ready).toEqual(registryPods.map((p) => p.metadata.name).sort());
      expect(ready).toHaveLength(3);
    }
  });

  it('every PodDisruptionBudget covers its workload\'s pods and still allows a node drain', () => {
    const pdbs = synthesized('PodDisruptionBudget');
    expect(pdbs.length).toBeGreaterThan(AGENTS / 2);
    for (const pdb of pdbs) {
      const name = pdb.metadata.name;
      const pods = podsSelectedBy(pdb.spec.selector);
      const workloads = [...new Set(pods.map(workloadOf))];
      expect([name, workloads.length]).toEqual([name, 1]);
      const status = live.pdbs.find((p) => p.metadata.name === name)?.status ?? {};
      // Computed by the real disruption controller from the pods it found.
      expect([name, status.expectedPods, status.currentHealthy]).toEqual([name, targetOf(workloads[0]), targetOf(workloads[0])]);
      expect([name, status.disruptionsAllowed >= 1]).toEqual([name, true]);
    }
  });

  it('spread rules select their own pods; the registry replicas sit on distinct nodes and zones', () => {
    for (const w of [...synthesized('Deployment'), ...synthesized('StatefulSet')]) {
      const name = w.metadata.name;
      const own = podsSelectedBy(w.spec.selector).map((p) => p.metadata.name).sort();
      expect([name, own.length]).toEqual([name, targetOf(name)]);
      const spec = w.spec.template.spec;
      const selectors: Selector[] = [
        ...(spec.topologySpreadConstraints ?? []).map((c: any) => c.labelSelector),
        ...(spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.podAffinityTerm.labelSelector),
        ...(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.labelSelector),
      ];
      for (const sel of selectors) {
        expect([name, podsSelectedBy(sel).map((p) => p.metadata.name).sort()]).toEqual([name, own]);
      }
    }
    const registry = synthesized('StatefulSet').find((s) => s.metadata.name.endsWith('registry'));
    expect(registry?.spec.replicas).toBe(3);
    const pods = podsSelectedBy(registry.spec.selector);
    const zoneOf = (node: string) => live.nodes.find((n) => n.metadata.name === node)?.metadata.labels['topology.kubernetes.io/zone'];
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
    expect(new Set(pods.map((p) => zoneOf(p.spec.nodeName))).size).toBe(3);
  });

  it('every StatefulSet volume claim is bound', () => {
    const claims = synthesized('StatefulSet').reduce((n, s) => n + (s.spec.volumeClaimTemplates?.length ?? 0) * s.spec.replicas, 0);
    expect(claims).toBeGreaterThan(0);
    expect(live.pvcs).toHaveLength(claims);
    for (const pvc of live.pvcs) expect([pvc.metadata.name, pvc.status.phase]).toEqual([pvc.metadata.name, 'Bound']);
  });

  /**
   * The graph through live objects: for each pod that calls a capability (its calls.* label) and each pod that
   * provides it, the provider's workload admits the caller as `who` names it (principal or identity).
   */
  const expectEveryCallAllowed = (allowedInto: Map<string, Set<string>>, who: (pod: any) => string) => {
    let edges = 0;
    for (const caller of live.pods) {
      const calls = Object.keys(caller.metadata.labels).filter((k) => k.startsWith('calls.mesh.mcp.io/')).map((k) => k.split('/')[1]);
      for (const capability of calls) {
        for (const provider of podsSelectedBy({ matchLabels: { [`provides.mesh.mcp.io/${capability}`]: 'true' } })) {
          edges++;
          expect([caller.metadata.name, workloadOf(provider), allowedInto.get(workloadOf(provider))?.has(who(caller))])
            .toEqual([caller.metadata.name, workloadOf(provider), true]);
        }
      }
    }
    expect(edges).toBeGreaterThan(AGENTS);
  };

  // Tests of one service mesh exist only in its suite.
  const only = (mesh: ServiceMesh) => (name: string, fn: () => void) => (serviceMesh === mesh ? it(name, fn) : undefined);
  const istio = only(ServiceMesh.ISTIO);
  const linkerd = only(ServiceMesh.LINKERD);
  const stored = (kind: string) => live.meshObjects[kind];

  it('the service mesh\'s objects are all stored', () => {
    for (const [kind] of MESH_KINDS[serviceMesh]) {
      expect([kind, stored(kind).map((o) => o.metadata.name).sort()]).toEqual([kind, synthesized(kind).map((o) => o.metadata.name).sort()]);
      expect([kind, stored(kind).length > 0]).toEqual([kind, true]);
    }
  });

  istio('the Istio objects are stored; each workload selector selects exactly one workload\'s pods, the mTLS policy every mesh pod', () => {
    for (const policy of synthesized('AuthorizationPolicy')) {
      const workloads = new Set(podsSelectedBy(policy.spec.selector).map(workloadOf));
      expect([policy.metadata.name, workloads.size]).toEqual([policy.metadata.name, 1]);
    }
    const [mtls] = synthesized('PeerAuthentication');
    expect(mtls.spec.mtls.mode).toBe('STRICT');
    expect(podsSelectedBy(mtls.spec.selector)).toHaveLength(live.pods.length);
  });

  istio('Istio authorization follows the live graph: each caller pod\'s ServiceAccount is allowed into every provider it calls, and no principal is a stranger', () => {
    const principal = (pod: any) => `cluster.local/ns/${NS}/sa/${pod.spec.serviceAccountName}`;
    const allowedInto = new Map<string, Set<string>>(); // workload -> principals its policy allows
    for (const policy of synthesized('AuthorizationPolicy')) {
      const workload = workloadOf(podsSelectedBy(policy.spec.selector)[0]);
      const principals = (policy.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source?.principals ?? []));
      allowedInto.set(workload, new Set(principals));
    }
    const livePrincipals = new Set(live.pods.map(principal));
    for (const [workload, principals] of allowedInto) {
      expect([workload, [...principals].filter((p) => !livePrincipals.has(p))]).toEqual([workload, []]);
    }
    expectEveryCallAllowed(allowedInto, principal);
    // Every agent may reach the registry.
    const registry = synthesized('StatefulSet').find((s) => s.metadata.name.endsWith('registry'))!.metadata.name;
    for (const pod of live.pods.filter((p) => live.target.deployments[workloadOf(p)] !== undefined)) {
      expect([pod.metadata.name, allowedInto.get(registry)?.has(principal(pod))]).toEqual([pod.metadata.name, true]);
    }
  });

  istio('every Istio host is a Service of the mesh, and every route goes to a port that Service has', () => {
    const services = new Map(live.services.map((svc) => [`${svc.metadata.name}.${NS}.svc.cluster.local`, svc]));
    for (const rule of synthesized('DestinationRule')) expect([rule.metadata.name, services.has(rule.spec.host)]).toEqual([rule.metadata.name, true]);
    const virtualServices = synthesized('VirtualService');
    for (const vs of virtualServices) {
      for (const host of vs.spec.hosts) expect([vs.metadata.name, host, services.has(host)]).toEqual([vs.metadata.name, host, true]);
      for (const route of vs.spec.http.flatMap((h: any) => h.route)) {
        const ports = services.get(route.destination.host)?.spec.ports.map((p: any) => p.port) ?? [];
        expect([vs.metadata.name, route.destination.host, ports]).toEqual([vs.metadata.name, route.destination.host, expect.arrayContaining([route.destination.port.number])]);
      }
    }
    expect(virtualServices.length).toBeGreaterThan(AGENTS); // one per agent, plus capability routing
  });

  linkerd('each Linkerd Server selects exactly one workload\'s pods and names a port they have; every reference resolves', () => {
    for (const server of synthesized('Server')) {
      const pods = podsSelectedBy(server.spec.podSelector);
      expect([server.metadata.name, new Set(pods.map(workloadOf)).size]).toEqual([server.metadata.name, 1]);
      // A port name no container has makes the Server match nothing: the default policy would apply instead.
      for (const pod of pods) {
        const names = pod.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => (typeof server.spec.port === 'string' ? p.name : p.containerPort)));
        expect([server.metadata.name, names]).toEqual([server.metadata.name, expect.arrayContaining([server.spec.port])]);
      }
    }
    const names = (kind: string) => new Set(synthesized(kind).map((o) => o.metadata.name));
    for (const policy of synthesized('AuthorizationPolicy')) {
      expect([policy.metadata.name, policy.spec.targetRef.kind, names('Server').has(policy.spec.targetRef.name)]).toEqual([policy.metadata.name, 'Server', true]);
      for (const ref of policy.spec.requiredAuthenticationRefs) {
        expect([policy.metadata.name, names(ref.kind).has(ref.name)]).toEqual([policy.metadata.name, true]);
      }
    }
    const services = new Set(live.services.map((svc) => `${svc.metadata.name}.${NS}.svc.cluster.local`));
    for (const profile of synthesized('ServiceProfile')) expect([profile.metadata.name, services.has(profile.metadata.name)]).toEqual([profile.metadata.name, true]);
  });

  linkerd('Linkerd authorization follows the live graph: each caller pod\'s ServiceAccount is an identity of every provider it calls, and no identity is a stranger', () => {
    const identity = (pod: any) => `${NS}/${pod.spec.serviceAccountName}`;
    const auth = new Map(synthesized('MeshTLSAuthentication').map((a) => [a.metadata.name, new Set<string>(a.spec.identityRefs.map((r: any) => `${r.namespace}/${r.name}`))]));
    const allowedInto = new Map<string, Set<string>>(); // workload -> identities its Server admits
    for (const policy of synthesized('AuthorizationPolicy')) {
      const server = synthesized('Server').find((sv) => sv.metadata.name === policy.spec.targetRef.name)!;
      const workload = workloadOf(podsSelectedBy(server.spec.podSelector)[0]);
      allowedInto.set(workload, new Set(policy.spec.requiredAuthenticationRefs.flatMap((r: any) => [...(auth.get(r.name) ?? [])])));
    }
    const liveIdentities = new Set(live.pods.map(identity));
    const ingress = `${BENCH_INGRESS_IDENTITY.namespace}/${BENCH_INGRESS_IDENTITY.name}`;
    for (const [workload, identities] of allowedInto) expect([workload, [...identities].filter((i) => !liveIdentities.has(i) && i !== ingress)]).toEqual([workload, []]);
    expectEveryCallAllowed(allowedInto, identity);
    // The meshed ingress controller's identity is admitted into exactly the agents whose NetworkPolicy admits
    // the controller's pods: the exposed ones (two renderings of one decision agree).
    const exposedByPolicy = synthesized('NetworkPolicy')
      .filter((p) => (p.spec.ingress ?? []).some((rule: any) => (rule.from ?? []).some((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx')))
      .map((p) => p.metadata.name).sort();
    expect(exposedByPolicy.length).toBeGreaterThan(0);
    expect([...allowedInto].filter(([, ids]) => ids.has(ingress)).map(([workload]) => workload).sort()).toEqual(exposedByPolicy);
  });

  it('the agents\' PodMonitor selects every agent pod and nothing else, in its namespace, on a port name those pods have', () => {
    const [monitor] = synthesized('PodMonitor');
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([NS]);
    const agentPods = live.pods.filter((p) => live.target.deployments[workloadOf(p)] !== undefined);
    expect(podsSelectedBy(monitor.spec.selector).map((p) => p.metadata.name).sort()).toEqual(agentPods.map((p) => p.metadata.name).sort());
    for (const endpoint of monitor.spec.podMetricsEndpoints) {
      for (const pod of agentPods) {
        const names = pod.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
        expect([pod.metadata.name, names]).toEqual([pod.metadata.name, expect.arrayContaining([endpoint.port])]);
      }
    }
  });

  it('every NetworkPolicy selects live pods, every pod is isolated both ways, and every in-namespace peer matches a pod', () => {
    const policies = synthesized('NetworkPolicy');
    for (const np of policies) {
      expect([np.metadata.name, podsSelectedBy(np.spec.podSelector).length > 0]).toEqual([np.metadata.name, true]);
      const rules = [...(np.spec.ingress ?? []).map((r: any) => r.from ?? []), ...(np.spec.egress ?? []).map((r: any) => r.to ?? [])].flat();
      for (const peer of rules.filter((p: any) => p.podSelector && !p.namespaceSelector)) {
        expect([np.metadata.name, peer.podSelector, podsSelectedBy(peer.podSelector).length > 0])
          .toEqual([np.metadata.name, peer.podSelector, true]);
      }
    }
    for (const pod of live.pods) {
      const types = new Set(policies.filter((np) => selects(np.spec.podSelector, pod.metadata.labels ?? {}))
        .flatMap((np) => np.spec.policyTypes ?? ['Ingress']));
      expect([pod.metadata.name, [...types].sort()]).toEqual([pod.metadata.name, ['Egress', 'Ingress']]);
    }
  });
}));
