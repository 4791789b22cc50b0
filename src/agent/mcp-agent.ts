import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { capabilityLabels, imageVersion, objectLabels, selectorLabels } from '../k8s/labels';
import { resolveNamespace } from '../k8s/naming';
import {
  httpProbe, preStopSleep, restrictedContainerSecurityContext, restrictedPodSecurityContext, spreadAcross, tmpMount, tmpVolume,
} from '../k8s/pod';
import { agentOwner, ownedBy } from '../k8s/ownership';
import { podTemplateMetadata } from '../k8s/service-mesh';
import { AgentModel, ExposureModel } from '../model/mesh-model';
import { AGENT_CONFIG_DIR, AGENT_CONFIG_FILE } from '../model/runtime';
import { resolvedOrThrow } from '../resolve/problems';
import { CONFIG_CHECKSUM_ANNOTATION, RESOLVED_AGENT, resolveAgent } from '../resolve/resolve-agent';
import { McpAgentProps } from './agent-props';
import { SOURCE_DIR } from './agent-runtime';

export * from './agent-props';

/**
 * One MCP Mesh agent: a Deployment, a ClusterIP Service (and optionally a headless one), a ConfigMap with its
 * agent-config.yaml and a ServiceAccount, wired to the registry with the env the runtime reads. Its props are
 * resolved and checked first, every problem of the agent at once; the construct renders the result.
 */
export class McpAgent extends Construct {
  public readonly name: string;
  public readonly namespace?: string;
  /** The agent as the mesh model sees it. */
  public readonly model: AgentModel;
  /** The Deployment (id `Resource`). */
  public readonly deployment: ApiObject;
  public readonly service: ApiObject;
  public readonly configMap: ApiObject;
  public readonly headlessService?: ApiObject;
  /** The Secret holding `SecretValue.unsafePlainText` values, when the agent allowed them. */
  public readonly plainTextSecret?: ApiObject;

  constructor(scope: Construct, id: string, props: McpAgentProps) {
    super(scope, id);
    const agent = RESOLVED_AGENT.take(props) ?? resolvedOrThrow((problems) => resolveAgent(props, {
      defaultName: id,
      namespace: resolveNamespace(this, `agents.${props?.name ?? id}.namespace`, props?.namespace),
    }, problems));
    const { model, runtime, placement } = agent;
    const { name, namespace, port, replicas } = model;
    this.name = name;
    this.namespace = namespace;
    this.model = model;
    ownedBy(this, agentOwner(name));

    const labels = objectLabels('agent', name, agent.instance, imageVersion(runtime.image));
    const selector = selectorLabels('agent', name, agent.instance);
    const metadata = (objectName: string) => ({ labels, name: objectName, namespace });
    const servicePorts = [{ appProtocol: agent.tls !== undefined ? 'https' : 'http', name: 'http', port, protocol: 'TCP', targetPort: 'http' }];
    // Under the runtime's TLS every handshake wants a client certificate, which the kubelet cannot present.
    const probe = agent.tls !== undefined ? 'tcp' : 'http';
    if (agent.tls !== undefined) {
      new MeshObject(this, 'Certificate', {
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: metadata(agent.tls.secretName), spec: agent.tls.certificateSpec,
      });
    }

    new MeshObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: placement.serviceAccountAnnotations !== undefined ? { ...metadata(name), annotations: placement.serviceAccountAnnotations } : metadata(name),
      automountServiceAccountToken: false,
    });
    this.service = new MeshObject(this, 'Service', {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(name), spec: { ports: servicePorts, selector, type: 'ClusterIP' },
    });
    if (agent.headlessService) {
      this.headlessService = new MeshObject(this, 'HeadlessService', {
        apiVersion: 'v1', kind: 'Service', metadata: metadata(`${name}-pods`), spec: { clusterIP: 'None', ports: servicePorts, selector },
      });
    }

    const configName = `${name}-config`;
    this.configMap = new MeshObject(this, 'ConfigMap', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(configName), data: { [AGENT_CONFIG_FILE]: agent.configText },
    });

    const volumes: Record<string, unknown>[] = [{ configMap: { name: configName }, name: 'config' }, tmpVolume('256Mi'), ...(agent.tls?.volumes ?? [])];
    const volumeMounts: Record<string, unknown>[] = [{ mountPath: AGENT_CONFIG_DIR, name: 'config', readOnly: true }, tmpMount(), ...(agent.tls?.volumeMounts ?? [])];
    let checksumInput = agent.configText;
    if (runtime.sourceFiles !== undefined) {
      const codeName = `${name}-code`;
      new MeshObject(this, 'SourceConfigMap', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(codeName), data: runtime.sourceFiles,
      });
      volumes.push({ configMap: { name: codeName }, name: 'source' });
      volumeMounts.push({ mountPath: SOURCE_DIR, name: 'source', readOnly: true });
      checksumInput += Object.entries(runtime.sourceFiles).map(([file, text]) => `\0${file}\0${text}`).join('');
    }
    if (agent.plainTextSecret !== undefined) {
      this.plainTextSecret = new MeshObject(this, 'Secret', {
        apiVersion: 'v1', kind: 'Secret', metadata: metadata(agent.plainTextSecret.name), stringData: agent.plainTextSecret.data, type: 'Opaque',
      });
    }

    const container: Record<string, unknown> = {
      ...(runtime.command !== undefined ? { command: runtime.command } : {}),
      ...(runtime.args !== undefined ? { args: runtime.args } : {}),
      env: agent.env,
      image: runtime.image,
      imagePullPolicy: 'IfNotPresent',
      lifecycle: preStopSleep(agent.preStopSeconds),
      livenessProbe: httpProbe(runtime.probes.liveness, 'http', { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }, probe),
      name: 'agent',
      ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }],
      readinessProbe: httpProbe(runtime.probes.readiness, 'http', { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }, probe),
      resources: agent.resources,
      securityContext: restrictedContainerSecurityContext(),
      startupProbe: httpProbe(runtime.probes.startup, 'http', { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 }, probe),
      volumeMounts,
    };

    if (model.exposure !== undefined) this.renderExposure(model.exposure, metadata(name), port);

    const autoscaling = agent.autoscaling;
    if (autoscaling !== undefined) {
      new MeshObject(this, 'HorizontalPodAutoscaler', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: metadata(name),
        spec: {
          maxReplicas: autoscaling.maxReplicas,
          metrics: [{ resource: { name: 'cpu', target: { averageUtilization: autoscaling.targetCpuUtilization, type: 'Utilization' } }, type: 'Resource' }],
          minReplicas: autoscaling.minReplicas,
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        },
      });
    }
    if (replicas > 1) {
      new MeshObject(this, 'PodDisruptionBudget', {
        apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: metadata(name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      });
    }

    this.deployment = new MeshObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(name),
      spec: {
        // With an autoscaler, a replica count here would fight it on every apply.
        ...(autoscaling === undefined ? { replicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // Never go below the available replicas during a rollout: a new pod must be ready before an old one stops.
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' },
        template: {
          // Pods roll when the config or the shipped code changes, not only when the image does.
          metadata: podTemplateMetadata({ ...labels, ...capabilityLabels(model.capabilities.map((c) => c.name), model.dependsOn) }, agent.podMetadata, {
            [CONFIG_CHECKSUM_ANNOTATION]: createHash('sha256').update(checksumInput).digest('hex'),
            ...placement.podAnnotations,
          }),
          spec: {
            automountServiceAccountToken: false,
            containers: [container],
            enableServiceLinks: false,
            ...(placement.nodeSelector !== undefined ? { nodeSelector: placement.nodeSelector } : {}),
            securityContext: restrictedPodSecurityContext({ user: runtime.user, group: runtime.group }),
            serviceAccountName: name,
            terminationGracePeriodSeconds: agent.preStopSeconds + agent.drainSeconds + 5,
            ...(placement.tolerations !== undefined ? { tolerations: placement.tolerations } : {}),
            ...(replicas > 1 ? spreadAcross(selector, false) : {}),
            volumes,
          },
        },
      },
    });
  }

  /**
   * The Ingress or HTTPRoute in front of the agent's ClusterIP Service, timed for its longest call. MCP's
   * streamable HTTP answers with server-sent events, so ingress-nginx also gets response buffering off.
   */
  private renderExposure(e: ExposureModel, metadata: { labels: Record<string, string>; name: string; namespace?: string }, port: number): void {
    const timeout = String(e.timeoutSeconds);
    if (e.ingressClassName !== undefined) {
      new MeshObject(this, 'Ingress', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          ...metadata,
          annotations: {
            'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
            'nginx.ingress.kubernetes.io/proxy-read-timeout': timeout,
            'nginx.ingress.kubernetes.io/proxy-send-timeout': timeout,
          },
        },
        spec: {
          ingressClassName: e.ingressClassName,
          rules: [{
            host: e.host,
            http: { paths: [{ backend: { service: { name: metadata.name, port: { name: 'http' } } }, path: e.path, pathType: 'Prefix' }] },
          }],
          ...(e.tlsSecretName !== undefined ? { tls: [{ hosts: [e.host], secretName: e.tlsSecretName }] } : {}),
        },
      });
    } else if (e.gateway !== undefined) {
      new MeshObject(this, 'HTTPRoute', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata,
        spec: {
          hostnames: [e.host],
          parentRefs: [{
            group: 'gateway.networking.k8s.io', kind: 'Gateway', name: e.gateway.name,
            ...(e.gateway.namespace !== undefined ? { namespace: e.gateway.namespace } : {}),
            ...(e.gateway.sectionName !== undefined ? { sectionName: e.gateway.sectionName } : {}),
          }],
          rules: [{
            backendRefs: [{ name: metadata.name, port }],
            matches: [{ path: { type: 'PathPrefix', value: e.path } }],
            timeouts: { backendRequest: `${timeout}s`, request: `${timeout}s` },
          }],
        },
      });
    }
  }
}
