import { Cron, Duration, Size } from 'cdk8s';
import { Secret, TaintEffect } from 'cdk8s-plus-27';
import {
  Autoscaler, DeploymentMode, Gpu, InferenceService, InferenceServiceProps, ModelFormat, PrometheusAuthMode, PrometheusAuthentication,
  ScalingMetric, StorageUri, Toleration, Trigger, ValidationError,
} from '../../../lib';
import { newChart } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const prometheus = 'http://prometheus.monitoring.svc:9090';
const activating = () => Trigger.prometheus({ serverAddress: prometheus, query: 'sum(rate(x[1m]))', threshold: 10, activationThreshold: 1 });
const notActivating = () => Trigger.prometheus({ serverAddress: prometheus, query: 'sum(rate(x[1m]))', threshold: 10 });

function knative(props: Partial<InferenceServiceProps>): () => InferenceService {
  return () => new InferenceService(newChart(), 'iris', { predictor: { model }, ...props } as InferenceServiceProps);
}

function raw(props: Partial<InferenceServiceProps>): () => InferenceService {
  return () => new InferenceService(newChart(), 'iris', { predictor: { model }, ...props, deploymentMode: DeploymentMode.RAW } as InferenceServiceProps);
}

function messageOf(construct: () => unknown): string {
  try {
    construct();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

describe('scaling rules in Knative mode', () => {
  test.each<[string, () => unknown, string]>([
    ['an autoscaler is raw-mode only', knative({ predictor: { model, autoscaler: Autoscaler.hpa() } }),
      `InferenceService 'iris': predictor.autoscaler ('hpa') is used only in raw deployment mode; remove it, or set deploymentMode: DeploymentMode.RAW (Knative mode scales with scaleMetric and knativeScaling)`],
    ['cpu metric cannot scale to zero', knative({ predictor: { model, scaleMetric: ScalingMetric.cpu(80), minReplicas: 0 } }),
      `InferenceService 'iris': predictor.minReplicas (0) cannot be reached with scaleMetric 'cpu 80%' (Knative's HPA class keeps at least 1 replica); set minReplicas to 1 or more, or scale on ScalingMetric.concurrency or ScalingMetric.rps to scale to zero`],
    ['memory metric cannot scale to zero', knative({ transformer: { container: { image: 'x/t:1' }, scaleMetric: ScalingMetric.memory(Size.mebibytes(512)), minReplicas: 0 } }),
      `InferenceService 'iris': transformer.minReplicas (0) cannot be reached with scaleMetric 'memory 512Mi' (Knative's HPA class keeps at least 1 replica); set minReplicas to 1 or more, or scale on ScalingMetric.concurrency or ScalingMetric.rps to scale to zero`],
    ['KPA-only tuning with the HPA class', knative({ predictor: { model, scaleMetric: ScalingMetric.cpu(70), knativeScaling: { stableWindow: Duration.seconds(30) } } }),
      `InferenceService 'iris': predictor.knativeScaling.stableWindow ('30s') is read by Knative's KPA only, and scaleMetric 'cpu 70%' uses its HPA class; remove it, or scale on ScalingMetric.concurrency or ScalingMetric.rps`],
    ['KPA-only percentage with the HPA class', knative({ predictor: { model, scaleMetric: ScalingMetric.cpu(70), knativeScaling: { targetUtilizationPercentage: 70 } } }),
      `InferenceService 'iris': predictor.knativeScaling.targetUtilizationPercentage (70) is read by Knative's KPA only, and scaleMetric 'cpu 70%' uses its HPA class; remove it, or scale on ScalingMetric.concurrency or ScalingMetric.rps`],
    ['initialReplicas above maxReplicas', knative({ predictor: { model, maxReplicas: 2, knativeScaling: { initialReplicas: 3 } } }),
      `InferenceService 'iris': predictor.knativeScaling.initialReplicas (3) is greater than maxReplicas (2); lower initialReplicas or raise maxReplicas`],
    ['initialReplicas a whole number', knative({ predictor: { model, knativeScaling: { initialReplicas: 1.5 } } }),
      `InferenceService 'iris': predictor.knativeScaling.initialReplicas (1.5) is not a non-negative integer; use a whole number of 0 or more`],
    ['target utilization within 1-100', knative({ predictor: { model, knativeScaling: { targetUtilizationPercentage: 120 } } }),
      `InferenceService 'iris': predictor.knativeScaling.targetUtilizationPercentage (120) is not a percentage from 1 to 100; use e.g. 70`],
    ['stable window at least 6 seconds', knative({ predictor: { model, knativeScaling: { stableWindow: Duration.seconds(5) } } }),
      `InferenceService 'iris': predictor.knativeScaling.stableWindow ('5s') is not a whole number of seconds from 6s to 1h; use e.g. Duration.seconds(60)`],
    ['scale-down delay at most one hour', knative({ predictor: { model, knativeScaling: { scaleDownDelay: Duration.hours(2) } } }),
      `InferenceService 'iris': predictor.knativeScaling.scaleDownDelay ('7200s') is not a whole number of seconds from 0s to 1h; use e.g. Duration.minutes(5)`],
    ['retention period in whole seconds', knative({ predictor: { model, knativeScaling: { scaleToZeroPodRetentionPeriod: Duration.millis(1500) } } }),
      `InferenceService 'iris': predictor.knativeScaling.scaleToZeroPodRetentionPeriod ('1.5s') is not a whole number of seconds from 0s to 1h; use e.g. Duration.minutes(5)`],
    ['panic window within 1-100', knative({ predictor: { model, knativeScaling: { panicWindowPercentage: 0 } } }),
      `InferenceService 'iris': predictor.knativeScaling.panicWindowPercentage (0) is not a percentage from 1 to 100; use e.g. 10`],
    ['panic threshold within 110-1000', knative({ predictor: { model, knativeScaling: { panicThresholdPercentage: 100 } } }),
      `InferenceService 'iris': predictor.knativeScaling.panicThresholdPercentage (100) is not a percentage from 110 to 1000; use e.g. 200`],
    ['annotation owned by scaleMetric', knative({ predictor: { model, scaleMetric: ScalingMetric.rps(5), annotations: { 'autoscaling.knative.dev/target': '7' } } }),
      `InferenceService 'iris': predictor.annotations ('autoscaling.knative.dev/target') is set from predictor.scaleMetric; remove the annotation, or remove predictor.scaleMetric`],
    ['annotation owned by knativeScaling', knative({ predictor: { model, knativeScaling: { stableWindow: Duration.seconds(60) }, annotations: { 'autoscaling.knative.dev/window': '30s' } } }),
      `InferenceService 'iris': predictor.annotations ('autoscaling.knative.dev/window') is set from predictor.knativeScaling.stableWindow; remove the annotation, or remove predictor.knativeScaling.stableWindow`],
    ['class annotation with a scaleMetric', knative({ predictor: { model, scaleMetric: ScalingMetric.cpu(50), annotations: { 'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev' } } }),
      `InferenceService 'iris': predictor.annotations ('autoscaling.knative.dev/class') is set from predictor.scaleMetric; remove the annotation, or remove predictor.scaleMetric`],
    ['Kubernetes Ingress is raw-mode only', knative({ ingress: { kubernetesIngress: true } }),
      `InferenceService 'iris': ingress.kubernetesIngress (true) is used only in raw deployment mode; remove it; in Knative mode requests reach the components through Knative's gateways`],
    ['Ingress class is raw-mode only', knative({ ingress: { ingressClassName: 'nginx' } }),
      `InferenceService 'iris': ingress.ingressClassName ('nginx') is used only in raw deployment mode; remove it; in Knative mode requests reach the components through Knative's gateways`],
  ])('%s', (_rule, construct, message) => {
    expect(messageOf(construct)).toBe(message);
  });
});

describe('scaling rules in raw deployment mode', () => {
  test.each<[string, () => unknown, string]>([
    ['rps has no HPA equivalent', raw({ predictor: { model, maxReplicas: 3, scaleMetric: ScalingMetric.rps(5) } }),
      `InferenceService 'iris': predictor.scaleMetric ('rps 5') has no HorizontalPodAutoscaler equivalent in raw deployment mode; use ScalingMetric.cpu or ScalingMetric.memory, or Autoscaler.keda with a Prometheus trigger on the request rate`],
    ['concurrency has no HPA equivalent', raw({ predictor: { model, maxReplicas: 3, scaleMetric: ScalingMetric.concurrency(10) } }),
      `InferenceService 'iris': predictor.scaleMetric ('concurrency 10') has no HorizontalPodAutoscaler equivalent in raw deployment mode; use ScalingMetric.cpu or ScalingMetric.memory, or Autoscaler.keda with a Prometheus trigger on the request rate`],
    ['minReplicas 0 with an HPA', raw({ predictor: { model, maxReplicas: 3, minReplicas: 0 } }),
      `InferenceService 'iris': predictor.minReplicas (0) cannot be reached with a HorizontalPodAutoscaler, which keeps at least 1 replica; set minReplicas to 1 or more, or scale to zero with Autoscaler.keda and a trigger with an activationThreshold`],
    ['an HPA needs maxReplicas', raw({}),
      `InferenceService 'iris': predictor.maxReplicas is unset, and a HorizontalPodAutoscaler needs an upper bound; set maxReplicas, e.g. to 3`],
    ['KEDA needs maxReplicas', raw({ predictor: { model, minReplicas: 4, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80)] }) } }),
      `InferenceService 'iris': predictor.maxReplicas is unset, and a KEDA ScaledObject needs an upper bound; set maxReplicas, e.g. to 4`],
    ['containerConcurrency needs queue-proxy', raw({ predictor: { model, maxReplicas: 3, containerConcurrency: 10 } }),
      `InferenceService 'iris': predictor.containerConcurrency (10) is enforced by Knative's queue-proxy, which raw deployment mode does not run; remove it, or limit concurrency in the model server itself`],
    ['knativeScaling needs Knative', raw({ predictor: { model, maxReplicas: 3, knativeScaling: { scaleDownDelay: Duration.minutes(1) } } }),
      `InferenceService 'iris': predictor.knativeScaling.scaleDownDelay ('1 minute') is read by Knative's autoscaler, which raw deployment mode does not run; remove knativeScaling; raw mode scales with autoscaler: Autoscaler.hpa() or Autoscaler.keda(...)`],
    ['Knative autoscaling annotations need Knative', raw({ transformer: { container: { image: 'x/t:1' }, maxReplicas: 2, annotations: { 'autoscaling.knative.dev/target': '5' } }, predictor: { model, maxReplicas: 2 } }),
      `InferenceService 'iris': transformer.annotations ('autoscaling.knative.dev/target') is read by Knative only, and raw deployment mode does not run Knative; remove the annotation; raw mode scales with autoscaler`],
    ['KEDA does not read scaleMetric', raw({ predictor: { model, maxReplicas: 3, scaleMetric: ScalingMetric.cpu(80), autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80)] }) } }),
      `InferenceService 'iris': predictor.scaleMetric ('cpu 80%') is not read by KEDA, which scales on its triggers; remove scaleMetric and add the matching trigger, e.g. Trigger.cpu(80)`],
    ['KEDA needs a trigger', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [] }) } }),
      `InferenceService 'iris': predictor.autoscaler.triggers ([]) is empty; add at least one trigger, e.g. Trigger.prometheus({...})`],
    ['KEDA scale to zero without activation', raw({ predictor: { model, maxReplicas: 3, minReplicas: 0, autoscaler: Autoscaler.keda({ triggers: [notActivating()] }) } }),
      `InferenceService 'iris': predictor.autoscaler.triggers[0] ('prometheus') has no activationThreshold, which scaling to zero needs (minReplicas is 0); set activationThreshold to the value above which the component wakes from zero, or set minReplicas to 1 or more`],
    ['KEDA scale to zero with only resource triggers', raw({ predictor: { model, maxReplicas: 3, minReplicas: 0, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80), Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 60 })] }) } }),
      `InferenceService 'iris': predictor.minReplicas (0) needs a KEDA trigger that can wake the component from zero, and cpu, memory and gpuUtilization triggers have no value while no pod runs; add Trigger.prometheus with an activationThreshold, or Trigger.cron, or set minReplicas to 1 or more`],
    ['activation threshold without scale to zero', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80), activating()] }) } }),
      `InferenceService 'iris': predictor.autoscaler.triggers[1].activationThreshold (1) only decides scaling from and to zero, and minReplicas is 1; remove it, or set minReplicas to 0`],
    ['cooldown without scale to zero', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80)], cooldownPeriod: Duration.minutes(5) }) } }),
      `InferenceService 'iris': predictor.autoscaler.cooldownPeriod ('5 minutes') only delays scaling to zero, and minReplicas is 1; remove it, or set minReplicas to 0`],
    ['KEDA polling interval of at least a second', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80)], pollingInterval: Duration.millis(500) }) } }),
      `InferenceService 'iris': predictor.autoscaler.pollingInterval ('0.5s') is not a whole number of seconds from 1s to 3600s; use e.g. Duration.seconds(30)`],
    ['stabilization window at most an hour', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80)], scaleDownStabilizationWindow: Duration.hours(2) }) } }),
      `InferenceService 'iris': predictor.autoscaler.scaleDownStabilizationWindow ('7200s') is not a whole number of seconds from 0s to 3600s; use e.g. Duration.seconds(30)`],
    ['Autoscaler.none() with zero replicas', raw({ predictor: { model, minReplicas: 0, autoscaler: Autoscaler.none() } }),
      `InferenceService 'iris': predictor.minReplicas (0) with Autoscaler.none() would run no replica at all; set minReplicas to the number of replicas to run`],
    ['Autoscaler.none() with maxReplicas', raw({ predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.none() } }),
      `InferenceService 'iris': predictor.maxReplicas (3) means nothing with Autoscaler.none(), which runs exactly minReplicas replicas; remove maxReplicas, or use Autoscaler.hpa() or Autoscaler.keda(...)`],
    ['Autoscaler.none() with a scaleMetric', raw({ predictor: { model, scaleMetric: ScalingMetric.cpu(80), autoscaler: Autoscaler.none() } }),
      `InferenceService 'iris': predictor.scaleMetric ('cpu 80%') means nothing with Autoscaler.none(), which runs exactly minReplicas replicas; remove scaleMetric, or use Autoscaler.hpa()`],
    ['replica bounds still apply', raw({ predictor: { model, minReplicas: 5, maxReplicas: 3 } }),
      `InferenceService 'iris': predictor.minReplicas (5) is greater than maxReplicas (3); lower minReplicas or raise maxReplicas`],
    ['local gateway is Knative-only', raw({ predictor: { model, maxReplicas: 3 }, ingress: { localGateway: 'knative-serving/knative-local-gateway' } }),
      `InferenceService 'iris': ingress.localGateway ('knative-serving/knative-local-gateway') is used only in Knative mode; remove it; raw deployment mode routes straight to the components' Services`],
    ['Ingress class without an Ingress', raw({ predictor: { model, maxReplicas: 3 }, ingress: { kubernetesIngress: false, ingressClassName: 'nginx' } }),
      `InferenceService 'iris': ingress.ingressClassName ('nginx') means nothing with kubernetesIngress false; remove ingressClassName, or let the library emit the Ingress`],
    ['Ingress class name', raw({ predictor: { model, maxReplicas: 3 }, ingress: { ingressClassName: 'Nginx Public' } }),
      `InferenceService 'iris': ingress.ingressClassName ('Nginx Public') is not an IngressClass name; use the name of an IngressClass in the cluster, e.g. 'istio' or 'nginx'`],
  ])('%s', (_rule, construct, message) => {
    expect(messageOf(construct)).toBe(message);
  });

  test('the same props that scale to zero with KEDA are valid', () => {
    expect(() => raw({ predictor: { model, maxReplicas: 3, minReplicas: 0, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80), activating()], cooldownPeriod: Duration.minutes(5) }) } })()).not.toThrow();
  });
});

describe('value types reject bad input where they are built', () => {
  test.each<[string, () => unknown, string]>([
    ['concurrency target', () => ScalingMetric.concurrency(0), `ScalingMetric.concurrency: target (0) is not a positive number of at least 0.01; use e.g. ScalingMetric.concurrency(10)`],
    ['rps target', () => ScalingMetric.rps(-1), `ScalingMetric.rps: target (-1) is not a positive number of at least 0.01; use e.g. ScalingMetric.rps(10)`],
    ['cpu percent', () => ScalingMetric.cpu(150), `ScalingMetric.cpu: targetPercent (150) is not a whole percentage from 1 to 100; use e.g. ScalingMetric.cpu(80)`],
    ['memory size', () => ScalingMetric.memory(Size.kibibytes(512)), `ScalingMetric.memory: target ('0.5Mi') is not a whole number of mebibytes of at least 1; use e.g. ScalingMetric.memory(Size.mebibytes(512))`],
    ['cpu trigger', () => Trigger.cpu(0), `Trigger.cpu: targetPercent (0) is not a whole percentage from 1 to 100; use e.g. 80`],
    ['memory trigger', () => Trigger.memory(Size.kibibytes(100)), `Trigger.memory: target ('0.09765625Mi') is not a whole number of mebibytes of at least 1; use e.g. Trigger.memory(Size.gibibytes(1))`],
    ['prometheus address', () => Trigger.prometheus({ serverAddress: 'prometheus:9090', query: 'up', threshold: 1 }),
      `Trigger.prometheus: serverAddress ('prometheus:9090') is not an http(s) URL; use e.g. 'http://prometheus.monitoring.svc:9090'`],
    ['prometheus query', () => Trigger.prometheus({ serverAddress: prometheus, query: ' ', threshold: 1 }), `Trigger.prometheus: query (' ') is empty; write a PromQL query that returns one number`],
    ['prometheus threshold', () => Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 0 }), `Trigger.prometheus: threshold (0) is not a positive number; use e.g. 10`],
    ['prometheus activation', () => Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 1, activationThreshold: -1 }),
      `Trigger.prometheus: activationThreshold (-1) is negative; use 0 or more`],
    ['gpu target', () => Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 101 }), `Trigger.gpuUtilization: targetPercent (101) is not a whole percentage from 1 to 100; use e.g. 80`],
    ['gpu label', () => Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 50, podLabel: 'exported-pod' }),
      `Trigger.gpuUtilization: podLabel ('exported-pod') is not a Prometheus label name; use letters, digits and "_", e.g. 'exported_pod'`],
    ['cron time zone', () => Trigger.cron({ timezone: 'CET+1', start: Cron.daily(), end: Cron.hourly(), desiredReplicas: 1 }),
      `Trigger.cron: timezone ('CET+1') is not an IANA time zone; use e.g. 'Europe/Berlin' or 'UTC'`],
    ['cron replicas', () => Trigger.cron({ timezone: 'UTC', start: Cron.daily(), end: Cron.hourly(), desiredReplicas: 0 }),
      `Trigger.cron: desiredReplicas (0) is not a positive whole number; use 1 or more`],
    ['trigger authentication name', () => PrometheusAuthentication.fromTriggerAuthenticationName('Shared Auth', PrometheusAuthMode.BEARER),
      `PrometheusAuthentication.fromTriggerAuthenticationName: name ('Shared Auth') is not a Kubernetes object name; use lowercase letters, digits, "-" and "."`],
    ['secret key', () => PrometheusAuthentication.bearer(Secret.fromSecretName(newChart(), 'S', 'prometheus-reader'), 'token file'),
      `PrometheusAuthentication: key ('token file') is not a Secret key; use letters, digits, "-", "_" and "."`],
    ['GPU count 0', () => Gpu.nvidia(0), `Gpu: count (0) is not a positive whole number; request at least 1 GPU, or leave gpu unset for none`],
    ['GPU product value', () => Gpu.nvidia(1, { products: ['NVIDIA A100'] }),
      `Gpu: products ('NVIDIA A100') is not a node label value; use the label's value as the node shows it, e.g. 'NVIDIA-A100-SXM4-80GB'`],
    ['GPU products need a label', () => Gpu.of('example.com/npu', 1, { products: ['npu-v2'] }),
      `Gpu.of: products (["npu-v2"]) need productLabel, the node label that carries the product; set productLabel, e.g. 'nvidia.com/gpu.product'`],
    ['toleration key', () => Toleration.exists('nvidia.com/'), `Toleration: key ('nvidia.com/') is not a taint key; write it as [prefix/]name, e.g. 'nvidia.com/gpu'`],
    ['toleration seconds need NoExecute', () => Toleration.exists('dedicated', { effect: TaintEffect.NO_SCHEDULE, tolerationSeconds: Duration.seconds(60) }),
      `Toleration: tolerationSeconds ('1 minute') applies only to the NoExecute effect; set effect: TaintEffect.NO_EXECUTE or remove tolerationSeconds`],
    ['node selector key', knative({ predictor: { model, nodeSelector: { 'bad key': 'x' } } }),
      `InferenceService 'iris': predictor.nodeSelector ('bad key') is not a label key; write it as [prefix/]name, e.g. 'cloud.google.com/gke-nodepool'`],
    ['node selector value', knative({ predictor: { model, nodeSelector: { pool: 'gpu pool' } } }),
      `InferenceService 'iris': predictor.nodeSelector.pool ('gpu pool') is not a label value; use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`],
  ])('%s', (_rule, construct, message) => {
    expect(messageOf(construct)).toBe(message);
  });
});
