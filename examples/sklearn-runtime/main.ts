import { App, Chart } from 'cdk8s';
import { InferenceService, ModelFormat, StorageUri } from '../../lib';

// A scikit-learn model served by KServe's sklearnserver. That image reads its model from
// /mnt/models, so the library adds KServe's storage-initializer as an init container: the cluster
// needs Knative's `kubernetes.podspec-init-containers` flag, and synth prints a warning saying so.
const app = new App();
const chart = new Chart(app, 'sklearn-runtime', { namespace: 'models' });

new InferenceService(chart, 'sklearn-iris', {
  predictor: {
    model: {
      format: ModelFormat.SKLEARN.withVersion('1'),
      storageUri: StorageUri.parse('gs://kfserving-examples/models/sklearn/1.0/model'),
    },
    maxReplicas: 3,
  },
});

app.synth();
