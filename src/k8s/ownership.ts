/**
 * Which part of a mesh each rendered object belongs to: the mesh as a whole, its registry (with its database),
 * or one agent. Recorded by the code that renders the object, which knows, so that outputs split by part
 * (the Helm export's registry and agents charts) read it instead of guessing from labels and names.
 */
import { IConstruct } from 'constructs';

export type MeshPart = 'mesh' | 'registry' | 'agent';

export interface ObjectOwner {
  readonly part: MeshPart;
  /** The agent, when `part` is "agent". */
  readonly agent?: string;
}

export const MESH_OWNER: ObjectOwner = Object.freeze({ part: 'mesh' });
export const REGISTRY_OWNER: ObjectOwner = Object.freeze({ part: 'registry' });

export function agentOwner(agent: string): ObjectOwner {
  return Object.freeze({ part: 'agent', agent });
}

const OWNERS = new WeakMap<IConstruct, ObjectOwner>();

/** Marks a construct (and everything below it that is not marked otherwise) as the owner's. Returns the construct. */
export function ownedBy<T extends IConstruct>(construct: T, owner: ObjectOwner): T {
  OWNERS.set(construct, owner);
  return construct;
}

/** The owner of a construct: its own mark, or the nearest marked scope above it. Undefined outside any mesh. */
export function ownerOf(construct: IConstruct): ObjectOwner | undefined {
  for (let c: IConstruct | undefined = construct; c !== undefined; c = c.node.scope) {
    const owner = OWNERS.get(c);
    if (owner !== undefined) return owner;
  }
  return undefined;
}
