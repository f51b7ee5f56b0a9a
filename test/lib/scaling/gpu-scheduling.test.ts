import { Duration } from 'cdk8s';
import { TaintEffect } from 'cdk8s-plus-27';
import { Autoscaler, DeploymentMode, Gpu, InferenceService, InferenceServiceProps, ModelFormat, PredictorProps, StorageUri, Toleration, Trigger, Warnings } from '../../../lib';
import { containerOf, find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const flag = (what: string, name: string) =>
  `InferenceService 'iris': ${what} needs the Knative feature flag '${name}: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision`;

function build(predictor: Partial<PredictorProps>, props: Partial<InferenceServiceProps> = {}): { manifests: any[]; isvc: InferenceService } {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model, ...predictor }, ...props });
  return { manifests: synth(chart), isvc };
}

describe('GPU without node selection (Knative mode)', () => {
  const { manifests, isvc } = build({ gpu: Gpu.nvidia(2) });
  const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('the GPU is a limit and an equal request, built through the typed API so it survives synth', () => {
    expect(containerOf(find(manifests, 'Service', 'iris-predictor')).resources).toEqual({
      requests: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '2' },
      limits: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '2' },
    });
  });

  test('no affinity, no tolerations, no node selector, and so no feature-flag warning', () => {
    expect(spec.affinity).toBeUndefined();
    expect(spec.tolerations).toBeUndefined();
    expect(spec.nodeSelector).toBeUndefined();
    expect(Warnings.of(isvc).all).toEqual([]);
  });
});

describe('GPU with product selection, tolerations and a node selector (Knative mode)', () => {
  const { manifests, isvc } = build({
    gpu: Gpu.nvidia(1, { products: ['Tesla-T4', 'NVIDIA-A100-SXM4-80GB', 'Tesla-T4'] }),
    tolerations: [Toleration.nvidiaGpu(), Toleration.equal('dedicated', 'inference', { effect: TaintEffect.NO_EXECUTE, tolerationSeconds: Duration.minutes(5) })],
    nodeSelector: { 'cloud.google.com/gke-nodepool': 'gpu-pool' },
  });
  const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('required node affinity on nvidia.com/gpu.product, products sorted and deduplicated', () => {
    expect(spec.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB', 'Tesla-T4'] }] }],
        },
      },
    });
  });

  test('tolerations and node selector as Kubernetes writes them', () => {
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'inference', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-nodepool': 'gpu-pool' });
  });

  test('one warning per Knative feature flag, naming the flag', () => {
    expect(Warnings.of(isvc).all).toEqual([
      flag('predictor.nodeSelector', 'kubernetes.podspec-nodeselector'),
      flag('predictor.tolerations', 'kubernetes.podspec-tolerations'),
      flag("predictor.gpu.products (node affinity on 'nvidia.com/gpu.product')", 'kubernetes.podspec-affinity'),
    ]);
  });
});

describe('GPU in raw mode', () => {
  const { manifests, isvc } = build({
    gpu: Gpu.nvidia(1, { products: ['NVIDIA-L4'] }),
    tolerations: [Toleration.nvidiaGpu()],
    nodeSelector: { 'node.kubernetes.io/instance-type': 'g2-standard-8' },
    maxReplicas: 4,
    autoscaler: Autoscaler.keda({ triggers: [Trigger.gpuUtilization({ serverAddress: 'http://prometheus.monitoring.svc:9090', targetPercent: 75 })] }),
  }, { deploymentMode: DeploymentMode.RAW });
  const spec = find(manifests, 'Deployment', 'iris-predictor').spec.template.spec;

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('the same scheduling on the Deployment, and no warnings: Kubernetes needs no flags', () => {
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4'] }]);
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'g2-standard-8' });
    expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(spec.containers[0].resources.requests['nvidia.com/gpu']).toBe('1');
    expect(Warnings.of(isvc).all).toEqual([]);
  });
});

describe('GPU vendors', () => {
  test('AMD products select on amd.com/gpu.product-name', () => {
    const gpu = Gpu.amd(1, { products: ['AMD_Instinct_MI300X'] });
    expect([gpu.resourceName, gpu.productLabel, gpu.products]).toEqual(['amd.com/gpu', 'amd.com/gpu.product-name', ['AMD_Instinct_MI300X']]);
  });

  test('another device-plugin resource with its own product label', () => {
    const { manifests } = build({ gpu: Gpu.of('nvidia.com/mig-1g.10gb', 1, { products: ['NVIDIA-A100-SXM4-80GB'], productLabel: 'nvidia.com/gpu.product' }) });
    const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;
    expect(spec.containers[0].resources.limits['nvidia.com/mig-1g.10gb']).toBe('1');
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('nvidia.com/gpu.product');
  });

  test('Intel GPUs have no product label', () => {
    expect(Gpu.intel(1).productLabel).toBeUndefined();
    expect(Gpu.nvidia(1).products).toEqual([]);
  });
});
