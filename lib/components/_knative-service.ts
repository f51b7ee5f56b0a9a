import * as knative from '../../imports/knative-serving.knative.dev';
import { revisionTemplateAnnotations } from '../scaling/_knative-annotations';
import { renderSecurityContext } from './_pod-security';
import { ResolvedComponent, ResolvedContainer, ResolvedResources, ResolvedSecurityContext } from './_resolved';

/** The revision a Knative Service's template creates, and how the Service routes traffic. @internal */
export interface KnativeRevisionRouting {
  /** `spec.template.metadata.name`: the revision's name, chosen in code. */
  readonly revisionName: string;
  readonly traffic: knative.ServiceSpecTraffic[];
}

/**
 * Renders a resolved component as a Knative Service (props for the generated L1). Pure: the same
 * resolved component and routing always give the same object. Without routing, the template is unnamed
 * and all traffic goes to the latest ready revision: the form the revision name's hash is computed from.
 * @internal
 */
export function renderKnativeService(component: ResolvedComponent, routing?: KnativeRevisionRouting): knative.ServiceProps {
  return {
    metadata: {
      name: component.serviceName,
      namespace: component.namespace,
      labels: component.labels,
    },
    spec: {
      template: {
        metadata: {
          name: routing?.revisionName,
          labels: component.templateLabels,
          annotations: revisionTemplateAnnotations(component.scaling, component.annotations),
        },
        spec: {
          containerConcurrency: component.scaling.containerConcurrency,
          timeoutSeconds: component.scaling.timeoutSeconds,
          responseStartTimeoutSeconds: component.scaling.timeoutSeconds,
          serviceAccountName: component.serviceAccountName,
          // Model servers do not talk to the Kubernetes API; no token unless podSecurity asks for one.
          automountServiceAccountToken: component.automountServiceAccountToken,
          enableServiceLinks: false,
          initContainers: component.initContainers.length > 0 ? component.initContainers.map(c => renderInitContainer(c, component.initSecurityContext)) : undefined,
          containers: [renderContainer(component.container, component.securityContext)],
          volumes: component.volumes.map(volume => ({
            name: volume.name,
            emptyDir: volume.emptyDir,
            persistentVolumeClaim: volume.persistentVolumeClaim,
            secret: volume.secret,
            configMap: volume.configMap,
          })),
          // Each needs its Knative feature flag; the resolver has recorded the warning.
          nodeSelector: component.scheduling.nodeSelector,
          tolerations: component.scheduling.tolerations.length > 0 ? component.scheduling.tolerations : undefined,
          affinity: component.scheduling.affinity,
        },
      },
      // Everything to the latest ready revision until a rollout says otherwise.
      traffic: routing?.traffic ?? [{ latestRevision: true, percent: 100 }],
    },
  };
}


function renderContainer(container: ResolvedContainer, security: ResolvedSecurityContext): knative.ServiceSpecTemplateSpecContainers {
  return {
    name: container.name,
    image: container.image,
    command: container.command,
    args: container.args.length > 0 ? container.args : undefined,
    env: container.env.length > 0 ? container.env.map(e => ({ name: e.name, value: e.value, valueFrom: e.valueFrom as knative.ServiceSpecTemplateSpecContainersEnvValueFrom | undefined })) : undefined,
    ports: container.port ? [{ name: container.port.name, containerPort: container.port.containerPort, protocol: 'TCP' }] : undefined,
    resources: renderResources(container.resources),
    // Knative's queue-proxy runs this probe against the container's port.
    readinessProbe: container.readinessPath ? { httpGet: { path: container.readinessPath } } : undefined,
    securityContext: renderSecurityContext(security),
    volumeMounts: container.volumeMounts.length > 0 ? container.volumeMounts : undefined,
  };
}

/** Init containers are opaque (`any`) in Knative's schema, so they are written as plain Kubernetes containers. */
function renderInitContainer(container: ResolvedContainer, security: ResolvedSecurityContext): Record<string, unknown> {
  return JSON.parse(JSON.stringify({
    name: container.name,
    image: container.image,
    args: container.args,
    env: container.env.length > 0 ? container.env : undefined,
    resources: container.resources,
    securityContext: renderSecurityContext(security),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: container.volumeMounts,
  }));
}

function renderResources(resources: ResolvedResources): knative.ServiceSpecTemplateSpecContainersResources {
  const limits: { [name: string]: knative.ServiceSpecTemplateSpecContainersResourcesLimits } = {};
  const requests: { [name: string]: knative.ServiceSpecTemplateSpecContainersResourcesRequests } = {};
  for (const [name, value] of Object.entries(resources.limits)) limits[name] = knative.ServiceSpecTemplateSpecContainersResourcesLimits.fromString(value);
  for (const [name, value] of Object.entries(resources.requests)) requests[name] = knative.ServiceSpecTemplateSpecContainersResourcesRequests.fromString(value);
  return { limits, requests };
}
