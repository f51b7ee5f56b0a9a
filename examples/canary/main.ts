import { App, Chart } from 'cdk8s';
import { CanaryRollout, InferenceService, ModelFormat, StorageUri } from '../../lib';

// A canary: iris model 2 takes 10 % of the requests, model 1 (already deployed by the previous commit)
// the other 90 %. Both Knative revisions are named from their templates, so the traffic block names them
// both; the canary also answers at latest-iris-predictor.models.example.com and the stable revision at
// prev-iris-predictor.models.example.com. Roll back with `.rollback()` (or by deleting `canary`).
const app = new App();
const chart = new Chart(app, 'canary', { namespace: 'models' });

const isvc = new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') },
    minReplicas: 1,
  },
  canary: new CanaryRollout({
    predictor: {
      model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/2') },
      minReplicas: 1,
    },
    percent: 10,
  }),
});

// The URLs are outputs: hand them to smoke tests, dashboards or other constructs.
process.stderr.write(`canary: ${isvc.canaryEndpoint?.url}, stable: ${isvc.stableEndpoint?.url}\n`);

app.synth();
