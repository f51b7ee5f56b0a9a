import { App, Chart } from 'cdk8s';
import { EgressHost, GrafanaDashboard, InferenceService, MeshMode, ModelFormat, StorageUri } from '../../lib';

// A traced and scraped model: the Istio sidecars sample 10% of requests into the 'otel-tracing'
// provider of the mesh config and log failed requests; Prometheus scrapes kfs-runtime's metrics
// (port 8082) through Istio's metrics merging, which works under STRICT mTLS; a Grafana dashboard for
// the runtime's metrics ships beside it for Grafana's dashboard sidecar.
const app = new App();
const chart = new Chart(app, 'traced-scraped', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('example-models', 'iris/1') },
    minReplicas: 1,
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
  },
  egress: {},
});

new GrafanaDashboard(chart, 'dashboard', { namespace: 'monitoring', folder: 'Model serving' });

app.synth();
