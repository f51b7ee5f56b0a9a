import { App, Chart } from 'cdk8s';
import { EgressHost, InferenceService, MeshMode, ModelFormat, StorageUri, Visibility } from '../../lib';

// A model reachable only inside the cluster (iris.models.svc.cluster.local), whose pods may call only
// what serving needs: the model store (an in-cluster MinIO, derived from the s3:// URI and the
// endpoint), the feature store its transformer reads, and the mesh and Knative control planes. In the
// mesh the Istio Sidecar makes every other host fail; the NetworkPolicy enforces the same at the CNI.
const app = new App();
const chart = new Chart(app, 'cluster-local-egress', { namespace: 'models' });

new InferenceService(chart, 'fraud', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('fraud-models', 'v7') },
  },
  transformer: {
    container: {
      image: 'registry.example.com/fraud-features:3.2.0',
      args: ['--feature_store', 'https://features.example.com'],
    },
  },
  ingress: { visibility: Visibility.CLUSTER_LOCAL },
  security: { mesh: MeshMode.ISTIO_SIDECAR },
  egress: {
    s3Endpoint: 'http://minio.storage.svc.cluster.local:9000',
    allowHosts: [EgressHost.https('features.example.com')],
  },
});

app.synth();
