import { Duration, Size } from 'cdk8s';
import { InferenceService, InferenceServiceProps, ModelFormat, PredictorProps, ScalingMetric, ScalingMetricType, StorageUri, Warnings } from '../../../lib';
import { find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };

function predictorOf(predictor: Partial<PredictorProps>, props: Partial<InferenceServiceProps> = {}): { manifests: any[]; isvc: InferenceService } {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model, ...predictor }, ...props });
  return { manifests: synth(chart), isvc };
}

function annotationsOf(predictor: Partial<PredictorProps>): { [key: string]: string } {
  return find(predictorOf(predictor).manifests, 'Service', 'iris-predictor').spec.template.metadata.annotations;
}

describe('Knative mode: every ScalingMetric lands on the revision template', () => {
  test('concurrency: KPA class, metric and per-replica target', () => {
    expect(annotationsOf({ scaleMetric: ScalingMetric.concurrency(10) })).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'concurrency',
      'autoscaling.knative.dev/target': '10',
      'autoscaling.knative.dev/min-scale': '0',
    });
  });

  test('rps: KPA class, fractional targets allowed', () => {
    expect(annotationsOf({ scaleMetric: ScalingMetric.rps(2.5), maxReplicas: 8 })).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'rps',
      'autoscaling.knative.dev/target': '2.5',
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '8',
    });
  });

  test('cpu: Knative HPA class, target in percent, and at least one replica by default', () => {
    const { manifests, isvc } = predictorOf({ scaleMetric: ScalingMetric.cpu(70), maxReplicas: 4 });
    expect(find(manifests, 'Service', 'iris-predictor').spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'cpu',
      'autoscaling.knative.dev/target': '70',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '4',
    });
    expect(isvc.predictor._resolved.scaling.minReplicas).toBe(1);
  });

  test('memory: Knative HPA class, target in mebibytes (Knative\'s unit for memory)', () => {
    expect(annotationsOf({ scaleMetric: ScalingMetric.memory(Size.gibibytes(1)) })).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'memory',
      'autoscaling.knative.dev/target': '1024',
      'autoscaling.knative.dev/min-scale': '1',
    });
  });

  test('the value types expose what they resolved to', () => {
    const memory = ScalingMetric.memory(Size.mebibytes(512));
    expect([memory.type, memory.target, memory.targetString, memory.toString(), memory.isRequestBased]).toEqual([ScalingMetricType.MEMORY, 512, '512Mi', 'memory 512Mi', false]);
    expect(ScalingMetric.cpu(80).toString()).toBe('cpu 80%');
    expect(ScalingMetric.concurrency(10).isRequestBased).toBe(true);
  });
});

describe('Knative mode: autoscaler tuning', () => {
  const { manifests, isvc } = predictorOf({
    scaleMetric: ScalingMetric.concurrency(10),
    minReplicas: 0,
    maxReplicas: 5,
    containerConcurrency: 20,
    timeout: Duration.seconds(90),
    knativeScaling: {
      initialReplicas: 2,
      targetUtilizationPercentage: 80,
      scaleDownDelay: Duration.minutes(1),
      scaleToZeroPodRetentionPeriod: Duration.minutes(2),
      stableWindow: Duration.seconds(45),
      panicWindowPercentage: 20,
      panicThresholdPercentage: 150,
    },
  });
  const ksvc = find(manifests, 'Service', 'iris-predictor');

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('every option becomes its autoscaling.knative.dev annotation, durations in seconds', () => {
    expect(ksvc.spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'concurrency',
      'autoscaling.knative.dev/target': '10',
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/max-scale': '5',
      'autoscaling.knative.dev/initial-scale': '2',
      'autoscaling.knative.dev/target-utilization-percentage': '80',
      'autoscaling.knative.dev/scale-down-delay': '60s',
      'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '120s',
      'autoscaling.knative.dev/window': '45s',
      'autoscaling.knative.dev/panic-window-percentage': '20',
      'autoscaling.knative.dev/panic-threshold-percentage': '150',
    });
  });

  test('nothing lands on the Service metadata, where Knative ignores autoscaling annotations', () => {
    expect(ksvc.metadata.annotations).toBeUndefined();
  });

  test('the hard concurrency limit and the timeout are revision spec fields', () => {
    expect(ksvc.spec.template.spec.containerConcurrency).toBe(20);
    expect(ksvc.spec.template.spec.timeoutSeconds).toBe(90);
    expect(ksvc.spec.template.spec.responseStartTimeoutSeconds).toBe(90);
  });

  test('no raw-mode objects in Knative mode', () => {
    expect(manifests.map(m => m.kind)).toEqual(['Service', 'VirtualService', 'Service']);
    expect(isvc.predictor.deployment).toBeUndefined();
    expect(isvc.predictor.horizontalPodAutoscaler).toBeUndefined();
    expect(isvc.predictor.scaledObject).toBeUndefined();
    expect(isvc.predictor.knativeService).toBeDefined();
  });
});

describe('Knative mode: annotations and defaults', () => {
  test('a user-chosen class is kept when no scaleMetric decides it', () => {
    expect(annotationsOf({ annotations: { 'autoscaling.knative.dev/class': 'keda.autoscaling.knative.dev' } })['autoscaling.knative.dev/class']).toBe('keda.autoscaling.knative.dev');
  });

  test('other annotations pass through to the revision template', () => {
    expect(annotationsOf({ annotations: { 'autoscaling.knative.dev/target-burst-capacity': '0' } })['autoscaling.knative.dev/target-burst-capacity']).toBe('0');
  });

  test('initialReplicas 0 warns that config-autoscaler must allow it', () => {
    const { isvc } = predictorOf({ knativeScaling: { initialReplicas: 0 } });
    expect(Warnings.of(isvc).all).toEqual([
      `InferenceService 'iris': predictor.knativeScaling.initialReplicas (0) needs 'allow-zero-initial-scale: "true"' in the knative-serving/config-autoscaler ConfigMap, or Knative rejects the revision`,
    ]);
  });

  test('transformers and explainers scale on their own metrics', () => {
    const chart = newChart();
    new InferenceService(chart, 'iris', {
      predictor: { model, scaleMetric: ScalingMetric.concurrency(4) },
      transformer: { container: { image: 'x/t:1' }, scaleMetric: ScalingMetric.rps(50) },
    });
    const manifests = synth(chart);
    expect(find(manifests, 'Service', 'iris-predictor').spec.template.metadata.annotations['autoscaling.knative.dev/metric']).toBe('concurrency');
    expect(find(manifests, 'Service', 'iris-transformer').spec.template.metadata.annotations['autoscaling.knative.dev/metric']).toBe('rps');
  });
});
