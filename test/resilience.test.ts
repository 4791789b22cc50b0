import { Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, NetworkPeer, RegistryStorage } from '../src';
import { container, envOf, find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

describe('high availability', () => {
  test('a replicated registry spreads over zones and nodes, avoids sharing a node, and has a PodDisruptionBudget', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { replicas: 3, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'db' } }) },
    }));
    const pod = find(objects, 'StatefulSet', 'mcp-mesh-registry').spec.template.spec;
    expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'], ['kubernetes.io/hostname', 'DoNotSchedule'],
    ]);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(find(objects, 'PodDisruptionBudget', 'mcp-mesh-registry').spec.maxUnavailable).toBe(1);
  });

  test('the in-cluster PostgreSQL is governed by a headless Service, and clients use the ClusterIP one', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { replicas: 3, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'db' } }) },
    }));
    expect(find(objects, 'StatefulSet', 'mcp-mesh-registry-postgres').spec.serviceName).toBe('mcp-mesh-registry-postgres-headless');
    expect(find(objects, 'Service', 'mcp-mesh-registry-postgres-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find(objects, 'Service', 'mcp-mesh-registry-postgres').spec.type).toBe('ClusterIP');
    expect(envOf(find(objects, 'StatefulSet', 'mcp-mesh-registry')).DATABASE_URL).toBeDefined();
    const long = 'r'.repeat(44);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { name: long, replicas: 3, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'db' } }) },
    }))).toThrow(`registry.name: "${long}" makes the in-cluster PostgreSQL's StatefulSet name "${long}-postgres" longer than 52 characters (its pods' controller-revision-hash label would be too long). Fix: use a registry name of at most 43 characters`);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { name: long.slice(1), replicas: 3, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'db' } }) },
    }))).not.toThrow();
  });

  test('agents with several replicas get a PodDisruptionBudget and spread; a single replica gets neither', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'many', replicas: 3 }, { runtime: rt, name: 'one' }] }));
    expect(find(objects, 'PodDisruptionBudget', 'many').spec).toEqual({ maxUnavailable: 1, selector: find(objects, 'Deployment', 'many').spec.selector });
    expect(find(objects, 'Deployment', 'many').spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'one')).toBe(false);
    expect(find(objects, 'Deployment', 'one').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('an autoscaler owns the replica count: the Deployment renders none', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      agents: [{ runtime: rt, name: 'busy', autoscaling: { minReplicas: 2, maxReplicas: 8, targetCpuUtilization: 60 } }],
    }));
    expect(find(objects, 'Deployment', 'busy').spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler', 'busy').spec).toEqual({
      maxReplicas: 8, minReplicas: 2,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 60, type: 'Utilization' } }, type: 'Resource' }],
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'busy' },
    });
    expect(find(objects, 'PodDisruptionBudget', 'busy')).toBeDefined();
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'x', replicas: 3, autoscaling: { maxReplicas: 5 } }] })))
      .toThrow(/agents\.x\.replicas: 3 is set together with autoscaling/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'x', autoscaling: { minReplicas: 4, maxReplicas: 2 } }] })))
      .toThrow(/agents\.x\.autoscaling\.maxReplicas: 2 is below minReplicas 4/);
  });
});

describe('PostgreSQL for the registry', () => {
  test('from parts: the URL is composed in the pod from the credentials Secret, never rendered', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: {
        replicas: 2,
        storage: RegistryStorage.postgresFromParts({
          host: 'db.example.internal', database: 'mesh', credentials: { secretName: 'db-creds', usernameKey: 'user', passwordKey: 'pass' },
          endpoint: { peer: NetworkPeer.ipBlock('10.20.0.0/16'), port: 5432 },
        }),
      },
    }));
    const env = container(find(objects, 'StatefulSet', 'mcp-mesh-registry')).env;
    expect(env.map((e: any) => e.name)).toEqual(['HOST', 'PORT', 'MCP_MESH_ADMIN_PORT', 'PGUSER', 'PGPASSWORD', 'DATABASE_URL', 'MCP_MESH_LOG_LEVEL',
      'HEALTH_CHECK_INTERVAL', 'DEFAULT_TIMEOUT_THRESHOLD', 'DEFAULT_EVICTION_THRESHOLD']);
    expect(envOf(find(objects, 'StatefulSet', 'mcp-mesh-registry'))).toMatchObject({
      PGUSER: { secretKeyRef: { key: 'user', name: 'db-creds' } },
      PGPASSWORD: { secretKeyRef: { key: 'pass', name: 'db-creds' } },
      DATABASE_URL: 'postgres://$(PGUSER):$(PGPASSWORD)@db.example.internal:5432/mesh?sslmode=require&connect_timeout=10',
    });
    expect(find(objects, 'NetworkPolicy', 'mcp-mesh-registry').spec.egress).toContainEqual({ ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.0.0/16' } }] });
  });

  test('in cluster: a restricted PostgreSQL StatefulSet that only the registry may reach, and a registry that waits for it', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { replicas: 2, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'db' }, size: '5Gi' }) },
    }));
    const db = find(objects, 'StatefulSet', 'mcp-mesh-registry-postgres');
    expect(db.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    expect(container(db).readinessProbe.exec.command).toEqual(['pg_isready', '--host', '127.0.0.1', '--port', '5432']);
    expect(db.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    expect(envOf(db)).toMatchObject({ POSTGRES_PASSWORD: { secretKeyRef: { key: 'password', name: 'db' } }, PGDATA: '/var/lib/postgresql/data/pgdata' });
    const registry = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    expect(envOf(registry).DATABASE_URL).toBe('postgres://$(PGUSER):$(PGPASSWORD)@mcp-mesh-registry-postgres.mcp-mesh.svc.cluster.local:5432/mcp_mesh_registry?sslmode=disable&connect_timeout=10');
    const wait = registry.spec.template.spec.initContainers[0];
    expect(wait.name).toBe('wait-for-postgres');
    expect(wait.securityContext).toMatchObject({ allowPrivilegeEscalation: false, privileged: false, runAsNonRoot: true });
    expect(find(objects, 'NetworkPolicy', 'mcp-mesh-registry-postgres').spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'registry', 'app.kubernetes.io/instance': 'mcp-mesh', 'app.kubernetes.io/name': 'mcp-mesh-registry' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
  });

  test('fails on bad parts, naming the field', () => {
    const parts = (p: object) => () => synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { storage: RegistryStorage.postgresFromParts({ host: 'db', credentials: { secretName: 'c' }, ...p } as any) }, policyCheck: false, security: { networkPolicies: false },
    }));
    expect(parts({ host: 'db host' })).toThrow(/registry\.storage\.host: "db host" is not a host name/);
    expect(parts({ sslMode: 'on' })).toThrow(/registry\.storage\.sslMode: "on" is not a PostgreSQL sslmode/);
    expect(parts({ database: 'my-db' })).toThrow(/registry\.storage\.database: "my-db" is not a plain PostgreSQL database name/);
  });
});

describe('graceful shutdown', () => {
  test('the timeline: preStop pause, then the drain, inside the grace period', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      agents: [{ runtime: rt, name: 'a', capabilities: [{ name: 'x', timeout: Duration.seconds(20) }], preStopDelay: Duration.seconds(10) }],
    }));
    const d = find(objects, 'Deployment', 'a');
    expect(container(d).lifecycle.preStop.sleep.seconds).toBe(10);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(10 + 20 + 5);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});
