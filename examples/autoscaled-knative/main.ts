import { App, Chart, Duration } from 'cdk8s';
import { InferenceService, ModelFormat, ScalingMetric, StorageUri } from '../../lib';

// Request-based autoscaling with Knative: each replica aims at 10 requests in flight, and the
// predictor scales to zero when idle (the Knative activator holds the first request while a replica
// starts). Everything lands as autoscaling.knative.dev annotations on the revision template; no
// Knative feature flag is needed, so synth prints no warning.
const app = new App();
const chart = new Chart(app, 'autoscaled-knative', { namespace: 'models' });

new InferenceService(chart, 'iris', {
  predictor: {
    model: {
      format: ModelFormat.ONNX,
      storageUri: StorageUri.s3('example-models', 'iris/1'),
    },
    scaleMetric: ScalingMetric.concurrency(10),
    minReplicas: 0,
    maxReplicas: 5,
    // The hard limit: requests beyond 20 per replica wait in Knative's queue-proxy.
    containerConcurrency: 20,
    knativeScaling: {
      targetUtilizationPercentage: 80,
      // Keep the last replica a little after traffic stops, to ride out short gaps without a cold start.
      scaleToZeroPodRetentionPeriod: Duration.minutes(2),
      scaleDownDelay: Duration.seconds(30),
      stableWindow: Duration.seconds(60),
    },
  },
});

app.synth();
