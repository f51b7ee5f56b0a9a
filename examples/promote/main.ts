import { App, Chart } from 'cdk8s';
import { InferenceService, ModelFormat, ProgressiveRollout, StorageUri } from '../../lib';

// The last step of a progressive rollout of a new transformer and model together. The commits were:
//   1. canary: rollout.step(1)   10 %
//   2. canary: rollout.step(2)   50 %
//   3. canary: rollout.step(3)   100 %
//   4. canary: rollout.promote() (this file) 100 %, header rules dropped; the old revisions stay tagged
//      `prev` at 0 %, so `canary: rollout.rollback()` is still an instant, status-independent way back.
//   5. next: move the canary props into `predictor`/`transformer` and delete `canary`. The revisions
//      keep their names (names come from the templates), so that commit changes only the traffic.
const app = new App();
const chart = new Chart(app, 'promote', { namespace: 'models' });

const transformerImage = (version: string) => ({ container: { image: `registry.example.com/iris-feature-transformer:${version}` } });
const model = (version: number) => ({ model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', `iris/${version}`) } });

const rollout = new ProgressiveRollout({
  predictor: model(2),
  transformer: transformerImage('1.5.0'),
  steps: [10, 50, 100],
});

new InferenceService(chart, 'iris', {
  predictor: model(1),
  transformer: transformerImage('1.4.0'),
  canary: rollout.promote(),
});

app.synth();
