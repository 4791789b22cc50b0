import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh } from '../src';
import { meshDiagram } from '../src/synth/mesh-diagram';
import { defaultMeshDiagram } from '../src/main';

test('the README shows the default mesh exactly as the synth draws it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const generated = defaultMeshDiagram();
  const block = generated.slice(generated.indexOf('```mermaid'));
  expect(readme).toContain(block);
});

test('the diagram has every agent, every dependency edge and every registration', () => {
  const rt = AgentRuntime.python({ image: 'ghcr.io/example/a:1.0.0', script: 'a.py' });
  const mesh = new McpMesh(new Chart(new App({ outdir: '/nonexistent' }), 'c'), 'Mesh', {
    agents: [
      { runtime: rt, name: 'a', capabilities: [{ name: 'x' }] },
      { runtime: rt, name: 'b-2', capabilities: [{ name: 'x' }] },
      { runtime: rt, name: 'c', dependsOn: ['x'] },
    ],
  });
  const text = meshDiagram(mesh.model);
  expect(text.startsWith('flowchart LR\n')).toBe(true);
  expect(text).toContain('agent_c -- x --> agent_a');
  expect(text).toContain('agent_c -- x --> agent_b_2');
  expect(text.match(/-\. registers \.->/g)).toHaveLength(3);
  // Every node used in an edge is declared.
  const declared = new Set([...text.matchAll(/^ {2}(\w+)[[(]/gm)].map((m) => m[1]));
  for (const m of text.matchAll(/^ {2}(\w+) (?:--|-\.)[^>]*> (\w+)$/gm)) {
    expect(declared.has(m[1]) && declared.has(m[2])).toBe(true);
  }
});
