import type { ResolvedScaling } from '../scaling/_resolve-scaling';
import type { ResolvedScheduling } from '../scheduling/_resolve-scheduling';

/**
 * The plain, fully-defaulted description of one component, between props and manifests
 * (props → resolved → Knative Service, or Deployment + Service + autoscaler in raw mode). Nothing here
 * is a construct, so rendering is a pure function; the renderer picks the mode.
 * @internal
 */

/** Which part of an InferenceService a component is. */
export enum ComponentKind {
  PREDICTOR = 'predictor',
  TRANSFORMER = 'transformer',
  EXPLAINER = 'explainer',
}

export interface ResolvedEnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { [key: string]: unknown };
}

export interface ResolvedVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

export interface ResolvedVolume {
  readonly name: string;
  readonly emptyDir?: { medium?: string; sizeLimit?: string };
  readonly persistentVolumeClaim?: { claimName: string; readOnly: boolean };
  readonly secret?: { secretName: string; items?: { key: string; path: string }[] };
  /** `optional`: the pod starts (with an empty folder) before the ConfigMap exists. */
  readonly configMap?: { name: string; optional: boolean };
}

export interface ResolvedResources {
  readonly requests: { [name: string]: string };
  readonly limits: { [name: string]: string };
}

/** A container's securityContext, with every field the library decides spelled out. */
export interface ResolvedSecurityContext {
  readonly runAsNonRoot: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly allowPrivilegeEscalation: boolean;
  readonly readOnlyRootFilesystem: boolean;
  readonly capabilities: { readonly add?: string[]; readonly drop: string[] };
  readonly seccompProfile: { readonly type: string; readonly localhostProfile?: string };
}

/** Where a component serves Prometheus metrics. */
export interface ResolvedMetricsEndpoint {
  readonly port: number;
  readonly path: string;
}

export interface ResolvedContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args: string[];
  readonly env: ResolvedEnvVar[];
  /** The one port Knative routes to, absent for init containers. */
  readonly port?: { readonly name?: string; readonly containerPort: number };
  readonly resources: ResolvedResources;
  /** HTTP path Knative's queue-proxy probes for readiness. */
  readonly readinessPath?: string;
  readonly volumeMounts: ResolvedVolumeMount[];
}

export interface ResolvedComponent {
  readonly kind: ComponentKind;
  /** Knative Service (or raw-mode Deployment and Service) name, `<isvc>-<kind>`. */
  readonly serviceName: string;
  readonly namespace: string;
  /** Labels of the Knative Service (or Deployment). */
  readonly labels: { [key: string]: string };
  /** Labels of the revision template (and so the pods). */
  readonly templateLabels: { [key: string]: string };
  /** The user's annotations for the pod template; renderers add their own (e.g. Knative autoscaling). */
  readonly annotations: { [key: string]: string };
  readonly container: ResolvedContainer;
  readonly initContainers: ResolvedContainer[];
  readonly volumes: ResolvedVolume[];
  readonly scaling: ResolvedScaling;
  readonly scheduling: ResolvedScheduling;
  readonly serviceAccountName?: string;
  /** securityContext of the main container. */
  readonly securityContext: ResolvedSecurityContext;
  /** securityContext of the init containers (the storage initializer). */
  readonly initSecurityContext: ResolvedSecurityContext;
  readonly automountServiceAccountToken: boolean;
  /** Where the component serves Prometheus metrics. */
  readonly metrics: ResolvedMetricsEndpoint;
  /** The user's revision id, which names the revision `<serviceName>-<revision>` instead of a template hash. */
  readonly revision?: string;
}
