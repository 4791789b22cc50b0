import { Duration } from 'cdk8s';
import { AgentRuntime, ExternalSecretsOptions, McpMesh, McpMeshProps, RegistryStorage, SecretStoreKind, SecretValue } from '../src';
import { find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
const llmKeys = (keys: string[]): ExternalSecretsOptions => ({
  storeName: 'vault',
  secrets: [{ secretName: 'llm-keys', data: keys.map((key) => ({ key, remoteKey: `prod/llm/${key}` })) }],
});
const agentReading = (name: string, key: string) => ({
  runtime: rt, name, secretEnv: [{ name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm-keys', key) }],
});
const mesh = (props: McpMeshProps) => synth((chart) => new McpMesh(chart, 'Mesh', props));

describe('McpExternalSecrets', () => {
  test('renders one ExternalSecret per delivered Secret, owned by the operator, with the defaults of external-secrets.io/v1', () => {
    const objects = mesh({
      namespace: 'travel',
      agents: [agentReading('weather', 'anthropic')],
      externalSecrets: {
        storeName: 'vault',
        secrets: [
          { secretName: 'llm-keys', data: [{ key: 'anthropic', remoteKey: 'prod/llm', property: 'anthropic', version: '3' }] },
          { secretName: 'registry-db', data: [{ key: 'url', remoteKey: 'prod/registry-db-url' }] },
        ],
      },
    });
    expect(find(objects, 'ExternalSecret', 'llm-keys')).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        labels: {
          'app.kubernetes.io/component': 'secrets', 'app.kubernetes.io/instance': 'mcp-mesh',
          'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh',
        },
        name: 'llm-keys',
        namespace: 'travel',
      },
      spec: {
        data: [{ remoteRef: { key: 'prod/llm', property: 'anthropic', version: '3' }, secretKey: 'anthropic' }],
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { creationPolicy: 'Owner', name: 'llm-keys' },
      },
    });
    expect(find(objects, 'ExternalSecret', 'registry-db').spec.data).toEqual([{ remoteRef: { key: 'prod/registry-db-url' }, secretKey: 'url' }]);
    // Nothing secret is in the output: the agent still references the Secret by name.
    expect(JSON.stringify(objects)).not.toMatch(/sk-|password/i);
  });

  test('store kind and refresh interval are passed through', () => {
    const es = find(mesh({
      externalSecrets: { ...llmKeys(['anthropic']), storeKind: SecretStoreKind.SECRET_STORE, refreshInterval: Duration.minutes(15) },
    }), 'ExternalSecret', 'llm-keys');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'vault' });
    expect(es.spec.refreshInterval).toBe('15m');
    const once = find(mesh({ externalSecrets: { ...llmKeys(['a']), refreshInterval: Duration.seconds(0) } }), 'ExternalSecret', 'llm-keys');
    expect(once.spec.refreshInterval).toBe('0s');
  });

  test('a key an agent reads from a delivered Secret but that is not delivered fails synth, naming agent, key and fix', () => {
    expect(() => mesh({ agents: [agentReading('weather', 'anthropic')], externalSecrets: llmKeys(['openai']) })).toThrow(
      'externalSecrets.secrets[0].data: ["openai"] does not deliver key "anthropic" of Secret "llm-keys", which Deployment/weather (env ANTHROPIC_API_KEY) reads '
      + '(its pods would not start). Fix: add { key: "anthropic", remoteKey: "<the value\'s key in the store>" }');
    // Agents added after the ExternalSecrets are checked too (the check runs at synth).
    expect(() => synth((chart) => {
      const m = new McpMesh(chart, 'Mesh', { externalSecrets: llmKeys(['openai']) });
      m.addAgent(agentReading('late', 'anthropic'));
    })).toThrow(/does not deliver key "anthropic" of Secret "llm-keys", which Deployment\/late/);
  });

  test('covers the registry\'s database credentials as well as agents', () => {
    const registry = { storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db' } }), replicas: 3 };
    expect(() => mesh({
      registry,
      externalSecrets: { storeName: 'vault', secrets: [{ secretName: 'registry-db', data: [{ key: 'username', remoteKey: 'db/user' }] }] },
    })).toThrow(/does not deliver key "password" of Secret "registry-db", which (StatefulSet|Deployment)\/[-a-z]+ \(env PGPASSWORD\) reads/);
    const ok = mesh({
      registry,
      externalSecrets: {
        storeName: 'vault',
        secrets: [{ secretName: 'registry-db', data: [{ key: 'username', remoteKey: 'db/user' }, { key: 'password', remoteKey: 'db/password' }] }],
      },
    });
    expect(find(ok, 'ExternalSecret', 'registry-db').spec.data).toHaveLength(2);
  });

  test('Secrets not delivered by the operator are not its business', () => {
    const objects = mesh({
      agents: [{ runtime: rt, name: 'weather', secretEnv: [{ name: 'TOKEN', value: SecretValue.fromSecretKey('other', 'token') }] }],
      externalSecrets: llmKeys(['anthropic']),
    });
    expect(objects.filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
  });

  test('a delivered Secret that the mesh also renders (plain-text secrets) is refused: two writers', () => {
    expect(() => mesh({
      agents: [{ runtime: rt, name: 'weather', allowPlainTextSecrets: true, secretEnv: [{ name: 'TOKEN', value: SecretValue.unsafePlainText('x') }] }],
      externalSecrets: { storeName: 'vault', secrets: [{ secretName: 'weather-secrets', data: [{ key: 'TOKEN', remoteKey: 'k' }] }] },
    })).toThrow(/externalSecrets\.secrets\[0\]\.secretName: "weather-secrets" is also a Secret the mesh renders itself/);
  });

  test.each<[string, ExternalSecretsOptions, RegExp]>([
    ['bad store name', { ...llmKeys(['a']), storeName: 'Vault_Store' }, /^externalSecrets\.storeName: "Vault_Store" is not a valid DNS-1123 subdomain/],
    ['bad store kind', { ...llmKeys(['a']), storeKind: 'Vault' as SecretStoreKind }, /^externalSecrets\.storeKind: "Vault" is not an allowed value\. Fix: use one of "SecretStore", "ClusterSecretStore"/],
    ['no secrets', { storeName: 'vault', secrets: [] }, /^externalSecrets\.secrets: \[\] lists no Secret/],
    ['bad secret name', { storeName: 'vault', secrets: [{ secretName: 'LLM', data: [{ key: 'a', remoteKey: 'b' }] }] }, /^externalSecrets\.secrets\[0\]\.secretName: "LLM"/],
    ['no data', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [] }] }, /^externalSecrets\.secrets\[0\]\.data: \[\] lists no key/],
    ['bad key', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'a/b', remoteKey: 'b' }] }] }, /^externalSecrets\.secrets\[0\]\.data\[0\]\.key: "a\/b" is not a valid Secret key/],
    ['duplicate key', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'a', remoteKey: 'b' }, { key: 'a', remoteKey: 'c' }] }] },
      /^externalSecrets\.secrets\[0\]\.data\[1\]\.key: "a" is listed twice/],
    ['empty remote key', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'a', remoteKey: ' ' }] }] },
      /^externalSecrets\.secrets\[0\]\.data\[0\]\.remoteKey: " " is empty\. Fix: give the value's key \(path\) in the external store/],
    ['empty property', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'a', remoteKey: 'b', property: '' }] }] },
      /^externalSecrets\.secrets\[0\]\.data\[0\]\.property: "" is empty/],
    ['duplicate secret', { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'a', remoteKey: 'b' }] }, { secretName: 'llm', data: [{ key: 'c', remoteKey: 'd' }] }] },
      /^externalSecrets\.secrets\[1\]\.secretName: "llm" is delivered twice \(also by secrets\[0\]\)/],
    ['refresh too long', { ...llmKeys(['a']), refreshInterval: Duration.days(30) }, /^externalSecrets\.refreshInterval: "2592000s" is not a whole number of seconds from 0 to 604800/],
  ])('%s is a synth error naming the field', (_, externalSecrets, error) => {
    expect(() => mesh({ externalSecrets })).toThrow(error);
  });
});
