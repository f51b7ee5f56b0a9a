import { ContainerResources, EnvValue } from 'cdk8s-plus-27';
import * as kserve from '../_kserve';
import { ValidationError, propError, quote } from '../_validation';
import { DeploymentMode } from '../deployment-mode';
import { RuntimeTracingOptions } from '../observability/runtime-tracing-options';
import { ProtocolVersion, isGrpc } from '../model/protocol-version';
import { RuntimeImage } from '../model/runtime-image';
import { Gpu } from '../resources/gpu';
import { knativeAutoscalingAnnotations } from '../scaling/_knative-annotations';
import { ResolvedScaling } from '../scaling/_resolve-scaling';
import { resolveScheduling } from '../scheduling/_resolve-scheduling';
import { KnativeFeatureFlag, featureFlagWarning } from '../warnings';
import { ComponentProps } from './component-props';
import { resolvePodSecurity } from './_pod-security';
import { ComponentKind, ResolvedComponent, ResolvedContainer, ResolvedEnvVar, ResolvedMetricsEndpoint, ResolvedResources, ResolvedVolume, ResolvedVolumeMount } from './_resolved';

export { resolveScaling } from '../scaling/_resolve-scaling';

/** Records that a component needs a Knative feature flag; raw deployment mode needs none. */
export function warnFeatureFlag(ctx: ComponentContext, what: string, flag: KnativeFeatureFlag): void {
  if (ctx.deploymentMode === DeploymentMode.KNATIVE) ctx.warn(featureFlagWarning(ctx.owner, what, flag));
}

/**
 * Shared steps that turn component props into resolved values. Each throws a `ValidationError` that
 * names the InferenceService, the prop path (e.g. `predictor.minReplicas`), the value and the fix.
 * @internal
 */

/** What a component needs to know about the InferenceService it belongs to. */
export interface ComponentContext {
  /** How messages name the InferenceService, e.g. `InferenceService 'iris'`. */
  readonly owner: string;
  readonly isvcName: string;
  readonly namespace: string;
  /** Labels given on the InferenceService, inherited by every component. */
  readonly labels: { [key: string]: string };
  /** Records a synth-time warning. */
  readonly warn: (message: string) => void;
  /** Knative Services, or Deployments with an autoscaler. */
  readonly deploymentMode: DeploymentMode;
  /** Pod-level wiring the InferenceService decides for every component. */
  readonly podWiring?: PodWiring;
  /** OpenTelemetry tracing inside kfs-runtime (`observability.runtimeTracing`). */
  readonly runtimeTracing?: RuntimeTracingOptions;
  /** The kfs-runtime image in effect (construct context, else the library's default). */
  readonly kfsRuntimeImage: RuntimeImage;
}

/** Pod-level wiring decided once per InferenceService: mesh membership and metrics scraping. */
export interface PodWiring {
  /** Ask Istio for a sidecar (`sidecar.istio.io/inject: "true"`). */
  readonly istioSidecar: boolean;
  /** Add Prometheus scrape annotations; absent: none. */
  readonly prometheus?: { readonly mergeWithIstio: boolean };
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Library-set variables first (so a user cannot silently shadow them), then the user's, sorted by name. */
export function resolveEnv(ctx: ComponentContext, kind: ComponentKind, env: { [name: string]: EnvValue } | undefined, fixed: ResolvedEnvVar[]): ResolvedEnvVar[] {
  const resolved: ResolvedEnvVar[] = [...fixed];
  for (const name of Object.keys(env ?? {}).sort()) {
    const prop = `${kind}.env`;
    if (!ENV_NAME.test(name)) {
      throw propError(ctx.owner, prop, name, 'is not a valid environment variable name', 'use letters, digits, "_", "-" and ".", not starting with a digit');
    }
    if (kserve.KNATIVE_RESERVED_ENV.includes(name)) {
      throw propError(ctx.owner, prop, name, 'is set by Knative itself and rejected on user containers', `rename the variable (reserved: ${kserve.KNATIVE_RESERVED_ENV.join(', ')})`);
    }
    if (fixed.some(f => f.name === name)) {
      throw propError(ctx.owner, prop, name, 'is set by cdk8s-kfserving', 'remove it; the library wires this variable itself');
    }
    const value = env![name];
    if (value.valueFrom === undefined && (kserve.CREDENTIAL_ENV.includes(name) || name.endsWith(kserve.ENV_HTTP_HEADERS_SUFFIX))) {
      // The value itself is never echoed: the message would otherwise leak what it refuses.
      throw new ValidationError(`${ctx.owner}: ${prop}.${name} is a credential given as a plain value, which would be written into the manifest in clear; `
        + 'reference a Kubernetes Secret instead (EnvValue.fromSecretValue, or StorageCredentials on the model\'s StorageUri)');
    }
    if (value.valueFrom !== undefined) {
      const valueFrom = JSON.parse(JSON.stringify(value.valueFrom)) as { [key: string]: unknown };
      if (valueFrom.fieldRef !== undefined || valueFrom.resourceFieldRef !== undefined) {
        warnFeatureFlag(ctx, `${prop}.${name} (a fieldRef/resourceFieldRef)`, KnativeFeatureFlag.FIELD_REF);
      }
      resolved.push({ name, valueFrom });
    } else {
      resolved.push({ name, value: value.value === undefined ? undefined : String(value.value) });
    }
  }
  return resolved;
}

const DEFAULT_CPU = '1';
const DEFAULT_MEMORY = '2Gi';

/** Requests and limits, with KServe's defaults for what the user left out and GPUs as request = limit. */
export function resolveResources(ctx: ComponentContext, kind: ComponentKind, resources: ContainerResources | undefined, gpu: Gpu | undefined): ResolvedResources {
  const requests: { [name: string]: string } = {};
  const limits: { [name: string]: string } = {};
  if (resources?.cpu === undefined) {
    requests.cpu = DEFAULT_CPU;
    limits.cpu = DEFAULT_CPU;
  } else {
    if (resources.cpu.request) requests.cpu = normalizeCpu(resources.cpu.request.amount);
    if (resources.cpu.limit) limits.cpu = normalizeCpu(resources.cpu.limit.amount);
  }
  if (resources?.memory === undefined) {
    requests.memory = DEFAULT_MEMORY;
    limits.memory = DEFAULT_MEMORY;
  } else {
    if (resources.memory.request) requests.memory = formatMebibytes(resources.memory.request.toMebibytes());
    if (resources.memory.limit) limits.memory = formatMebibytes(resources.memory.limit.toMebibytes());
  }
  if (resources?.ephemeralStorage?.request) requests['ephemeral-storage'] = formatMebibytes(resources.ephemeralStorage.request.toMebibytes());
  if (resources?.ephemeralStorage?.limit) limits['ephemeral-storage'] = formatMebibytes(resources.ephemeralStorage.limit.toMebibytes());

  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[name] !== undefined && limits[name] !== undefined && quantityValue(requests[name]) > quantityValue(limits[name])) {
      throw propError(ctx.owner, `${kind}.resources.${name === 'ephemeral-storage' ? 'ephemeralStorage' : name}.request`, requests[name],
        `is greater than the limit (${limits[name]})`, 'lower the request or raise the limit');
    }
  }
  if (gpu) {
    // Kubernetes requires request = limit for extended resources.
    requests[gpu.resourceName] = String(gpu.count);
    limits[gpu.resourceName] = String(gpu.count);
  }
  return { requests, limits };
}

/** Whole gibibytes read better as `8Gi` than `8192Mi`. */
function formatMebibytes(mebibytes: number): string {
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}

/** cdk8s-plus writes CPU as millicores; write whole cores as plain numbers, as people do. */
function normalizeCpu(amount: string): string {
  const millis = /^(\d+)m$/.exec(amount);
  if (millis && Number(millis[1]) % 1000 === 0) return String(Number(millis[1]) / 1000);
  return amount;
}

const QUANTITY_SUFFIX: { [suffix: string]: number } = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'Ki': 1024, 'Mi': 1024 ** 2, 'Gi': 1024 ** 3, 'Ti': 1024 ** 4,
};

/** A Kubernetes quantity as a plain number (bytes for memory, cores for CPU). */
export function quantityValue(quantity: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity);
  if (!match || QUANTITY_SUFFIX[match[2]] === undefined) {
    throw new ValidationError(`resource quantity ${quote(quantity)} is not understood; use forms like 500m, 1, 512Mi or 2Gi`);
  }
  return Number(match[1]) * QUANTITY_SUFFIX[match[2]];
}

/** The single port Knative routes to; gRPC needs the `h2c` name so Knative speaks HTTP/2 to it. */
export function resolvePort(ctx: ComponentContext, prop: string, port: number, protocol: ProtocolVersion): { name?: string; containerPort: number } {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw propError(ctx.owner, prop, port, 'is not a TCP port', 'use a whole number from 1 to 65535');
  }
  if (kserve.KNATIVE_RESERVED_PORTS.includes(port)) {
    throw propError(ctx.owner, prop, port, "conflicts with a port Knative's queue-proxy uses in every pod",
      `choose another port (reserved: ${kserve.KNATIVE_RESERVED_PORTS.join(', ')}), e.g. ${kserve.DEFAULT_HTTP_PORT}`);
  }
  return isGrpc(protocol) ? { name: 'h2c', containerPort: port } : { containerPort: port };
}

/** KServe's labels for a component, merged with the InferenceService's and the component's own. */
export function componentLabels(ctx: ComponentContext, kind: ComponentKind, own: { [key: string]: string } | undefined): { [key: string]: string } {
  return {
    ...ctx.labels,
    ...own,
    [kserve.LABEL_INFERENCE_SERVICE]: ctx.isvcName,
    [kserve.LABEL_COMPONENT]: kind,
  };
}

/** Annotations the library owns when the InferenceService asks for them, and the prop that sets each. */
const WIRED_ANNOTATIONS: { [key: string]: string } = {
  [kserve.ANNOTATION_ISTIO_INJECT]: 'security.mesh',
  [kserve.ANNOTATION_PROMETHEUS_SCRAPE]: 'observability.prometheus',
  [kserve.ANNOTATION_PROMETHEUS_PORT]: 'observability.prometheus',
  [kserve.ANNOTATION_PROMETHEUS_PATH]: 'observability.prometheus',
  [kserve.ANNOTATION_ISTIO_MERGE_METRICS]: 'observability.prometheus.mergeWithIstio',
};

/**
 * The pod-template annotations: the user's, then the mesh and scrape ones the InferenceService asks
 * for (renderers add their own, e.g. Knative autoscaling). None of the user's may collide with an
 * annotation the library writes from props (the prop would silently lose or win).
 */
export function componentAnnotations(ctx: ComponentContext, kind: ComponentKind, own: { [key: string]: string } | undefined, scaling: ResolvedScaling,
  metrics: ResolvedMetricsEndpoint): { [key: string]: string } {
  const wired = podWiringAnnotations(ctx.podWiring, metrics);
  const sources = ctx.deploymentMode === DeploymentMode.KNATIVE ? knativeAutoscalingAnnotations(scaling).sources : {};
  for (const key of Object.keys(own ?? {}).sort()) {
    if (ctx.deploymentMode === DeploymentMode.KNATIVE && (key === kserve.ANNOTATION_MIN_SCALE || key === kserve.ANNOTATION_MAX_SCALE)) {
      throw propError(ctx.owner, `${kind}.annotations`, key, 'is set from minReplicas/maxReplicas', 'remove the annotation and use minReplicas/maxReplicas instead');
    }
    if (sources[key] !== undefined) {
      throw propError(ctx.owner, `${kind}.annotations`, key, `is set from ${kind}.${sources[key]}`, `remove the annotation, or remove ${kind}.${sources[key]}`);
    }
    if (wired[key] !== undefined) {
      throw propError(ctx.owner, `${kind}.annotations`, key, `is set from ${WIRED_ANNOTATIONS[key]}`, `remove the annotation and use ${WIRED_ANNOTATIONS[key]} instead`);
    }
  }
  return { ...own, ...wired };
}

/**
 * Mesh and scrape annotations on the pods. With an Istio sidecar and metrics merging (Istio's default),
 * the injector rewrites the `prometheus.io/*` annotations to its agent (:15020/stats/prometheus), which
 * serves Envoy's and the application's metrics together in plaintext, so scraping works under STRICT
 * mTLS; opting out keeps the application port and needs an mTLS exception for it
 * (https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging).
 */
function podWiringAnnotations(wiring: PodWiring | undefined, metrics: ResolvedMetricsEndpoint): { [key: string]: string } {
  const annotations: { [key: string]: string } = {};
  if (wiring?.istioSidecar) annotations[kserve.ANNOTATION_ISTIO_INJECT] = 'true';
  if (wiring?.prometheus) {
    annotations[kserve.ANNOTATION_PROMETHEUS_SCRAPE] = 'true';
    annotations[kserve.ANNOTATION_PROMETHEUS_PORT] = String(metrics.port);
    annotations[kserve.ANNOTATION_PROMETHEUS_PATH] = metrics.path;
    if (wiring.istioSidecar && !wiring.prometheus.mergeWithIstio) annotations[kserve.ANNOTATION_ISTIO_MERGE_METRICS] = 'false';
  }
  return annotations;
}

/**
 * The read-only root filesystem needs somewhere to write: an emptyDir at /tmp (Knative allows
 * emptyDir volumes by default).
 */
export const SCRATCH_VOLUME: ResolvedVolume = { name: kserve.SCRATCH_VOLUME_NAME, emptyDir: {} };
export const SCRATCH_MOUNT: ResolvedVolumeMount = { name: kserve.SCRATCH_VOLUME_NAME, mountPath: '/tmp' };

const SERVICE_ACCOUNT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function resolveServiceAccountName(ctx: ComponentContext, kind: ComponentKind, name: string | undefined): string | undefined {
  if (name !== undefined && (name.length > 253 || !SERVICE_ACCOUNT_NAME.test(name))) {
    throw propError(ctx.owner, `${kind}.serviceAccountName`, name, 'is not a valid ServiceAccount name', 'use lowercase letters, digits, "-" and "."');
  }
  return name;
}

/** Checks an image reference given as a string. */
export function resolveImage(ctx: ComponentContext, prop: string, image: string): string {
  if (!/^[^\s]+$/.test(image) || image.length > 255 || /[A-Z]/.test(image.split(/[:@]/)[0].split('/').pop() ?? '')) {
    throw propError(ctx.owner, prop, image, 'is not an image reference', "write it as [registry/]repository[:tag][@sha256:digest], e.g. 'registry.example.com/iris-transformer:1.0'");
  }
  return image;
}

/** The parts of a component that differ between predictor, transformer and explainer. */
export interface ComponentParts {
  readonly scaling: ResolvedScaling;
  readonly container: ResolvedContainer;
  readonly initContainers: ResolvedContainer[];
  readonly volumes: ResolvedVolume[];
  readonly serviceAccountName?: string;
  /** Where the component serves Prometheus metrics. */
  readonly metrics: ResolvedMetricsEndpoint;
}

/** Puts a component together with KServe's naming and metadata rules. */
export function assembleComponent(ctx: ComponentContext, kind: ComponentKind, props: ComponentProps, parts: ComponentParts): ResolvedComponent {
  const labels = componentLabels(ctx, kind, props.labels);
  const security = resolvePodSecurity(ctx, kind, props.podSecurity);
  return {
    kind,
    serviceName: `${ctx.isvcName}-${kind}`,
    namespace: ctx.namespace,
    labels,
    templateLabels: withoutVisibility(labels),
    annotations: componentAnnotations(ctx, kind, props.annotations, parts.scaling, parts.metrics),
    container: parts.container,
    initContainers: parts.initContainers,
    volumes: parts.volumes,
    scaling: parts.scaling,
    scheduling: resolveScheduling(ctx, kind, props),
    serviceAccountName: parts.serviceAccountName,
    securityContext: security.container,
    initSecurityContext: security.initContainer,
    automountServiceAccountToken: security.automountServiceAccountToken,
    metrics: parts.metrics,
    revision: props.revision,
  };
}

/** Knative reads the visibility label from the Service only; KServe strips it from the template. */
function withoutVisibility(labels: { [key: string]: string }): { [key: string]: string } {
  const { [kserve.LABEL_KNATIVE_VISIBILITY]: _visibility, ...rest } = labels;
  return rest;
}
