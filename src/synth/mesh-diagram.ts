import { MeshModel } from '../model/mesh-model';

/** Mermaid ids: letters, digits and underscores. */
function id(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The mesh as a Mermaid flowchart: the registry, each agent with the capabilities it provides, the
 * dependency edges (caller to provider, labelled with the capability), and the registrations every agent
 * makes. These are also exactly the flows the NetworkPolicies allow between mesh pods (besides DNS).
 */
export function meshDiagram(model: MeshModel): string {
  const lines = ['flowchart LR'];
  const registry = id('registry', model.registry.name);
  lines.push(`  ${registry}[("registry<br/>${model.registry.name}:${model.registry.port}")]`);
  for (const agent of model.agents) {
    const caps = agent.capabilities.map((c) => `${c.name} ${c.version}`).join('<br/>');
    lines.push(`  ${id('agent', agent.name)}["${agent.name}${caps ? `<br/><small>${caps}</small>` : ''}"]`);
  }
  for (const agent of model.agents) lines.push(`  ${id('agent', agent.name)} -. registers .-> ${registry}`);
  for (const edge of model.edges) lines.push(`  ${id('agent', edge.from)} -- ${edge.capability} --> ${id('agent', edge.to)}`);
  return `${lines.join('\n')}\n`;
}

/** A Markdown page with the diagram, as code hosts render it. */
export function meshDiagramMarkdown(title: string, model: MeshModel): string {
  return `# ${title}\n\nSolid arrows: calls between agents, labelled with the capability (the NetworkPolicies allow exactly these\nbetween agents, on the provider's HTTP port). Dotted arrows: registration and heartbeats to the registry.\n\n\`\`\`mermaid\n${meshDiagram(model)}\`\`\`\n`;
}
