import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { requireDnsLabel } from '../model/validation';
import { podSecurityLabels, requireOwnableNamespace } from '../k8s/namespace';

export { POD_SECURITY_VERSION, SYSTEM_NAMESPACES, podSecurityLabels, requireOwnableNamespace } from '../k8s/namespace';

export interface McpNamespaceProps {
  /** The namespace's name: the mesh's `namespace`. */
  readonly name: string;
}

/**
 * The mesh's Namespace with the Pod Security labels its pods are written for ("restricted", pinned): the
 * bootstrap a platform team applies once, apart from the mesh, so that deleting or pruning the mesh's
 * manifests never deletes the Namespace (and everything else in it). `McpMesh({ createNamespace: true })`
 * renders the same object inside the mesh instead.
 */
export class McpNamespace extends Construct {
  /** The Namespace (id `Resource`). */
  public readonly namespace: ApiObject;

  constructor(scope: Construct, id: string, props: McpNamespaceProps) {
    super(scope, id);
    const name = requireOwnableNamespace('namespace', requireDnsLabel('namespace', props?.name));
    this.namespace = new MeshObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        labels: {
          'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh',
          'app.kubernetes.io/part-of': 'mcp-mesh',
          ...podSecurityLabels(),
        },
        name,
      },
    });
  }
}
