/** Snapshots of every example, for reviewing diffs; the behaviour itself is pinned by the targeted tests. */
import { ApiObject, App } from 'cdk8s';
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
