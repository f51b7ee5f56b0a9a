import { App, Chart } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import { Autoscaler, DeploymentMode, InferenceService, ModelFormat, PrometheusAuthentication, StorageUri, Trigger } from '../../lib';

// Raw deployment mode (KServe "Standard"): a Deployment, a Service, an Istio VirtualService and a
// Kubernetes Ingress, with no Knative in the cluster. KEDA scales the predictor on its request rate
// and down to zero when idle. Without Knative's activator nothing holds requests at zero replicas:
// the first requests after an idle period fail until KEDA has started a replica, so use scale to zero
// in raw mode for traffic that can retry.
const app = new App();
const chart = new Chart(app, 'raw-keda', { namespace: 'models' });

// Requests per second as the sending side's Istio proxy (the ingress gateway or a client sidecar)
// reports them, so the rate is there even while the predictor has no pod.
const requestRate = 'sum(rate(istio_requests_total{reporter="source",destination_service_namespace="models",destination_service_name="iris-predictor"}[1m]))';

new InferenceService(chart, 'iris', {
  deploymentMode: DeploymentMode.RAW,
  predictor: {
    model: {
      format: ModelFormat.ONNX,
      storageUri: StorageUri.s3('example-models', 'iris/1'),
    },
    minReplicas: 0,
    maxReplicas: 4,
    autoscaler: Autoscaler.keda({
      triggers: [
        Trigger.prometheus({
          serverAddress: 'http://prometheus.monitoring.svc:9090',
          query: requestRate,
          // One replica per 20 requests per second; wake from zero on any traffic.
          threshold: 20,
          activationThreshold: 0,
          authentication: PrometheusAuthentication.bearer(Secret.fromSecretName(chart, 'PrometheusToken', 'prometheus-reader'), 'token'),
        }),
      ],
    }),
  },
});

app.synth();
