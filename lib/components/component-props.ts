import { Duration } from 'cdk8s';
import { ContainerResources, EnvValue } from 'cdk8s-plus-27';
import { ProtocolVersion } from '../model/protocol-version';
import { Gpu } from '../resources/gpu';
import { Autoscaler } from '../scaling/autoscaler';
import { KnativeScalingOptions } from '../scaling/knative-scaling-options';
import { ScalingMetric } from '../scaling/scaling-metric';
import { Toleration } from '../scheduling/toleration';
import { PodSecurity } from '../security/pod-security';

/**
 * What every component of an InferenceService (predictor, transformer, explainer) shares: scaling,
 * resources, environment and metadata. Mirrors KServe's `ComponentExtensionSpec`.
 */
export interface ComponentProps {
  /**
   * Fewest replicas kept running. `0` lets the component scale to zero when idle: in Knative mode the
   * activator holds requests while a replica starts; in raw mode it needs `Autoscaler.keda` with a
   * trigger that can wake the component. A HorizontalPodAutoscaler (raw mode, or Knative's HPA class
   * for cpu/memory metrics) keeps at least 1.
   * @default - 0 in Knative mode with a request-based metric; 1 otherwise
   */
  readonly minReplicas?: number;

  /**
   * Most replicas the autoscaler may run. Required in raw mode with a HorizontalPodAutoscaler or KEDA.
   * @default - Knative mode: no limit beyond the cluster's Knative `max-scale-limit`
   */
  readonly maxReplicas?: number;

  /**
   * The metric and target the component scales on, e.g. `ScalingMetric.concurrency(10)`. Knative mode:
   * `concurrency`/`rps` use Knative's KPA, `cpu`/`memory` its HPA class. Raw mode: `cpu`/`memory` for
   * `Autoscaler.hpa()`; KEDA scales on its triggers instead.
   * @default - Knative: concurrency with the cluster's default target (100); raw HPA: cpu at 80 %
   */
  readonly scaleMetric?: ScalingMetric;

  /**
   * Tuning of Knative's autoscaler: initial scale, target utilization, scale-down delay, scale-to-zero
   * retention, stable and panic windows. Knative mode only.
   * @default - the cluster's config-autoscaler settings
   */
  readonly knativeScaling?: KnativeScalingOptions;

  /**
   * The autoscaler in raw deployment mode: `Autoscaler.hpa()`, `Autoscaler.keda({ triggers })` or
   * `Autoscaler.none()`. Raw mode only.
   * @default - Autoscaler.hpa() in raw mode
   */
  readonly autoscaler?: Autoscaler;

  /**
   * Hard limit of requests one replica handles at once (Knative `containerConcurrency`); further
   * requests queue in Knative's queue-proxy. `0` means no limit. Knative mode only.
   * @default 0
   */
  readonly containerConcurrency?: number;

  /**
   * How long a request may take: in Knative mode the revision `timeoutSeconds` and
   * `responseStartTimeoutSeconds` (as KServe sets both); in raw mode the timeout of the top-level
   * VirtualService routes.
   * @default - Knative's `revision-timeout-seconds` (300 seconds unless the cluster changes it); raw mode: Istio's (none)
   */
  readonly timeout?: Duration;

  /**
   * Extra environment variables for the component's container.
   * @default - none beyond those the library sets
   */
  readonly env?: { [name: string]: EnvValue };

  /**
   * CPU and memory requests and limits.
   * @default - request and limit of 1 CPU and 2 GiB memory (KServe's runtime defaults)
   */
  readonly resources?: ContainerResources;

  /**
   * GPUs to attach, e.g. `Gpu.nvidia(1)`, or `Gpu.nvidia(1, { products: ['NVIDIA-A100-SXM4-80GB'] })`
   * to pick the GPU model through node affinity.
   * @default - none
   */
  readonly gpu?: Gpu;

  /**
   * Node labels the pods must run on, e.g. a GPU node pool. In Knative mode this needs the
   * `kubernetes.podspec-nodeselector` feature flag (synth prints a warning).
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };

  /**
   * Node taints the pods tolerate, e.g. `Toleration.nvidiaGpu()`. In Knative mode this needs the
   * `kubernetes.podspec-tolerations` feature flag (synth prints a warning).
   * @default - none
   */
  readonly tolerations?: Toleration[];

  /**
   * Kubernetes ServiceAccount the pods run as (for workload identity to model storage, for example).
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;

  /**
   * Labels added to the component's Knative Service (or Deployment) and its pods.
   * @default - none beyond KServe's labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * Annotations added to the component's pod template (the revision template in Knative mode).
   * Autoscaling annotations the library writes from props cannot be set here.
   * @default - none beyond the autoscaling annotations
   */
  readonly annotations?: { [key: string]: string };

  /**
   * Security settings of the component's containers.
   * @default - Pod Security Standards "restricted": non-root, read-only root filesystem, no privilege
   * escalation, ALL capabilities dropped, RuntimeDefault seccomp, no service-account token
   */
  readonly podSecurity?: PodSecurity;

  /**
   * Revision id (Knative mode): names the component's Knative revision `<isvc>-<component>-<revision>`
   * (e.g. `v2` for `iris-predictor-v2`). Give a new id whenever the component changes: Knative rejects a
   * changed template under an existing revision name.
   * @default - a 5-character hash of the revision template: the same template always gets the same name,
   * and any change to it gets a new one
   */
  readonly revision?: string;
}

/** A container you build yourself: a custom predictor, a transformer or an explainer. */
export interface ContainerSpec {
  /** The image, e.g. `registry.example.com/iris-transformer:1.2.0`. */
  readonly image: string;

  /**
   * Entrypoint override.
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * Arguments.
   * @default []
   */
  readonly args?: string[];

  /**
   * Port the container serves on. Knative routes to exactly one port per revision.
   * @default 8080
   */
  readonly port?: number;

  /**
   * Protocol the container speaks; gRPC protocols get an HTTP/2 (`h2c`) port.
   * @default ProtocolVersion.V1 for transformers and explainers (KServe's default), V2 for custom predictors
   */
  readonly protocolVersion?: ProtocolVersion;
}
