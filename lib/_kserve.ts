/**
 * KServe- and Knative-compatible names, labels, annotations and ports, kept in one place so every
 * construct writes the same keys KServe's controller would (see KServe `pkg/constants/constants.go`).
 * @internal
 */

/** Label KServe puts on every object of an InferenceService. */
export const LABEL_INFERENCE_SERVICE = 'serving.kserve.io/inferenceservice';
/** Label naming the component (`predictor`, `transformer`, `explainer`). */
export const LABEL_COMPONENT = 'component';
/** Knative label that makes a Knative Service reachable only inside the cluster. */
export const LABEL_KNATIVE_VISIBILITY = 'networking.knative.dev/visibility';

/** Knative reads these from the revision template (knative/serving `pkg/apis/autoscaling/register.go`). */
export const KNATIVE_AUTOSCALING_PREFIX = 'autoscaling.knative.dev/';
export const ANNOTATION_AUTOSCALING_CLASS = 'autoscaling.knative.dev/class';
export const ANNOTATION_MIN_SCALE = 'autoscaling.knative.dev/min-scale';
export const ANNOTATION_MAX_SCALE = 'autoscaling.knative.dev/max-scale';
export const ANNOTATION_INITIAL_SCALE = 'autoscaling.knative.dev/initial-scale';
export const ANNOTATION_METRIC = 'autoscaling.knative.dev/metric';
export const ANNOTATION_TARGET = 'autoscaling.knative.dev/target';
export const ANNOTATION_TARGET_UTILIZATION = 'autoscaling.knative.dev/target-utilization-percentage';
export const ANNOTATION_SCALE_DOWN_DELAY = 'autoscaling.knative.dev/scale-down-delay';
export const ANNOTATION_SCALE_TO_ZERO_RETENTION = 'autoscaling.knative.dev/scale-to-zero-pod-retention-period';
export const ANNOTATION_WINDOW = 'autoscaling.knative.dev/window';
export const ANNOTATION_PANIC_WINDOW = 'autoscaling.knative.dev/panic-window-percentage';
export const ANNOTATION_PANIC_THRESHOLD = 'autoscaling.knative.dev/panic-threshold-percentage';
/** Knative's own autoscaler (request-based, scales to zero). */
export const KNATIVE_KPA_CLASS = 'kpa.autoscaling.knative.dev';
/** Knative's HorizontalPodAutoscaler class (cpu, memory). */
export const KNATIVE_HPA_CLASS = 'hpa.autoscaling.knative.dev';

/**
 * Raw mode: KServe selects a component's pods by `app: isvc.<isvc>-<component>`
 * (`GetRawServiceLabel` in KServe's controller).
 */
export const LABEL_RAW_APP = 'app';
export function rawAppLabelValue(componentName: string): string {
  return `isvc.${componentName}`;
}
/** The port raw-mode Services expose, as KServe's do (→ the container port). */
export const RAW_SERVICE_PORT = 80;
/** KServe's Ingress class default in raw mode (`ingress.ingressClassName`). */
export const DEFAULT_INGRESS_CLASS = 'istio';
/** The NVIDIA DCGM exporter's GPU utilization gauge (percent). */
export const DCGM_GPU_UTILIZATION_METRIC = 'DCGM_FI_DEV_GPU_UTIL';

/** The container KServe names its model server; tools (kubectl logs -c, dashboards) expect it. */
export const MODEL_CONTAINER_NAME = 'kserve-container';
/** Where KServe's runtimes read the model from. */
export const MODEL_MOUNT_PATH = '/mnt/models';
export const MODEL_VOLUME_NAME = 'kserve-provision-location';
export const STORAGE_INITIALIZER_NAME = 'storage-initializer';
export const SCRATCH_VOLUME_NAME = 'kfs-scratch';

/** Env var KServe sets on every component container since v0.17. */
export const ENV_INFERENCE_SERVICE_NAME = 'INFERENCE_SERVICE_NAME';
/** Env var with the predictor's cluster-local host, for transformers and explainers. */
export const ENV_PREDICTOR_HOST = 'PREDICTOR_HOST';

/**
 * Storage environment variables, as KServe's credential builder sets them and its storage
 * initializer (and kfs-runtime) reads them (KServe `pkg/credentials/s3`, `gcs`, `https`).
 */
export const ENV_S3_ENDPOINT_URL = 'AWS_ENDPOINT_URL';
export const ENV_S3_USE_HTTPS = 'S3_USE_HTTPS';
export const ENV_S3_REGION = 'AWS_DEFAULT_REGION';
export const ENV_S3_VERIFY_SSL = 'S3_VERIFY_SSL';
export const ENV_S3_VIRTUAL_BUCKET = 'S3_USER_VIRTUAL_BUCKET';
export const ENV_S3_ACCESS_KEY_ID = 'AWS_ACCESS_KEY_ID';
export const ENV_S3_SECRET_ACCESS_KEY = 'AWS_SECRET_ACCESS_KEY';
export const ENV_S3_ANONYMOUS = 'awsAnonymousCredential';
export const ENV_GCS_CREDENTIALS_FILE = 'GOOGLE_APPLICATION_CREDENTIALS';
/** Google's client libraries' override of the metadata server; kfs-runtime asks it for Workload Identity tokens. */
export const ENV_GCE_METADATA_HOST = 'GCE_METADATA_HOST';
export const GCE_METADATA_HOST = 'metadata.google.internal';
/** `<hostname>-headers`: a JSON object of extra request headers for that host. */
export const ENV_HTTP_HEADERS_SUFFIX = '-headers';
export const GCS_CREDENTIALS_VOLUME_NAME = 'kfs-gcs-credentials';
export const GCS_CREDENTIALS_MOUNT_PATH = '/var/secrets/gcs';

/**
 * Variables that hold a credential and so must come from a Secret (`valueFrom`), never a plain
 * value written into the manifest; names ending in `-headers` too (they carry Authorization headers),
 * and OpenTelemetry's export headers (a hosted collector's API key), which kfs-runtime reads.
 */
export const CREDENTIAL_ENV: readonly string[] = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'HF_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_STORAGE_ACCESS_KEY', 'AZ_CLIENT_SECRET',
  'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
];

/** KServe's default HTTP port for model servers (Knative's default user port too). */
export const DEFAULT_HTTP_PORT = 8080;
/** KServe's default gRPC port for model servers. */
export const DEFAULT_GRPC_PORT = 8081;

/**
 * Ports Knative's queue-proxy and its probes use inside every pod; a user container must not listen
 * on them (knative/serving `pkg/apis/serving/k8s_validation.go`).
 */
export const KNATIVE_RESERVED_PORTS: readonly number[] = [8008, 8012, 8013, 8022, 9090, 9091];

/** Env vars Knative sets itself and rejects on user containers. */
export const KNATIVE_RESERVED_ENV: readonly string[] = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];

/** Knative's cluster-local and external gateways, and the local gateway's Service (KServe `ingress` config defaults). */
export const KNATIVE_INGRESS_GATEWAY = 'knative-serving/knative-ingress-gateway';
export const KNATIVE_LOCAL_GATEWAY = 'knative-serving/knative-local-gateway';
export const KNATIVE_LOCAL_GATEWAY_SERVICE = 'knative-local-gateway.istio-system.svc.cluster.local';
/** Istio's reserved gateway name for sidecar-to-sidecar traffic. */
export const ISTIO_MESH_GATEWAY = 'mesh';

/** Knative's default domain (`config-domain`), which KServe's external host follows. */
export const DEFAULT_DOMAIN = 'example.com';

/** Header KServe sets on routed requests so components know which InferenceService they serve. */
export const HEADER_ISVC_NAME = 'KServe-Isvc-Name';
export const HEADER_ISVC_NAMESPACE = 'KServe-Isvc-Namespace';

/** v1 explain requests KServe routes to the explainer (`ingress_reconciler.go`). */
export const EXPLAIN_PATH_REGEX = '^/v1/models/[\\w-]+:explain$';

/** Knative revision names are `<service>-<5 digits>`; the longest suffix we must leave room for. */
export const KNATIVE_REVISION_SUFFIX_LENGTH = '-00001'.length;
/** Kubernetes DNS label limit, which bounds Knative Service and revision names. */
export const DNS_LABEL_MAX_LENGTH = 63;

/** Knative's value of `networking.knative.dev/visibility` for Services reachable only inside the cluster. */
export const VISIBILITY_CLUSTER_LOCAL = 'cluster-local';

/** Namespaces of Knative's data-plane helpers (activator, autoscaler) and of Istio's gateways and istiod. */
export const KNATIVE_SERVING_NAMESPACE = 'knative-serving';
export const ISTIO_SYSTEM_NAMESPACE = 'istio-system';

/**
 * Paths Knative's system pods call on every revision pod: the activator and net-istio probe `/healthz`,
 * the autoscaler scrapes `/metrics`; `/ready` and `/wait-for-drain` are queue-proxy's own. KServe's
 * service-mesh guide allows exactly these from `knative-serving`
 * (kserve/website docs/admin/serverless/servicemesh; knative.dev/docs/serving/istio-authorization).
 */
export const KNATIVE_SYSTEM_PATHS: readonly string[] = ['/healthz', '/metrics', '/ready', '/wait-for-drain'];
/** The path the activator and net-istio's prober send `K-Network-Probe` requests to. */
export const KNATIVE_PROBE_PATH = '/healthz';
/** queue-proxy's metrics ports: 9090 for the autoscaler, 9091 for Prometheus (request metrics). */
export const QUEUE_PROXY_AUTOSCALER_METRICS_PORT = 9090;
export const QUEUE_PROXY_USER_METRICS_PORT = 9091;

/** Istio sidecar injection, per pod. */
export const ANNOTATION_ISTIO_INJECT = 'sidecar.istio.io/inject';
/** Per-pod opt-out of Istio's metrics merging (https://istio.io/latest/docs/ops/integrations/prometheus/). */
export const ANNOTATION_ISTIO_MERGE_METRICS = 'prometheus.istio.io/merge-metrics';
/** The de-facto standard Prometheus pod annotations (Prometheus' `kubernetes-pods` job). */
export const ANNOTATION_PROMETHEUS_SCRAPE = 'prometheus.io/scrape';
export const ANNOTATION_PROMETHEUS_PORT = 'prometheus.io/port';
export const ANNOTATION_PROMETHEUS_PATH = 'prometheus.io/path';
/** Where Istio's agent serves the merged (Envoy + application) metrics. */
export const ISTIO_AGENT_METRICS_PORT = 15020;
/** istiod's xDS and certificate port, which every sidecar must reach. */
export const ISTIOD_XDS_PORT = 15012;
/**
 * The Istio proxy's UID. Traffic from this UID is not redirected to the sidecar, which is how KServe lets
 * the storage-initializer download before the sidecar runs (`storage_initializer_injector.go` `SetIstioCniSecurityContext`).
 */
export const ISTIO_PROXY_UID = 1337;

/** Traffic tags KServe gives the new and the previously rolled-out revision during a canary (`ksvc_reconciler.go`). */
export const CANARY_TAG = 'latest';
export const STABLE_TAG = 'prev';
/**
 * Knative's default `tag-template` (`config-network`): a tagged revision answers at `<tag>-<service>`, as
 * the first label of the host, so that label must stay within 63 characters.
 */
export function taggedServiceName(tag: string, serviceName: string): string {
  return `${tag}-${serviceName}`;
}

/**
 * Multi-model serving (KServe `pkg/constants/constants.go`, `pkg/modelconfig/configmap.go`): the
 * TrainedModel controller writes the models of an InferenceService into the ConfigMap
 * `modelconfig-<isvc>-0` (KServe shards by memory but only ever uses shard 0), and multi-model
 * predictor pods mount it at /mnt/configs and read `models.json` at start.
 */
export const MODEL_CONFIG_FILE_NAME = 'models.json';
export const MODEL_CONFIG_MOUNT_PATH = '/mnt/configs';
export const MODEL_CONFIG_VOLUME_NAME = 'model-config';
export function modelConfigMapName(isvcName: string): string {
  return `modelconfig-${isvcName}-0`;
}

/** The TrainedModel API (KServe `pkg/apis/serving/v1alpha1/trained_model.go`). */
export const SERVING_API_GROUP = 'serving.kserve.io';
export const TRAINED_MODEL_API_VERSION = 'serving.kserve.io/v1alpha1';
export const TRAINED_MODEL_KIND = 'TrainedModel';
export const TRAINED_MODEL_PLURAL = 'trainedmodels';
