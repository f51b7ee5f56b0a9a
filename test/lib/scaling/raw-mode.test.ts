import { Cron, Duration, Size } from 'cdk8s';
import { Secret } from 'cdk8s-plus-27';
import {
  Autoscaler, AutoscalerClass, DeploymentMode, InferenceService, InferenceServiceProps, ModelFormat, PredictorProps, PrometheusAuthMode,
  PrometheusAuthentication, ProtocolVersion, ScalingMetric, StorageUri, Trigger, TriggerType, Warnings,
} from '../../../lib';
import { find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const prometheus = 'http://prometheus.monitoring.svc:9090';

function raw(predictor: Partial<PredictorProps>, props: Partial<InferenceServiceProps> = {}): { manifests: any[]; isvc: InferenceService } {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { deploymentMode: DeploymentMode.RAW, predictor: { model, maxReplicas: 3, ...predictor }, ...props });
  return { manifests: synth(chart), isvc };
}

function keda(...triggers: Trigger[]): { manifests: any[]; isvc: InferenceService } {
  return raw({ autoscaler: Autoscaler.keda({ triggers }) });
}

describe('raw mode with the default HorizontalPodAutoscaler, a transformer and an explainer', () => {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', {
    deploymentMode: DeploymentMode.RAW,
    predictor: { model, minReplicas: 2, maxReplicas: 6, timeout: Duration.seconds(30) },
    transformer: { container: { image: 'registry.example.com/iris-transformer:1.0' }, maxReplicas: 2 },
    explainer: { container: { image: 'registry.example.com/iris-explainer:1.0' }, maxReplicas: 2 },
  });
  const manifests = synth(chart);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('per component a Deployment, a Service and an HPA with KServe names; then VirtualService, ExternalName Service and Ingress', () => {
    expect(manifests.map(m => `${m.apiVersion} ${m.kind} ${m.metadata.name}`)).toEqual([
      'apps/v1 Deployment iris-predictor', 'v1 Service iris-predictor', 'autoscaling/v2 HorizontalPodAutoscaler iris-predictor',
      'apps/v1 Deployment iris-transformer', 'v1 Service iris-transformer', 'autoscaling/v2 HorizontalPodAutoscaler iris-transformer',
      'apps/v1 Deployment iris-explainer', 'v1 Service iris-explainer', 'autoscaling/v2 HorizontalPodAutoscaler iris-explainer',
      'networking.istio.io/v1 VirtualService iris', 'v1 Service iris', 'networking.k8s.io/v1 Ingress iris',
    ]);
    expect(manifests.some(m => m.apiVersion === 'serving.knative.dev/v1')).toBe(false);
    expect(isvc.predictor.knativeService).toBeUndefined();
    expect(isvc.predictor.deployment).toBeDefined();
    expect(isvc.kubernetesIngress).toBeDefined();
  });

  test('Deployment: KServe labels plus app: isvc.<component>, selected by that label, replicas left to the HPA', () => {
    const deployment = find(manifests, 'Deployment', 'iris-predictor');
    const labels = { 'serving.kserve.io/inferenceservice': 'iris', 'component': 'predictor', 'app': 'isvc.iris-predictor' };
    expect(deployment.metadata.labels).toEqual(labels);
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'isvc.iris-predictor' } });
    expect(deployment.spec.template.metadata.labels).toEqual(labels);
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test('pods are PSS restricted like the Knative path: non-root, read-only root with /tmp scratch, drop ALL, RuntimeDefault, no token', () => {
    const spec = find(manifests, 'Deployment', 'iris-predictor').spec.template.spec;
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].securityContext).toEqual({
      runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'kfs-scratch', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'kfs-scratch', emptyDir: {} }]);
  });

  test('the container keeps its port and gets a readiness probe with an explicit port (no queue-proxy to fill it in)', () => {
    const container = find(manifests, 'Deployment', 'iris-predictor').spec.template.spec.containers[0];
    expect(container.name).toBe('kserve-container');
    expect(container.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/v2/health/ready', port: 8080 } });
    expect(find(manifests, 'Deployment', 'iris-transformer').spec.template.spec.containers[0].readinessProbe).toEqual({ tcpSocket: { port: 8080 } });
  });

  test('Service: port 80 to the container port, selected like KServe\'s', () => {
    expect(find(manifests, 'Service', 'iris-predictor').spec).toEqual({
      type: 'ClusterIP',
      selector: { app: 'isvc.iris-predictor' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
  });

  test('HPA: min and max from the props, CPU 80 % by default (KServe), scaling the Deployment', () => {
    expect(find(manifests, 'HorizontalPodAutoscaler', 'iris-predictor').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'iris-predictor' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(find(manifests, 'HorizontalPodAutoscaler', 'iris-transformer').spec.minReplicas).toBe(1);
  });

  test('the transformer still reaches the predictor at <isvc>-predictor.<namespace>, now a plain Service', () => {
    const container = find(manifests, 'Deployment', 'iris-transformer').spec.template.spec.containers[0];
    expect(container.args).toEqual(['--model_name', 'iris', '--predictor_host', 'iris-predictor.models', '--http_port', '8080']);
  });

  test('VirtualService: mesh only by default; explain to the explainer, the rest to the transformer, Services on port 80', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local']);
    expect(vs.spec.gateways).toEqual(['mesh']);
    expect(vs.spec.http.map((r: any) => [r.match[0].uri?.regex, r.route[0].destination, r.timeout])).toEqual([
      ['^/v1/models/[\\w-]+:explain$', { host: 'iris-explainer.models.svc.cluster.local', port: { number: 80 } }, undefined],
      [undefined, { host: 'iris-transformer.models.svc.cluster.local', port: { number: 80 } }, undefined],
    ]);
    expect(vs.spec.http[1].headers.request.set).toEqual({ 'KServe-Isvc-Name': 'iris', 'KServe-Isvc-Namespace': 'models' });
  });

  test('ExternalName Service points the in-cluster name at the default backend', () => {
    expect(find(manifests, 'Service', 'iris').spec).toEqual({ type: 'ExternalName', externalName: 'iris-transformer.models.svc.cluster.local', sessionAffinity: 'None' });
  });

  test('Ingress: class istio, KServe\'s <name>-<namespace>.<domain> hosts, top-level to the transformer, one host per component', () => {
    const ingress = find(manifests, 'Ingress', 'iris');
    expect(ingress.spec.ingressClassName).toBe('istio');
    expect(ingress.spec.rules.map((r: any) => [r.host, r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number, r.http.paths[0].pathType])).toEqual([
      ['iris-models.example.com', 'iris-transformer', 80, 'Prefix'],
      ['iris-predictor-models.example.com', 'iris-predictor', 80, 'Prefix'],
      ['iris-transformer-models.example.com', 'iris-transformer', 80, 'Prefix'],
      ['iris-explainer-models.example.com', 'iris-explainer', 80, 'Prefix'],
    ]);
    expect(isvc.url).toBe('http://iris-models.example.com');
    expect(isvc.clusterLocalUrl).toBe('http://iris.models.svc.cluster.local');
  });

  test('no warnings: raw mode needs no Knative feature flag', () => {
    expect(Warnings.of(isvc).all).toEqual([]);
  });
});

describe('raw mode: HorizontalPodAutoscaler metrics', () => {
  test('ScalingMetric.cpu sets the utilization target', () => {
    const hpa = find(raw({ scaleMetric: ScalingMetric.cpu(60) }).manifests, 'HorizontalPodAutoscaler', 'iris-predictor');
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  });

  test('ScalingMetric.memory sets an average value per pod', () => {
    const hpa = find(raw({ scaleMetric: ScalingMetric.memory(Size.mebibytes(1536)) }).manifests, 'HorizontalPodAutoscaler', 'iris-predictor');
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1536Mi' } } }]);
  });

  test('Autoscaler.none() runs exactly minReplicas replicas and creates no autoscaler', () => {
    const { manifests, isvc } = raw({ autoscaler: Autoscaler.none(), minReplicas: 2, maxReplicas: undefined });
    expect(find(manifests, 'Deployment', 'iris-predictor').spec.replicas).toBe(2);
    expect(manifests.map(m => m.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(manifests.map(m => m.kind)).not.toContain('ScaledObject');
    expect(isvc.predictor._resolved.scaling.autoscalerClass).toBe(AutoscalerClass.NONE);
  });
});

describe('raw mode: KEDA triggers', () => {
  test('ScaledObject: KServe name, the Deployment as target, min/max, KServe\'s stabilization windows', () => {
    const { manifests, isvc } = keda(Trigger.cpu(75));
    const scaledObject = find(manifests, 'ScaledObject', 'iris-predictor');
    expect(scaledObject.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'iris-predictor' },
      minReplicaCount: 1,
      maxReplicaCount: 3,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 }, scaleUp: { stabilizationWindowSeconds: 0 } } } },
      triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '75' } }],
    });
    expect(manifests.map(m => m.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(isvc.predictor.scaledObject).toBeDefined();
  });

  test('memory trigger: average value', () => {
    const trigger = find(keda(Trigger.memory(Size.gibibytes(2))).manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger).toEqual({ type: 'memory', metricType: 'AverageValue', metadata: { value: '2Gi' } });
  });

  test('prometheus trigger: address, query, threshold', () => {
    const trigger = find(keda(Trigger.prometheus({ serverAddress: prometheus, query: 'sum(rate(x[1m]))', threshold: 12.5 })).manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger).toEqual({ type: 'prometheus', metadata: { serverAddress: prometheus, query: 'sum(rate(x[1m]))', threshold: '12.5' } });
  });

  test('gpuUtilization trigger: average DCGM utilization of this Deployment\'s pods, metric type Value', () => {
    const trigger = find(keda(Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 70 })).manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger).toEqual({
      type: 'prometheus',
      metricType: 'Value',
      metadata: {
        serverAddress: prometheus,
        threshold: '70',
        query: 'avg(DCGM_FI_DEV_GPU_UTIL{namespace="models",pod=~"iris-predictor-[a-z0-9]+-[a-z0-9]+"})',
      },
    });
  });

  test('gpuUtilization trigger: label names for scrapes that rename them', () => {
    const trigger = find(keda(Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 70, podLabel: 'exported_pod', namespaceLabel: 'exported_namespace' })).manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger.metadata.query).toBe('avg(DCGM_FI_DEV_GPU_UTIL{exported_namespace="models",exported_pod=~"iris-predictor-[a-z0-9]+-[a-z0-9]+"})');
  });

  test('cron trigger: time zone, start and end expressions, replicas', () => {
    const trigger = find(keda(Trigger.cron({ timezone: 'Europe/Berlin', start: Cron.schedule({ minute: '0', hour: '8', weekDay: '1-5' }), end: Cron.schedule({ minute: '0', hour: '18', weekDay: '1-5' }), desiredReplicas: 2 })).manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger).toEqual({ type: 'cron', metadata: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '2' } });
  });

  test('scale to zero: minReplicaCount 0 with an activation threshold, plus polling and cooldown', () => {
    const { manifests } = raw({
      minReplicas: 0,
      autoscaler: Autoscaler.keda({
        triggers: [Trigger.prometheus({ serverAddress: prometheus, query: 'sum(rate(x[1m]))', threshold: 10, activationThreshold: 1 })],
        pollingInterval: Duration.seconds(15),
        cooldownPeriod: Duration.minutes(10),
        scaleDownStabilizationWindow: Duration.seconds(120),
        scaleUpStabilizationWindow: Duration.seconds(10),
      }),
    });
    const spec = find(manifests, 'ScaledObject', 'iris-predictor').spec;
    expect([spec.minReplicaCount, spec.pollingInterval, spec.cooldownPeriod]).toEqual([0, 15, 600]);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 120 }, scaleUp: { stabilizationWindowSeconds: 10 } });
    expect(spec.triggers[0].metadata.activationThreshold).toBe('1');
  });

  test('a cron window can wake a component from zero too', () => {
    const cron = Trigger.cron({ timezone: 'UTC', start: Cron.daily(), end: Cron.hourly(), desiredReplicas: 1 });
    expect(cron.canActivateFromZero).toBe(true);
    expect(find(raw({ minReplicas: 0, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80), cron] }) }).manifests, 'ScaledObject', 'iris-predictor').spec.minReplicaCount).toBe(0);
  });

  test('several triggers keep their order', () => {
    const triggers = find(keda(Trigger.cpu(80), Trigger.memory(Size.gibibytes(1)), Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 60 })).manifests, 'ScaledObject', 'iris-predictor').spec.triggers;
    expect(triggers.map((t: any) => t.type)).toEqual(['cpu', 'memory', 'prometheus']);
  });

  test('bearer credentials: a TriggerAuthentication from the Secret, referenced with authModes bearer', () => {
    const chart = newChart();
    const secret = Secret.fromSecretName(chart, 'Token', 'prometheus-reader');
    new InferenceService(chart, 'iris', {
      deploymentMode: DeploymentMode.RAW,
      predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.cpu(80), Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 1, authentication: PrometheusAuthentication.bearer(secret, 'token') })] }) },
    });
    const manifests = synth(chart);
    const auth = find(manifests, 'TriggerAuthentication', 'iris-predictor-trigger-1');
    expect(auth.spec).toEqual({ secretTargetRef: [{ parameter: 'bearerToken', name: 'prometheus-reader', key: 'token' }] });
    const trigger = find(manifests, 'ScaledObject', 'iris-predictor').spec.triggers[1];
    expect(trigger.authenticationRef).toEqual({ name: 'iris-predictor-trigger-1' });
    expect(trigger.metadata.authModes).toBe('bearer');
  });

  test('basic credentials map user name and password', () => {
    const chart = newChart();
    const secret = Secret.fromSecretName(chart, 'Basic', 'prometheus-basic');
    const isvc = new InferenceService(chart, 'iris', {
      deploymentMode: DeploymentMode.RAW,
      predictor: { model, maxReplicas: 3, autoscaler: Autoscaler.keda({ triggers: [Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 50, authentication: PrometheusAuthentication.basic(secret, 'user', 'pass') })] }) },
    });
    expect(find(synth(chart), 'TriggerAuthentication', 'iris-predictor-trigger-0').spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'prometheus-basic', key: 'user' },
      { parameter: 'password', name: 'prometheus-basic', key: 'pass' },
    ]);
    expect(isvc.predictor.triggerAuthentications).toHaveLength(1);
  });

  test('an existing TriggerAuthentication is referenced, not created', () => {
    const { manifests } = keda(Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 1, authentication: PrometheusAuthentication.fromTriggerAuthenticationName('shared-prometheus', PrometheusAuthMode.TLS) }));
    expect(manifests.map(m => m.kind)).not.toContain('TriggerAuthentication');
    const trigger = find(manifests, 'ScaledObject', 'iris-predictor').spec.triggers[0];
    expect(trigger.authenticationRef).toEqual({ name: 'shared-prometheus' });
    expect(trigger.metadata.authModes).toBe('tls');
  });

  test('trigger value types say what they are', () => {
    expect(Trigger.cpu(80).type).toBe(TriggerType.CPU);
    expect(Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 50 }).canActivateFromZero).toBe(false);
    expect(Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 1 }).canActivateFromZero).toBe(false);
    expect(Trigger.prometheus({ serverAddress: prometheus, query: 'up', threshold: 1, activationThreshold: 0 }).canActivateFromZero).toBe(true);
  });
});

describe('raw mode: routing and other options', () => {
  test('an ingress gateway adds the external host to the VirtualService, and the route timeout comes from the component', () => {
    const { manifests } = raw({ timeout: Duration.seconds(45) }, { ingress: { ingressGateway: 'istio-system/public-gateway', domain: 'models.example.org' } });
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris-models.models.example.org']);
    expect(vs.spec.gateways).toEqual(['mesh', 'istio-system/public-gateway']);
    expect(vs.spec.http[0].match).toEqual([
      { authority: { regex: '^iris\\.models\\.svc\\.cluster\\.local(?::\\d{1,5})?$' }, gateways: ['mesh'] },
      { authority: { regex: '^iris-models\\.models\\.example\\.org(?::\\d{1,5})?$' }, gateways: ['istio-system/public-gateway'] },
    ]);
    expect(vs.spec.http[0].timeout).toBe('45s');
    expect(find(manifests, 'Ingress', 'iris').spec.rules[0].host).toBe('iris-models.models.example.org');
  });

  test('the Ingress class can be chosen, or the Ingress left out', () => {
    expect(find(raw({}, { ingress: { ingressClassName: 'nginx' } }).manifests, 'Ingress', 'iris').spec.ingressClassName).toBe('nginx');
    const { manifests, isvc } = raw({}, { ingress: { kubernetesIngress: false } });
    expect(manifests.map(m => m.kind)).not.toContain('Ingress');
    expect(isvc.kubernetesIngress).toBeUndefined();
  });

  test('a gRPC predictor gets a grpc Service port with appProtocol h2c', () => {
    const { manifests } = raw({ model: undefined, container: { image: 'x/y:1', port: 9000, protocolVersion: ProtocolVersion.GRPC_V2 } });
    expect(find(manifests, 'Service', 'iris-predictor').spec.ports).toEqual([{ name: 'grpc', port: 80, targetPort: 9000, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
  });

  test('the storage initializer is an ordinary init container in raw mode: no feature flag warning', () => {
    const chart = newChart();
    const isvc = new InferenceService(chart, 'sk', { deploymentMode: DeploymentMode.RAW, predictor: { model: { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('models-bucket', 'sk') }, maxReplicas: 2 } });
    const spec = find(synth(chart), 'Deployment', 'sk-predictor').spec.template.spec;
    expect(spec.initContainers.map((c: any) => [c.name, c.args, c.terminationMessagePolicy])).toEqual([['storage-initializer', ['gs://models-bucket/sk', '/mnt/models'], 'FallbackToLogsOnError']]);
    expect(spec.initContainers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(Warnings.of(isvc).all).toEqual([]);
  });

  test('user annotations reach the pod template', () => {
    const deployment = find(raw({ annotations: { 'prometheus.io/scrape': 'true' } }).manifests, 'Deployment', 'iris-predictor');
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
  });

  test('synth is deterministic', () => {
    const build = () => JSON.stringify(keda(Trigger.cpu(80), Trigger.gpuUtilization({ serverAddress: prometheus, targetPercent: 50 })).manifests);
    expect(build()).toBe(build());
  });
});
