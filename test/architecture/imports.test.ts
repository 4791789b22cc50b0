import * as path from 'path';
import * as fs from 'fs';
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

describe('the resolve step (src/resolve/)', () => {
  const graph = importGraph(SRC);
  /** Files that define or create constructs: rendering. */
  const renders = (file: string) => /\bextends (Construct|ApiObject|Chart|MeshObject)\b|\bnew (MeshObject|ApiObject)\(/.test(fs.readFileSync(path.join(SRC, file), 'utf8'));
  const reached = (from: string[]): Set<string> => {
    const seen = new Set<string>();
    const queue = [...from];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...(graph.get(file) ?? []));
    }
    return seen;
  };

  test('imports no module that renders, however indirectly: it is pure, and constructs render what it returns', () => {
    const resolveFiles = [...graph.keys()].filter((f) => f.startsWith(`resolve${path.sep}`));
    expect(resolveFiles.length).toBeGreaterThan(5);
    expect([...reached(resolveFiles)].filter(renders).sort()).toEqual([]);
  });

  test('the rendering detector finds the constructs (negative control)', () => {
    expect(renders(path.join('agent', 'mcp-agent.ts'))).toBe(true);
    expect(renders(path.join('k8s', 'mesh-object.ts'))).toBe(true);
    expect(renders(path.join('model', 'errors.ts'))).toBe(false);
  });
});
