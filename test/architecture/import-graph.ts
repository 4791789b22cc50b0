/**
 * The import graph of src/: every relative `import`/`export … from` (type-only imports too, since a circle of
 * types is a circle of design), and its strongly connected components (the library's own Tarjan, which the
 * negative control in imports.test.ts exercises too).
 */
import * as fs from 'fs';
import * as path from 'path';
import { stronglyConnected } from '../../src/model/mesh-model';

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
  return stronglyConnected([...graph.keys()].sort(), (node) => graph.get(node) ?? [])
    .filter((component) => component.length > 1 || (graph.get(component[0]) ?? []).includes(component[0]))
    .map((component) => component.sort());
}
