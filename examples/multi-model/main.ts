import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { DeploymentMode, InferenceService, ModelController, ModelFormat, StorageCredentials, StorageUri, TrainedModel } from '../../lib';

// Scalable multi-model serving: one InferenceService whose predictor replicas serve many ONNX
// models. Each TrainedModel is hot-loaded into every replica by the ModelController (no restart);
// the controller admits models while their memory fits in the predictor's 2 GiB limit.
const app = new App();
const chart = new Chart(app, 'multi-model', { namespace: 'models' });

const mms = new InferenceService(chart, 'mms', {
  deploymentMode: DeploymentMode.RAW,
  predictor: {
    multiModel: {
      format: ModelFormat.ONNX,
      // The bucket the TrainedModels live in: the replicas get its key pair from this Secret.
      storage: StorageUri.s3('example-models', '', { credentials: StorageCredentials.fromS3Secret('s3-credentials') }),
    },
    minReplicas: 3,
    maxReplicas: 6,
    resources: {
      cpu: { request: Cpu.units(1), limit: Cpu.units(2) },
      memory: { request: Size.gibibytes(2), limit: Size.gibibytes(2) },
    },
  },
});

new TrainedModel(chart, 'iris', {
  inferenceService: mms,
  storageUri: StorageUri.s3('example-models', 'iris/1'),
  format: ModelFormat.ONNX,
  memory: Size.mebibytes(64),
});

new TrainedModel(chart, 'mnist-mlp', {
  inferenceService: mms,
  storageUri: StorageUri.s3('example-models', 'mlp/1'),
  format: ModelFormat.ONNX,
  memory: Size.mebibytes(256),
});

// The CRD is ours to install here (no KServe in this cluster); two replicas, one elected leader.
new ModelController(chart, 'controller', { inferenceServices: [mms], replicas: 2, installCrd: true });

app.synth();
