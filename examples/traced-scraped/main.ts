import { App, Chart } from 'cdk8s';
import { EgressHost, GrafanaDashboard, InferenceService, LoggerMode, MeshMode, ModelFormat, StorageUri } from '../../lib';

// A traced, scraped, batched and logged model: the Istio sidecars sample 10% of requests into the
// 'otel-tracing' provider of the mesh config and log failed requests; kfs-runtime continues those
// traces with its own decode/queue/inference/encode spans (OTLP/HTTP to the collector), batches
// requests arriving within 20 ms into runs of up to 16 rows, and posts every request and response
// as a CloudEvent to a Knative Broker; Prometheus scrapes kfs-runtime's metrics (port 8082) through
// Istio's metrics merging, which works under STRICT mTLS; a Grafana dashboard for the runtime's
// metrics ships beside it for Grafana's dashboard sidecar. Egress control allows the collector and
// the broker, derived from the props.
const app = new App();
const chart = new Chart(app, 'traced-scraped', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('example-models', 'iris/1') },
    minReplicas: 1,
    batcher: { maxBatchSize: 16, maxLatency: 20 },
    logger: { url: 'http://broker-ingress.knative-eventing.svc.cluster.local/models/default', mode: LoggerMode.ALL, metadataHeaders: ['x-request-id'] },
  },
  security: { mesh: MeshMode.ISTIO_SIDECAR },
  observability: {
    prometheus: {},
    tracing: {
      provider: 'otel-tracing',
      samplingPercentage: 10,
      collector: EgressHost.http('otel-collector.observability.svc.cluster.local', 4317),
    },
    accessLogging: { filter: 'response.code >= 400' },
    runtimeTracing: { otlpEndpoint: 'http://otel-collector.observability.svc.cluster.local:4318', sampleRatio: 0.1 },
  },
  egress: {},
});

new GrafanaDashboard(chart, 'dashboard', { namespace: 'monitoring', folder: 'Model serving' });

app.synth();
