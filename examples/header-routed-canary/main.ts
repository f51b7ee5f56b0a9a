import { App, Chart } from 'cdk8s';
import { CanaryRollout, InferenceService, ModelFormat, RequestMatch, StorageUri } from '../../lib';

// A dark launch: the canary takes no share of the traffic, but requests with `x-canary: always`, or
// from browsers carrying the cookie `canary=always`, go to it. The top-level Istio VirtualService routes
// them to the canary's `latest` tag (no Knative feature flag needed); `x-canary: never` pins a request to
// the stable revision. Raise `percent` in a later commit to start the split.
const app = new App();
const chart = new Chart(app, 'header-routed-canary', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') },
  },
  canary: new CanaryRollout({
    predictor: {
      model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/2') },
    },
    percent: 0,
    canaryWhen: [RequestMatch.header('x-canary', 'always'), RequestMatch.cookie('canary', 'always')],
    stableWhen: [RequestMatch.header('x-canary', 'never')],
  }),
});

app.synth();
