import { Duration } from 'cdk8s';
import { ContainerResources, EnvValue } from 'cdk8s-plus-27';
import { ProtocolVersion } from '../model/protocol-version';
import { Gpu } from '../resources/gpu';

/**
 * What every component of an InferenceService (predictor, transformer, explainer) shares: scaling,
 * resources, environment and metadata. Mirrors KServe's `ComponentExtensionSpec`.
 */
export interface ComponentProps {
  /**
   * Fewest replicas Knative keeps running. `0` lets the component scale to zero when idle; the
   * Knative activator holds requests while a replica starts.
   * @default 0
   */
  readonly minReplicas?: number;

  /**
   * Most replicas Knative may run.
   * @default - no limit beyond the cluster's Knative `max-scale-limit`
   */
  readonly maxReplicas?: number;

  /**
   * Hard limit of requests one replica handles at once (Knative `containerConcurrency`); further
   * requests queue in Knative's queue-proxy. `0` means no limit.
   * @default 0
   */
  readonly containerConcurrency?: number;

  /**
   * How long a request may take before Knative answers 504 (revision `timeoutSeconds` and
   * `responseStartTimeoutSeconds`, as KServe sets both).
   * @default - Knative's `revision-timeout-seconds` (300 seconds unless the cluster changes it)
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
   * GPUs to attach, e.g. `Gpu.nvidia(1)`.
   * @default - none
   */
  readonly gpu?: Gpu;

  /**
   * Kubernetes ServiceAccount the pods run as (for workload identity to model storage, for example).
   * @default - the namespace's default ServiceAccount
   */
  readonly serviceAccountName?: string;

  /**
   * Labels added to the component's Knative Service and its pods.
   * @default - none beyond KServe's labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * Annotations added to the component's revision template (and so its pods).
   * @default - none beyond the autoscaling annotations
   */
  readonly annotations?: { [key: string]: string };
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
