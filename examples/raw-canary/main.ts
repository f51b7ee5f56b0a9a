import { App, Chart } from 'cdk8s';
import { CanaryRollout, DeploymentMode, InferenceService, ModelFormat, PredictorProps, RequestMatch, StorageUri } from '../../lib';

// A canary in raw deployment mode (no Knative): the same CanaryRollout as in Knative mode, rendered as a
// second Deployment and Service, iris-predictor-v2, beside the stable iris-predictor. The InferenceService's
// Istio VirtualService sends 10 % of the requests, and every request with `x-canary: always`, to the
// canary; a mesh VirtualService on iris-predictor's own host splits in-mesh calls the same way. The
// Services latest-iris-predictor and prev-iris-predictor reach one track each, and so do their external
// hosts latest-iris-predictor-models.example.com and prev-iris-predictor-models.example.com.
//
// External requests come in through the Istio ingress gateway, where the VirtualService can weigh them: a
// Kubernetes Ingress would send them straight to the stable Service, so synth refuses one beside a canary.
const app = new App();
const chart = new Chart(app, 'raw-canary', { namespace: 'models' });

const model = (version: number): PredictorProps => ({
  model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', `iris/${version}`) },
  minReplicas: 1,
  maxReplicas: 4,
});

const isvc = new InferenceService(chart, 'iris', {
  deploymentMode: DeploymentMode.RAW,
  ingress: { kubernetesIngress: false, ingressGateway: 'istio-system/istio-ingressgateway' },
  predictor: model(1),
  canary: new CanaryRollout({
    // The revision id names the canary's Deployment and Service; without one they get a hash of its pod template.
    predictor: { ...model(2), revision: 'v2' },
    percent: 10,
    canaryWhen: [RequestMatch.header('x-canary', 'always')],
  }),
  // Next commits: `.promote()` (100 % to v2, v1 kept running at 0 %), then `predictor: model(2)` without
  // canary, which rolls iris-predictor to v2 and leaves iris-predictor-v2 for `kubectl apply --prune` to delete.
});

// The URLs are outputs: the tag Services in the cluster, and their hosts on the ingress gateway.
process.stderr.write(`canary: ${isvc.canaryEndpoint?.clusterLocalUrl} (${isvc.canaryEndpoint?.url}), stable: ${isvc.stableEndpoint?.clusterLocalUrl} (${isvc.stableEndpoint?.url})\n`);

app.synth();
