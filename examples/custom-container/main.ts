import { App, Chart } from 'cdk8s';
import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Gpu, InferenceService, ProtocolVersion } from '../../lib';

// Your own model server image as the predictor, on one NVIDIA GPU, speaking the v2 protocol.
const app = new App();
const chart = new Chart(app, 'custom-container', { namespace: 'models' });

new InferenceService(chart, 'llm-embedder', {
  predictor: {
    container: {
      image: 'registry.example.com/embedder-server:2.1.0',
      args: ['--port', '8080'],
      protocolVersion: ProtocolVersion.V2,
    },
    gpu: Gpu.nvidia(1),
    resources: {
      cpu: { request: Cpu.units(2), limit: Cpu.units(4) },
      memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) },
    },
    minReplicas: 1,
    maxReplicas: 4,
    serviceAccountName: 'embedder',
  },
});

app.synth();
