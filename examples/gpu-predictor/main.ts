import { App, Chart } from 'cdk8s';
import { Gpu, InferenceService, ModelFormat, ModelRuntime, ScalingMetric, StorageUri, Toleration } from '../../lib';

// One NVIDIA GPU per replica, on A100 or L4 nodes only (required node affinity on the
// `nvidia.com/gpu.product` label that NVIDIA GPU feature discovery sets), tolerating the
// `nvidia.com/gpu` taint GPU node pools carry. Triton serves the ONNX model on the GPU.
//
// Knative rejects affinity, tolerations and init containers unless their feature flags are on, so
// synth prints one warning per flag this predictor needs.
const app = new App();
const chart = new Chart(app, 'gpu-predictor', { namespace: 'models' });

new InferenceService(chart, 'resnet', {
  predictor: {
    model: {
      format: ModelFormat.ONNX,
      storageUri: StorageUri.gcs('example-models', 'resnet50/onnx'),
      runtime: ModelRuntime.TRITON_SERVER,
    },
    gpu: Gpu.nvidia(1, { products: ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-L4'] }),
    tolerations: [Toleration.nvidiaGpu()],
    // Request-based scaling works the same on GPUs; keep one warm replica (GPU cold starts are slow).
    scaleMetric: ScalingMetric.concurrency(4),
    minReplicas: 1,
    maxReplicas: 3,
  },
});

app.synth();
