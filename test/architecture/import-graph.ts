/**
 * The import graph of src/: every relative `import`/`export … from` (type-only imports too, since a circle of
 * types is a circle of design), and its strongly connected components (Tarjan).
 */
import * as fs from 'fs';
import * as path from 'path';

export type ImportGraph = Map<string, string[]>;

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]/gm;

/** Files of `root` (recursively) with the relative modules each imports, as paths relative to `root`. */
export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const text = fs.readFileSync(full, 'utf8');
        const targets = new Set<string>();
        for (const match of text.matchAll(IMPORT)) {
          const spec = match[1] ?? match[2];
          const base = path.resolve(path.dirname(full), spec);
          const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
          if (resolved === undefined) throw new Error(`${path.relative(root, full)}: cannot resolve ${spec}`);
          targets.add(path.relative(root, resolved));
        }
        graph.set(path.relative(root, full), [...targets].sort());
      }
    }
  };
  walk(root);
  return graph;
}

/** The import circles: strongly connected components of more than one file, or a file importing itself. */
export function importCircles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return circles;
}
