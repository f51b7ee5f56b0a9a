import { App, Chart } from 'cdk8s';
import { CanaryRollout, InferenceService, ModelFormat, StorageUri } from '../../lib';

// A shadow rollout: every client is answered by model 1, while a copy of 20 % of the requests goes to
// model 2, whose answers are discarded. Compare the two in your metrics, then move to a real canary.
const app = new App();
const chart = new Chart(app, 'mirrored-shadow', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') },
  },
  canary: new CanaryRollout({
    predictor: {
      model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/2') },
      // Shadow traffic should not wait for a cold start.
      minReplicas: 1,
    },
    percent: 0,
    mirrorPercent: 20,
  }),
});

app.synth();
