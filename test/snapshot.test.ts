/** Snapshots of every example, for reviewing diffs; the behaviour itself is pinned by the targeted tests. */
import { ApiObject, App, IResolver, Lazy, ResolutionContext } from 'cdk8s';
import { buildApp as buildFull } from '../examples/full/main';
import { buildApp as buildHa } from '../examples/ha/main';
import { buildApp as buildLinkerd } from '../examples/linkerd/main';
import { buildApp as buildMinimal } from '../examples/minimal/main';
import { buildDefaultApp } from '../src/main';
import { toYamlDocuments } from '../src';
import { synthApp } from './util/synth';

const apps: Record<string, () => App> = { default: buildDefaultApp, minimal: buildMinimal, full: buildFull, linkerd: buildLinkerd, ha: buildHa };

for (const [name, build] of Object.entries(apps)) {
  test(`${name} example`, () => {
    expect(toYamlDocuments(synthApp(build()))).toMatchSnapshot();
  });

  test(`${name}: every object renders exactly as cdk8s's own ApiObject.toJson() would`, () => {
    const app = build();
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(object.toJson()).toEqual(ApiObject.prototype.toJson.call(object));
      // Same key order too: the YAML bytes depend on it.
      expect(JSON.stringify(object.toJson())).toBe(JSON.stringify(ApiObject.prototype.toJson.call(object)));
    }
  });
}

describe('the fast serialization path', () => {
  const render = (app: App) => app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);

  test('metadata a user or cdk8s adds (labels, annotations, finalizers, owner references, empty maps, Lazy values) renders as cdk8s renders it', () => {
    const app = buildMinimal();
    const objects = render(app);
    objects[0].metadata.addAnnotation('example.com/note', 'a');
    objects[0].metadata.addFinalizers('example.com/keep');
    objects[1].metadata.addLabel('team', 'travel');
    objects[1].metadata.addOwnerReference({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1' });
    objects[2].metadata.add('generateName', 'x-');
    objects[3].metadata.addAnnotation('example.com/lazy', Lazy.any({ produce: () => 'produced' }) as unknown as string);
    objects[4].metadata.addAnnotation('example.com/empty', '');
    objects[4].metadata.addLabel('example.com/unset', undefined as unknown as string);
    objects[5].metadata.addAnnotation('example.com/unset', null as unknown as string);
    objects[5].metadata.addLabel('a-first', 'sorted before the others');
    objects[6].metadata.addLabel('example.com/count', 3 as unknown as string);
    for (const object of objects.slice(0, 7)) {
      expect(JSON.stringify(object.toJson())).toBe(JSON.stringify(ApiObject.prototype.toJson.call(object)));
    }
    expect(objects[3].toJson().metadata.annotations['example.com/lazy']).toBe('produced');
  });

  test('an app with resolvers of its own gets cdk8s\'s path, so its resolvers see every value', () => {
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (context.value === 'mcp-mesh') context.replaceValue('MCP-MESH');
      }
    }
    const app = buildMinimal(new App({ resolvers: [new Upper()] }));
    const objects = render(app);
    expect(JSON.stringify(objects.map((o) => o.toJson()))).toContain('"MCP-MESH"');
    for (const object of objects) expect(JSON.stringify(object.toJson())).toBe(JSON.stringify(ApiObject.prototype.toJson.call(object)));
  });
});
