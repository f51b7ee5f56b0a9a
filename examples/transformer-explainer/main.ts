import { App, Chart, Duration } from 'cdk8s';
import { Cpu, EnvValue } from 'cdk8s-plus-27';
import { InferenceService, ModelFormat, StorageUri } from '../../lib';

// A predictor behind a transformer, with an explainer beside it. Predict requests to
// iris.models.example.com reach the transformer, which calls iris-predictor.models; `:explain`
// requests reach the explainer.
const app = new App();
const chart = new Chart(app, 'transformer-explainer', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  labels: { 'app.kubernetes.io/part-of': 'iris-demo' },
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('example-models', 'iris/1') },
    minReplicas: 1,
    maxReplicas: 5,
    containerConcurrency: 16,
    timeout: Duration.seconds(30),
  },
  transformer: {
    container: {
      image: 'registry.example.com/iris-feature-transformer:1.4.0',
      args: ['--feature_store', 'http://features.feast.svc.cluster.local'],
    },
    env: { LOG_LEVEL: EnvValue.fromValue('info') },
    resources: { cpu: { request: Cpu.millis(250), limit: Cpu.units(1) } },
  },
  explainer: {
    container: { image: 'registry.example.com/iris-anchor-explainer:0.3.1' },
    maxReplicas: 2,
  },
});

app.synth();
