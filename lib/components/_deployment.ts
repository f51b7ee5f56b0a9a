import { k8s } from 'cdk8s-plus-27';
import * as kserve from '../_kserve';
import { AutoscalerClass } from '../scaling/autoscaler';
import { renderSecurityContext } from './_pod-security';
import { ResolvedComponent, ResolvedContainer, ResolvedResources, ResolvedSecurityContext } from './_resolved';

/**
 * Raw deployment mode (KServe "Standard"): a resolved component as a Deployment and a ClusterIP
 * Service named `<isvc>-<component>`, selected by `app: isvc.<isvc>-<component>` as KServe does. Pure
 * functions from the resolved component to generated-L1 props.
 * @internal
 */

/** The selector label KServe gives raw-mode pods. */
export function rawSelector(component: ResolvedComponent): { [key: string]: string } {
  return { [kserve.LABEL_RAW_APP]: kserve.rawAppLabelValue(component.serviceName) };
}

export function renderDeployment(component: ResolvedComponent): k8s.KubeDeploymentProps {
  const selector = rawSelector(component);
  const scheduling = component.scheduling;
  return {
    metadata: {
      name: component.serviceName,
      namespace: component.namespace,
      labels: { ...component.labels, ...selector },
    },
    spec: {
      // The autoscaler owns the replica count; without one it is fixed (KServe's class `none`).
      replicas: component.scaling.autoscalerClass === AutoscalerClass.NONE ? component.scaling.minReplicas : undefined,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...component.templateLabels, ...selector },
          annotations: Object.keys(component.annotations).length > 0 ? component.annotations : undefined,
        },
        spec: {
          serviceAccountName: component.serviceAccountName,
          // Model servers do not talk to the Kubernetes API; no token unless podSecurity asks for one.
          automountServiceAccountToken: component.automountServiceAccountToken,
          enableServiceLinks: false,
          // Pod-level defaults matching the containers' (a Deployment may set them; Knative needs a flag).
          securityContext: {
            runAsNonRoot: component.securityContext.runAsNonRoot,
            seccompProfile: { type: component.securityContext.seccompProfile.type, localhostProfile: component.securityContext.seccompProfile.localhostProfile },
          },
          initContainers: component.initContainers.length > 0 ? component.initContainers.map(c => renderContainer(c, component.initSecurityContext)) : undefined,
          containers: [renderContainer(component.container, component.securityContext)],
          volumes: component.volumes.map(volume => ({
            name: volume.name,
            emptyDir: volume.emptyDir ? { medium: volume.emptyDir.medium, sizeLimit: volume.emptyDir.sizeLimit ? k8s.Quantity.fromString(volume.emptyDir.sizeLimit) : undefined } : undefined,
            persistentVolumeClaim: volume.persistentVolumeClaim,
            secret: volume.secret,
            configMap: volume.configMap,
          })),
          nodeSelector: scheduling.nodeSelector,
          tolerations: scheduling.tolerations.length > 0 ? scheduling.tolerations : undefined,
          affinity: scheduling.affinity,
        },
      },
    },
  };
}


function renderContainer(container: ResolvedContainer, security: ResolvedSecurityContext): k8s.Container {
  const port = container.port;
  return {
    name: container.name,
    image: container.image,
    command: container.command,
    args: container.args.length > 0 ? container.args : undefined,
    env: container.env.length > 0 ? container.env.map(e => ({ name: e.name, value: e.value, valueFrom: e.valueFrom as k8s.EnvVarSource | undefined })) : undefined,
    ports: port ? [{ name: port.name, containerPort: port.containerPort, protocol: 'TCP' }] : undefined,
    resources: renderResources(container.resources),
    // No queue-proxy here: the kubelet probes the container itself, so the port must be explicit.
    // Without an HTTP path, KServe's raw-mode default is a TCP probe on the port.
    readinessProbe: port === undefined ? undefined : container.readinessPath
      ? { httpGet: { path: container.readinessPath, port: k8s.IntOrString.fromNumber(port.containerPort) } }
      : { tcpSocket: { port: k8s.IntOrString.fromNumber(port.containerPort) } },
    securityContext: renderSecurityContext(security),
    terminationMessagePolicy: port === undefined ? 'FallbackToLogsOnError' : undefined,
    volumeMounts: container.volumeMounts.length > 0 ? container.volumeMounts : undefined,
  };
}

function renderResources(resources: ResolvedResources): k8s.ResourceRequirements {
  const quantities = (values: { [name: string]: string }) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, k8s.Quantity.fromString(value)]));
  return { limits: quantities(resources.limits), requests: quantities(resources.requests) };
}

/**
 * The component's Service: port 80 to the container port, as KServe's raw Services do. The port is
 * named `http` or `grpc` (with `appProtocol: kubernetes.io/h2c`) so Istio picks the right protocol.
 * A canary's tag Services (`latest-<component>`, …) are more Services with the same selector.
 */
export function renderRawService(component: ResolvedComponent, name: string = component.serviceName): k8s.KubeServiceProps {
  const port = component.container.port!;
  const grpc = port.name === 'h2c';
  return {
    metadata: { name, namespace: component.namespace, labels: component.labels },
    spec: {
      type: 'ClusterIP',
      selector: rawSelector(component),
      ports: [{
        name: grpc ? 'grpc' : 'http',
        port: kserve.RAW_SERVICE_PORT,
        targetPort: k8s.IntOrString.fromNumber(port.containerPort),
        protocol: 'TCP',
        appProtocol: grpc ? 'kubernetes.io/h2c' : undefined,
      }],
    },
  };
}
