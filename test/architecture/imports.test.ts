import * as path from 'path';
import { importCircles, importGraph } from './import-graph';

const SRC = path.join(__dirname, '..', '..', 'src');

describe('the import graph of src/', () => {
  test('has no circles', () => {
    expect(importCircles(importGraph(SRC))).toEqual([]);
  });

  test('the circle finder finds a circle (negative control)', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']], ['e.ts', ['e.ts']]]);
    expect(importCircles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  });
});
