import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { AgentRuntime, McpMesh, McpPolicyCheck, PolicyRule, SecretValue, writeManifests } from '../src';
import { synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

/** A chart holding a mesh plus an object of the user's, checked as a whole. */
function check(extra: (chart: Chart) => void, suppressions: ConstructorParameters<typeof McpPolicyCheck>[2] = {}) {
  return () => synth((chart) => {
    new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'a' }], policyCheck: false });
    extra(chart);
    new McpPolicyCheck(chart, 'Check', suppressions);
  });
}

const badPod = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'legacy', namespace: 'mcp-mesh' },
  spec: {
    selector: { matchLabels: { app: 'legacy' } },
    template: {
      metadata: { labels: { app: 'legacy' } },
      spec: {
        hostNetwork: true,
        volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }],
        containers: [{
          name: 'main', image: 'nginx:latest', securityContext: { privileged: true },
          env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'UPSTREAM', value: 'https://admin:s3cr3t@db.example.com' }],
          ports: [{ containerPort: 80, hostPort: 80 }],
        }],
      },
    },
  },
};

describe('McpPolicyCheck', () => {
  test('the mesh passes with no suppression: every default object is compliant', () => {
    expect(check(() => undefined)).not.toThrow();
  });

  test('fails on each problem, naming the object and the fix', () => {
    let message = '';
    try {
      check((chart) => new ApiObject(chart, 'legacy', badPod))();
    } catch (e) {
      message = (e as Error).message;
    }
    for (const expected of [
      '[host-access] Deployment/legacy: uses a host namespace. Fix: remove hostNetwork, hostPID and hostIPC',
      '[host-access] Deployment/legacy: mounts the host path /var/run/docker.sock',
      '[privileged] Deployment/legacy: container "main" is privileged or adds capabilities',
      '[privileged] Deployment/legacy: container "main" may escalate privileges. Fix: set securityContext.allowPrivilegeEscalation: false',
      '[run-as-root] Deployment/legacy: container "main" may run as root',
      '[host-access] Deployment/legacy: container "main" binds a host port',
      '[unpinned-image] Deployment/legacy: container "main" runs "nginx:latest", which is not pinned',
      '[resources] Deployment/legacy: container "main" lacks a CPU request, a memory request or a memory limit',
      '[secret-literal] Deployment/legacy: container "main" sets DB_PASSWORD to a literal that looks secret',
      '[secret-literal] Deployment/legacy: container "main" sets UPSTREAM to a literal that looks secret',
      '[probes] Deployment/legacy: container "main" lacks a readiness or a liveness probe',
      '[network-policy] Deployment/legacy: its pods are not isolated by a NetworkPolicy for both ingress and egress',
    ]) {
      expect(message).toContain(expected);
    }
  });

  test('finds secrets in ConfigMaps, annotations and Secret objects', () => {
    expect(check((chart) => new ApiObject(chart, 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', annotations: { note: 'key sk-ant-abcdefghijklmnopqrstuvwxyz012345' } },
      data: { api_token: 'x', 'config.yaml': 'ok: true\n' },
    }))).toThrow(/\[secret-literal\] ConfigMap\/settings: annotation "note" holds a credential[\s\S]*\[secret-literal\] ConfigMap\/settings: data key "api_token" holds a secret/);
    expect(check((chart) => new ApiObject(chart, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { a: 'b' } })))
      .toThrow(/\[secret-literal\] Secret\/creds: carries its values in the synthesized YAML/);
  });

  test('accepts a finding only through a suppression with a reason, and flags suppressions that match nothing', () => {
    const secret = (chart: Chart) => new ApiObject(chart, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { a: 'b' } });
    expect(check(secret, { suppressions: [{ rule: PolicyRule.SECRET_LITERAL, object: 'Secret/creds', reason: 'throwaway dev cluster credentials' }] })).not.toThrow();
    expect(check(secret, { suppressions: [{ rule: PolicyRule.SECRET_LITERAL, object: 'Secret/creds', reason: 'ok' }] }))
      .toThrow(/suppressions\[0\]\.reason: "ok" does not say why the finding is acceptable/);
    expect(check(() => undefined, { suppressions: [{ rule: PolicyRule.PROBES, object: 'Deployment/gone', reason: 'a job without probes once lived here' }] }))
      .toThrow(/\[probes\] suppression for Deployment\/gone matched no finding\. Fix: remove it/);
  });

  test('an agent that allows plain-text secrets gets its Secret accepted by name, and only that', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      agents: [{ runtime: rt, name: 'dev', allowPlainTextSecrets: true, secretEnv: [{ name: 'OPENAI_API_KEY', value: SecretValue.unsafePlainText('sk-test') }] }],
    }))).not.toThrow();
  });
});

describe('writeManifests checks what it writes, as app.synth() does', () => {
  const ways = {
    'writeManifests': (app: App) => writeManifests(app),
    'app.synth()': (app: App) => app.synth(),
  };
  const build = (edit: (configMap: ApiObject) => void) => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')) });
    const mesh = new McpMesh(new Chart(app, 'c'), 'Mesh', { agents: [{ runtime: rt, name: 'a' }] });
    edit(mesh.agents[0].configMap);
    return app;
  };
  const githubToken = `ghp_${'a'.repeat(36)}`;
  const awsKey = 'AKIAABCDEFGHIJKLMNOP';

  for (const [way, write] of Object.entries(ways)) {
    test(`${way}: a credential in a Lazy annotation a user added is found`, () => {
      const app = build((cm) => cm.metadata.addAnnotation('example.com/token', Lazy.any({ produce: () => githubToken }) as unknown as string));
      expect(() => write(app)).toThrow(/\[secret-literal\] ConfigMap\/a-config: annotation "example.com\/token" holds a credential/);
    });

    test(`${way}: findings come in the order the annotations are written, whatever order they were added in`, () => {
      const app = build((cm) => {
        cm.metadata.addAnnotation('zz', githubToken);
        cm.metadata.addAnnotation('aa', awsKey);
      });
      let message = '';
      try {
        write(app);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message.indexOf('annotation "aa"')).toBeGreaterThan(-1);
      expect(message.indexOf('annotation "aa"')).toBeLessThan(message.indexOf('annotation "zz"'));
    });
  }
});
