import { App, Chart } from 'cdk8s';
import { InferenceService, ModelFormat, StorageCredentials, StorageUri } from '../../lib';

// An ONNX model in a private bucket of an S3-compatible store, with the access key pair read from a
// Kubernetes Secret that already exists in the namespace (created by your secrets tooling, e.g.
// External Secrets, or `kubectl create secret generic s3-credentials --from-literal=AWS_ACCESS_KEY_ID=…
// --from-literal=AWS_SECRET_ACCESS_KEY=…`). The manifest only names the Secret and its keys;
// kfs-runtime reads them as KServe's AWS_* variables and pulls the model itself at startup.
const app = new App();
const chart = new Chart(app, 's3-credentials', { namespace: 'models' });

new InferenceService(chart, 'fraud', {
  predictor: {
    model: {
      format: ModelFormat.ONNX,
      storageUri: StorageUri.s3('private-models', 'fraud/onnx', {
        credentials: StorageCredentials.fromS3Secret('s3-credentials'),
        endpoint: 'https://s3.storage.example.com',
        region: 'eu-central-1',
      }),
    },
  },
});

app.synth();
