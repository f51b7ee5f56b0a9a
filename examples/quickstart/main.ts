import { App, Chart } from 'cdk8s';
import { InferenceService, ModelFormat, StorageUri } from '../../lib';

// The smallest useful InferenceService: an ONNX iris classifier served by the bundled kfs-runtime,
// scaled to zero when idle.
const app = new App();
const chart = new Chart(app, 'quickstart', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: {
      format: ModelFormat.ONNX,
      storageUri: StorageUri.s3('example-models', 'iris/1'),
    },
  },
});

app.synth();
