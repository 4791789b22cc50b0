/** What one writeManifests synthesis shares with its checks: the tree walked once, the objects rendered once. */
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { buildApp as buildFull } from '../examples/full/main';
import { MeshObject, startCollecting, stopCollecting } from '../src/k8s/mesh-object';
import { constructsUnder, isWithin, objectData, withSynthesis } from '../src/k8s/synthesis';

describe('constructsUnder', () => {
  test('gives what findAll gives, for every scope of an app, inside a synthesis and outside', () => {
    const app = buildFull();
    const all = app.node.findAll();
    expect(all.length).toBeGreaterThan(50);
    const expected = all.map((scope) => scope.node.findAll());
    expect(all.map((scope) => constructsUnder(scope))).toEqual(expected);
    withSynthesis(new Map(), all, () => {
      all.forEach((scope, i) => expect(constructsUnder(scope)).toEqual(expected[i]));
    });
  });

  test('walks a scope that is not part of the synthesized app', () => {
    const app = buildFull();
    const other = new Chart(new App(), 'other');
    const object = new ApiObject(other, 'cm', { apiVersion: 'v1', kind: 'ConfigMap' });
    withSynthesis(new Map(), app.node.findAll(), () => {
      expect(constructsUnder(other)).toEqual([other, object]);
    });
  });

  test('isWithin is true for the scope itself and what is under it, false for siblings whose id extends it', () => {
    const app = new App();
    const a = new Construct(app, 'a');
    const ab = new Construct(app, 'ab');
    const child = new Construct(a, 'child');
    expect(isWithin(child, a)).toBe(true);
    expect(isWithin(a, a)).toBe(true);
    expect(isWithin(ab, a)).toBe(false);
    expect(isWithin(a, child)).toBe(false);
  });
});

test('objectData reads the JSON the synthesis rendered, and the object itself outside one', () => {
  const chart = new Chart(new App(), 'c');
  const object = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } });
  const rendered = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rendered' } };
  expect(withSynthesis(new Map([[object, rendered]]), chart.node.findAll(), () => objectData(object))).toBe(rendered);
  expect(objectData(object).data).toEqual({ a: 'b' });
});

test('startCollecting/stopCollecting give the MeshObjects made in between, and hand them on to an outer recording', () => {
  const chart = new Chart(new App(), 'c');
  const make = (id: string) => new MeshObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap' });
  make('before');
  const outer = startCollecting();
  const a = make('a');
  const inner = startCollecting();
  const b = make('b');
  expect(stopCollecting(inner)).toEqual([b]);
  const c = make('c');
  expect(stopCollecting(outer)).toEqual([a, b, c]);
  make('after');
  expect(stopCollecting(startCollecting())).toEqual([]);
});
