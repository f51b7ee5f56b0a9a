/** A command-line mistake: printed with a pointer to --help, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const MAIN_USAGE = `Usage: kfs-runtime <command> [options]

Commands:
  serve       Serve ONNX models over the Open Inference Protocol (KServe v2: REST and gRPC) and KServe v1
  controller  Load TrainedModels into the replicas of multi-model InferenceServices

Run 'kfs-runtime <command> --help' for the options of a command.
`;

export const SERVE_USAGE = `Usage: kfs-runtime serve [options]

Serve ONNX models over the Open Inference Protocol (KServe v2) on REST and gRPC, with the binary
tensor data, model repository, model configuration and statistics extensions, and KServe's v1 REST
protocol (/v1/models/NAME:predict).

Options:
  --model NAME=PATH_OR_URI    A model to load; repeat for more. PATH_OR_URI is a local path or a
                              URI: s3://bucket/prefix, gs://bucket/prefix, https://host/file,
                              pvc://claim/path or file:///path. It names an .onnx file, a .tar.gz/
                              .tgz/.tar/.zip archive (unpacked), a folder with model.onnx, or a
                              folder of numeric version folders (<version>/model.onnx; the highest
                              wins).
  --model-name NAME           One model, KServe custom-runtime style: --model-name with --model-dir
  --model-dir PATH_OR_URI     is the same as --model NAME=PATH_OR_URI (NAME defaults to 'model').
  --model-config FILE         Multi-model mode: KServe's models.json (written by the TrainedModel
                              controller into the model-config ConfigMap); its models load at start
                              and the server is ready once they have settled. A missing file is empty.
  --model-repository PATH_OR_URI
                              Folder whose subfolders are models that POST /v2/repository/models/NAME/load
                              (or gRPC RepositoryModelLoad) loads by name. With it, no --model is needed.
  --http-port N               HTTP port (default 8080; 0 picks a free port).
  --grpc-port N               gRPC port (default 8081; 0 picks a free port).
  --host ADDRESS              Address to listen on, HTTP and gRPC (default 0.0.0.0).
  --http-max-input-size N     Largest request body in bytes (default 67108864, 64 MiB).
  --grpc-max-message-size N   Largest gRPC message, received or sent, in bytes (default 67108864).
  --explainer-url URL         Relay POST /v1/models/NAME:explain to URL/v1/models/NAME:explain
                              (an explainer server); without it :explain answers 404.
  --model-cache-dir DIR       Where pulled models are kept, keyed by URI (default $TMPDIR/kfs-model-cache).
  --storage-concurrency N     Objects downloaded at once from a bucket prefix (default 8).
  --storage-max-attempts N    Attempts per request on 5xx, 429, timeouts, dropped connections (default 5).
  --storage-ca-bundle FILE    PEM certificate authorities to trust for https://, gs:// and s3:// pulls.
  --max-unpacked-size N       Largest size in bytes an archive may unpack to (default 17179869184, 16 GiB).
  --pvc-mount-root DIR        Where pvc://<claim>/<path> claims are mounted (default /mnt/pvc).
  -h, --help                  Show this help.

Dynamic batching (per model, REST and gRPC, v2 and v1 callers share batches; models need a
variable first dimension on every input and output, else they fail to load with the reason):
  --max-batch-size N          Most rows in one model run (default 32 when --max-latency-ms is given).
  --max-latency-ms N          Longest a request waits for a batch to fill (default 5000 when
                              --max-batch-size is given; KServe's agent defaults).
  --preferred-batch-sizes N,M Batch sizes dispatched at once when the waiting requests add up to one.

Request/response logging (CloudEvents 1.0, binary mode, KServe logger types and attributes):
  --log-url URL               The sink; every inference request and 200 response is POSTed to it.
  --log-mode all|request|response
                              Which events to send (default all).
  --log-metadata-headers A,B  Request headers copied into the events' metadata attribute.
  --log-metadata-annotations K=V,K=V
                              InferenceService annotations sent as the events' annotations
                              attribute (ce-annotations, JSON), as KServe's logger does.
  --log-inference-service S   ce-inferenceservicename (default $INFERENCE_SERVICE_NAME).
  --log-namespace NS          ce-namespace (default $POD_NAMESPACE).
  --log-component C           ce-component (default predictor).
  --log-endpoint E            ce-endpoint (default empty).
  --log-source-uri URI        ce-source (default the host name, i.e. the pod name).
  --log-queue-size N          Events held while the sink is slow or down, queued or being sent
                              (default 1000); beyond that events are dropped and counted in
                              kfs_logger_dropped_events_total.
  --log-batch-delay-ms MS     How long an event waits for others to share its socket write
                              (default 5; 0: the end of the event-loop turn).
  --log-pipeline-depth N      Events sent on a connection before their answers (HTTP/1.1
                              pipelining; default 64). 1 sends one at a time, for a sink that
                              mishandles pipelined requests.

Metrics and tracing:
  --metrics-port N            Port of GET /metrics, Prometheus text format (default 8082; 0 picks one).
  --disable-metrics           No metrics server.
  --otlp-endpoint URL         Trace with OpenTelemetry, exporting OTLP/HTTP protobuf to URL
                              (/v1/traces appended when URL has no path). Off by default.
                              OTEL_EXPORTER_OTLP_ENDPOINT works too, and OTEL_EXPORTER_OTLP_HEADERS /
                              OTEL_EXPORTER_OTLP_TRACES_HEADERS (name=value,...) add export headers;
                              OTEL_EXPORTER_OTLP_COMPRESSION=gzip and OTEL_EXPORTER_OTLP_TIMEOUT (ms)
                              are read too (and their _TRACES_ forms).
  --trace-sample-ratio R      Share of requests traced when the caller sent no traceparent or B3
                              sampling decision, 0 to 1 (default 1).
  --trace-service-name NAME   The spans' service.name (default: OTEL_SERVICE_NAME, else the Knative
                              Service's name K_SERVICE, else kfs-runtime). OTEL_RESOURCE_ATTRIBUTES
                              (key=value,...) adds resource attributes.

onnxruntime:
  --execution-provider cpu|cuda
                              cuda runs on the GPU, falling back to CPU with a log line when CUDA is
                              absent (default cpu).
  --intra-op-threads N        Threads one operator may use (default: one per physical core).
  --inter-op-threads N        Threads running independent operators at once (enables parallel mode).
  --thread-spinning true|false
                              Pool threads busy-wait for work instead of sleeping: less latency on
                              dedicated cores, CPU burnt while idle (default false).

Shutdown (SIGTERM or SIGINT):
  --drain-seconds S           Readiness fails at once but requests are served for S seconds more,
                              each reply closing its connection, so Kubernetes can stop routing here
                              (default 5). Then connections are refused and in-flight work finishes.
  --shutdown-timeout-seconds T
                              Everything (in-flight requests, batches, logger queue, spans) is done or
                              cut off T seconds after the signal (default 25, below Kubernetes' 30 s
                              grace period); must be longer than the drain.

  KServe's spellings --http_port, --grpc_port, --model_name, --model_dir and --model_repository are
  accepted too, as is --flag=value.

Environment (flags take precedence):
  KFS_HTTP_PORT               Same as --http-port.
  KFS_GRPC_PORT               Same as --grpc-port.
  KFS_MODELS                  Comma-separated NAME=PATH_OR_URI list, used when no model flag is given.
  KFS_MODEL_CACHE_DIR, KFS_STORAGE_CONCURRENCY, KFS_STORAGE_MAX_ATTEMPTS, KFS_STORAGE_CA_BUNDLE,
  KFS_MAX_UNPACKED_BYTES, KFS_PVC_MOUNT_ROOT
                              Same as the storage flags above.
  KFS_<FLAG>                  Every flag from --max-batch-size on has one: the flag's name in capitals
                              with _ for -, e.g. KFS_MAX_BATCH_SIZE, KFS_LOG_URL, KFS_METRICS_PORT,
                              KFS_OTLP_ENDPOINT, KFS_EXECUTION_PROVIDER, KFS_DRAIN_SECONDS;
                              KFS_DISABLE_METRICS=true. OTEL_EXPORTER_OTLP_ENDPOINT is read as well.

Storage credentials and endpoints (KServe's variable names; the constructs set them from Secrets):
  s3://     AWS_ENDPOINT_URL (or S3_ENDPOINT + S3_USE_HTTPS), AWS_DEFAULT_REGION, S3_VERIFY_SSL,
            AWS_CA_BUNDLE, S3_USER_VIRTUAL_BUCKET, S3_USE_ACCELERATE, awsAnonymousCredential,
            AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, AWS_SHARED_CREDENTIALS_FILE, S3_MAX_FILE_CONCURRENCY,
            S3_MAX_ATTEMPTS, S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT; else the AWS SDK's chain (IRSA, roles).
  gs://     STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS (service-account key), GCE_METADATA_HOST
            (metadata server: GKE Workload Identity); else anonymous.
  https://  <hostname>-headers: a JSON object of extra request headers for that host.

The server is ready (GET /v2/health/ready) once every startup model has loaded; it stops gracefully on
SIGTERM or SIGINT.
`;

export const CONTROLLER_USAGE = `Usage: kfs-runtime controller --config FILE [options]

Load the TrainedModels (serving.kserve.io/v1alpha1) of multi-model InferenceServices into every
predictor replica through the v2 repository API, keep their model-config ConfigMaps current, and
report status conditions. Several replicas may run: a Lease elects the one that acts.

Options:
  --config FILE               The controller configuration (JSON, written by the ModelController
                              construct): the InferenceServices it serves.
  --kubeconfig FILE           Connect with this kubeconfig (default: $KUBECONFIG, else in-cluster).
  --lease-name NAME           The leader-election Lease (default kfs-model-controller).
  --lease-namespace NS        Its namespace (default: $POD_NAMESPACE, else the pod's namespace).
  --identity ID               Holder identity (default: $POD_NAME, else host name and process id).
  --lease-duration D          How long an unrenewed Lease holds (default 15s).
  --renew-deadline D          A leader that cannot renew for D stops acting (default 2/3 of the lease).
  --retry-period D            Time between Lease tries (default 2/15 of the lease).
  --resync-period D           Reconcile everything this often without events (default 60s).
  --workers N                 InferenceServices reconciled at once (default 4).
  --health-port N             Serve /healthz and /readyz on this port (0 picks one; default: none).
  --health-host ADDRESS       Address of the health endpoints (default 0.0.0.0).
  --log-level LEVEL           debug, info, warn, error or silent (default info).
  -h, --help                  Show this help.

Durations are written like 500ms, 15s or 2m. Stops gracefully on SIGTERM or SIGINT, handing the
Lease to a standby replica.
`;
