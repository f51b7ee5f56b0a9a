import { Duration, Size } from 'cdk8s';
import { Cpu, EnvValue, Secret } from 'cdk8s-plus-27';
import { Gpu, InferenceService, ModelFormat, ModelRuntime, StorageUri, Warnings } from '../../lib';
import { containerOf, find, newChart, synth, synthYaml } from './_util';

const onnxModel = { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') } };

describe('InferenceService with only a predictor', () => {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: onnxModel });
  const manifests = synth(chart);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('emits exactly a Knative Service, a VirtualService and an ExternalName Service, with user-facing names', () => {
    expect(manifests.map(m => `${m.apiVersion} ${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual([
      'serving.knative.dev/v1 Service models/iris-predictor',
      'networking.istio.io/v1 VirtualService models/iris',
      'v1 Service models/iris',
    ]);
  });

  test('scales to zero by default: min-scale 0, no max-scale, KPA class on the revision template', () => {
    const ksvc = find(manifests, 'Service', 'iris-predictor');
    expect(ksvc.spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/min-scale': '0',
    });
    expect(ksvc.metadata.annotations).toBeUndefined();
    expect(isvc.predictor._resolved.scaling.minReplicas).toBe(0);
  });

  test('runs the bundled kfs-runtime, which pulls its own model (no init container)', () => {
    const ksvc = find(manifests, 'Service', 'iris-predictor');
    const container = containerOf(ksvc);
    expect(container.name).toBe('kserve-container');
    expect(container.image).toBe('ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0');
    expect(container.args).toEqual(['serve', '--model=iris=s3://example-models/iris/1', '--http-port=8080']);
    expect(container.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/v2/health/ready' } });
    expect(ksvc.spec.template.spec.initContainers).toBeUndefined();
    expect(isvc.predictor.modelName).toBe('iris');
  });

  test('KServe labels on the Service and the revision template', () => {
    const ksvc = find(manifests, 'Service', 'iris-predictor');
    const labels = { 'serving.kserve.io/inferenceservice': 'iris', 'component': 'predictor' };
    expect(ksvc.metadata.labels).toEqual(labels);
    expect(ksvc.spec.template.metadata.labels).toEqual(labels);
  });

  test('restricted security context, scratch /tmp, no service-account token', () => {
    const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;
    expect(spec.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'kfs-scratch', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'kfs-scratch', emptyDir: {} }]);
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  test('default resources are KServe runtime defaults, request = limit', () => {
    expect(containerOf(find(manifests, 'Service', 'iris-predictor')).resources).toEqual({
      requests: { cpu: '1', memory: '2Gi' },
      limits: { cpu: '1', memory: '2Gi' },
    });
  });

  test('all traffic to the latest revision', () => {
    expect(find(manifests, 'Service', 'iris-predictor').spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('the top-level VirtualService routes both hosts to the predictor through the local gateway', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.example.com']);
    expect(vs.spec.gateways).toEqual(['knative-serving/knative-local-gateway', 'mesh', 'knative-serving/knative-ingress-gateway']);
    expect(vs.spec.http).toHaveLength(1);
    const [route] = vs.spec.http;
    expect(route.match).toEqual([
      { authority: { regex: '^iris\\.models\\.svc\\.cluster\\.local(?::\\d{1,5})?$' }, gateways: ['knative-serving/knative-local-gateway', 'mesh'] },
      { authority: { regex: '^iris\\.models\\.example\\.com(?::\\d{1,5})?$' }, gateways: ['knative-serving/knative-ingress-gateway'] },
    ]);
    expect(route.headers.request.set).toEqual({ 'Host': 'iris-predictor.models.svc.cluster.local', 'KServe-Isvc-Name': 'iris', 'KServe-Isvc-Namespace': 'models' });
    expect(route.route).toEqual([{ destination: { host: 'knative-local-gateway.istio-system.svc.cluster.local', port: { number: 80 } }, weight: 100 }]);
  });

  test('the authority regexes match the hosts with and without a port, and nothing else', () => {
    const [internal, external] = find(manifests, 'VirtualService', 'iris').spec.http[0].match.map((m: any) => new RegExp(m.authority.regex));
    expect(internal.test('iris.models.svc.cluster.local')).toBe(true);
    expect(internal.test('iris.models.svc.cluster.local:80')).toBe(true);
    expect(internal.test('irisXmodels.svc.cluster.local')).toBe(false);
    expect(external.test('iris.models.example.com:443')).toBe(true);
    expect(external.test('evil.iris.models.example.com')).toBe(false);
  });

  test('the ExternalName Service makes the in-cluster name resolve to the local gateway', () => {
    expect(find(manifests, 'Service', 'iris').spec).toEqual({
      type: 'ExternalName', externalName: 'knative-local-gateway.istio-system.svc.cluster.local', sessionAffinity: 'None',
    });
  });

  test('URLs as outputs', () => {
    expect(isvc.url).toBe('http://iris.models.example.com');
    expect(isvc.clusterLocalUrl).toBe('http://iris.models.svc.cluster.local');
    expect(isvc.predictor.clusterLocalUrl).toBe('http://iris-predictor.models.svc.cluster.local');
  });

  test('synth is deterministic', () => {
    const again = newChart();
    new InferenceService(again, 'iris', { predictor: onnxModel });
    expect(synthYaml(again)).toBe(synthYaml(chart));
  });
});

describe('InferenceService with a transformer and an explainer', () => {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', {
    predictor: onnxModel,
    transformer: { container: { image: 'registry.example.com/transformer:1.0', args: ['--feature_store', 'http://feast'] } },
    explainer: { container: { image: 'registry.example.com/explainer:1.0' } },
  });
  const manifests = synth(chart);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('one Knative Service per component', () => {
    expect(manifests.filter(m => m.apiVersion === 'serving.knative.dev/v1').map(m => m.metadata.name)).toEqual(['iris-predictor', 'iris-transformer', 'iris-explainer']);
    expect(isvc.components.map(c => c.kind)).toEqual(['predictor', 'transformer', 'explainer']);
  });

  test('the transformer is wired to the predictor with KServe arguments and environment', () => {
    const container = containerOf(find(manifests, 'Service', 'iris-transformer'));
    expect(container.args).toEqual(['--feature_store', 'http://feast', '--model_name', 'iris', '--predictor_host', 'iris-predictor.models', '--http_port', '8080']);
    expect(container.env).toEqual([
      { name: 'INFERENCE_SERVICE_NAME', value: 'iris' },
      { name: 'PREDICTOR_HOST', value: 'iris-predictor.models' },
      { name: 'PROTOCOL', value: 'v2' },
    ]);
  });

  test('the explainer is wired to the predictor too', () => {
    const container = containerOf(find(manifests, 'Service', 'iris-explainer'));
    expect(container.args).toEqual(['--model_name', 'iris', '--predictor_host', 'iris-predictor.models', '--http_port', '8080']);
    expect(find(manifests, 'Service', 'iris-explainer').metadata.labels.component).toBe('explainer');
  });

  test('predict traffic goes to the transformer, :explain to the explainer (explain rule first)', () => {
    const http = find(manifests, 'VirtualService', 'iris').spec.http;
    expect(http).toHaveLength(2);
    expect(http[0].match.map((m: any) => m.uri)).toEqual([{ regex: '^/v1/models/[\\w-]+:explain$' }, { regex: '^/v1/models/[\\w-]+:explain$' }]);
    expect(http[0].headers.request.set.Host).toBe('iris-explainer.models.svc.cluster.local');
    expect(http[1].match.every((m: any) => m.uri === undefined)).toBe(true);
    expect(http[1].headers.request.set.Host).toBe('iris-transformer.models.svc.cluster.local');
  });

  test('arguments the user already set are not appended twice', () => {
    const c = newChart();
    new InferenceService(c, 'iris', {
      predictor: onnxModel,
      transformer: { container: { image: 'registry.example.com/t:1', args: ['--predictor_host=custom.models', '--http_port', '9000'], port: 9000 } },
    });
    expect(containerOf(find(synth(c), 'Service', 'iris-transformer')).args).toEqual(['--predictor_host=custom.models', '--http_port', '9000', '--model_name', 'iris']);
  });
});

describe('InferenceService options', () => {
  test('namespace comes from the prop, else the chart, else default', () => {
    const explicit = newChart();
    expect(new InferenceService(explicit, 'a', { namespace: 'team-a', predictor: onnxModel }).namespace).toBe('team-a');
    expect(new InferenceService(newChart(), 'b', { predictor: onnxModel }).namespace).toBe('models');
    expect(new InferenceService(newChart(null), 'c', { predictor: onnxModel }).namespace).toBe('default');
  });

  test('name defaults to the construct id and can be set', () => {
    const c = newChart();
    expect(new InferenceService(c, 'Iris', { name: 'iris-v2', predictor: onnxModel }).predictor.serviceName).toBe('iris-v2-predictor');
  });

  test('custom domain and gateways', () => {
    const c = newChart();
    new InferenceService(c, 'iris', {
      predictor: onnxModel,
      ingress: { domain: 'ml.acme.io', ingressGateway: 'istio-system/public', localGateway: 'istio-system/local', localGatewayService: 'local-gw.istio-system.svc.cluster.local' },
    });
    const vs = find(synth(c), 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.ml.acme.io']);
    expect(vs.spec.gateways).toEqual(['istio-system/local', 'mesh', 'istio-system/public']);
    expect(vs.spec.http[0].route[0].destination.host).toBe('local-gw.istio-system.svc.cluster.local');
  });

  test('labels reach every object; the Knative visibility label stays off the revision template', () => {
    const c = newChart();
    new InferenceService(c, 'iris', {
      labels: { team: 'fraud' },
      predictor: { ...onnxModel, labels: { 'networking.knative.dev/visibility': 'cluster-local' } },
    });
    const manifests = synth(c);
    const ksvc = find(manifests, 'Service', 'iris-predictor');
    expect(ksvc.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
    expect(ksvc.spec.template.metadata.labels).toEqual({ 'team': 'fraud', 'serving.kserve.io/inferenceservice': 'iris', 'component': 'predictor' });
    expect(manifests.every(m => m.metadata.labels.team === 'fraud')).toBe(true);
  });

  test('scaling, concurrency and timeout land where Knative reads them', () => {
    const c = newChart();
    new InferenceService(c, 'iris', {
      predictor: { ...onnxModel, minReplicas: 1, maxReplicas: 3, containerConcurrency: 8, timeout: Duration.seconds(45), annotations: { 'autoscaling.knative.dev/target': '5' } },
    });
    const ksvc = find(synth(c), 'Service', 'iris-predictor');
    expect(ksvc.spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/target': '5',
      'autoscaling.knative.dev/min-scale': '1',
      'autoscaling.knative.dev/max-scale': '3',
    });
    expect(ksvc.spec.template.spec.containerConcurrency).toBe(8);
    expect(ksvc.spec.template.spec.timeoutSeconds).toBe(45);
    expect(ksvc.spec.template.spec.responseStartTimeoutSeconds).toBe(45);
  });

  test('resources through value types, GPUs as request = limit', () => {
    const c = newChart();
    new InferenceService(c, 'iris', {
      predictor: {
        ...onnxModel,
        gpu: Gpu.nvidia(2),
        resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(4) } },
      },
    });
    expect(containerOf(find(synth(c), 'Service', 'iris-predictor')).resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '512Mi', 'nvidia.com/gpu': '2' },
      limits: { 'cpu': '2', 'memory': '4Gi', 'nvidia.com/gpu': '2' },
    });
  });

  test('GPU images for runtimes that have them', () => {
    const c = newChart();
    new InferenceService(c, 'tf', { predictor: { model: { format: ModelFormat.TENSORFLOW, storageUri: StorageUri.gcs('models', 'tf/1') }, gpu: Gpu.nvidia(1) } });
    expect(containerOf(find(synth(c), 'Service', 'tf-predictor')).image).toBe('tensorflow/serving:2.6.2-gpu');
  });

  test('environment: plain values, secret references, and fieldRef with a feature-flag warning', () => {
    const c = newChart();
    const secret = Secret.fromSecretName(c, 'Creds', 'model-creds');
    const isvc = new InferenceService(c, 'iris', {
      predictor: {
        ...onnxModel,
        env: {
          LOG_LEVEL: EnvValue.fromValue('debug'),
          API_KEY: EnvValue.fromSecretValue({ secret, key: 'api-key' }),
          POD_IP: EnvValue.fromFieldRef('status.podIP' as any),
        },
      },
    });
    expect(containerOf(find(synth(c), 'Service', 'iris-predictor')).env).toEqual([
      { name: 'INFERENCE_SERVICE_NAME', value: 'iris' },
      { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'model-creds', key: 'api-key' } } },
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ]);
    expect(Warnings.of(isvc).all).toEqual([
      "InferenceService 'iris': predictor.env.POD_IP (a fieldRef/resourceFieldRef) needs the Knative feature flag 'kubernetes.podspec-fieldref: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision",
    ]);
  });

  test('a custom container predictor keeps its own arguments', () => {
    const c = newChart();
    new InferenceService(c, 'custom', { predictor: { container: { image: 'registry.example.com/server:1', args: ['--workers', '2'], port: 9000 } } });
    const container = containerOf(find(synth(c), 'Service', 'custom-predictor'));
    expect(container.args).toEqual(['--workers', '2']);
    expect(container.ports).toEqual([{ containerPort: 9000, protocol: 'TCP' }]);
    expect(container.readinessProbe).toBeUndefined();
  });
});

describe('getting the model into the pod', () => {
  test('third-party runtimes get the storage initializer, an emptyDir at /mnt/models, and a feature-flag warning', () => {
    const c = newChart();
    const isvc = new InferenceService(c, 'sk', { predictor: { model: { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('models', 'sk/1') } } });
    const spec = find(synth(c), 'Service', 'sk-predictor').spec.template.spec;
    expect(spec.initContainers).toHaveLength(1);
    expect(spec.initContainers[0]).toMatchObject({
      name: 'storage-initializer',
      image: 'kserve/storage-initializer:v0.20.0',
      args: ['gs://models/sk/1', '/mnt/models'],
      volumeMounts: [{ name: 'kserve-provision-location', mountPath: '/mnt/models' }, { name: 'kfs-scratch', mountPath: '/tmp' }],
    });
    expect(spec.containers[0].args).toEqual(['--model_name=sk', '--model_dir=/mnt/models', '--http_port=8080']);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'kserve-provision-location', mountPath: '/mnt/models', readOnly: true }, { name: 'kfs-scratch', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'kfs-scratch', emptyDir: {} }, { name: 'kserve-provision-location', emptyDir: {} }]);
    expect(Warnings.of(isvc).all).toEqual([
      "InferenceService 'sk': predictor.model.runtime 'kserve-sklearnserver' reads its model from /mnt/models, so the storage-initializer init container needs the Knative feature flag 'kubernetes.podspec-init-containers: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision",
    ]);
  });

  test('pvc:// mounts the claim read-only and points the runtime at the mount', () => {
    const c = newChart();
    const isvc = new InferenceService(c, 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.pvc('model-store', 'iris/1') } } });
    const spec = find(synth(c), 'Service', 'iris-predictor').spec.template.spec;
    expect(spec.containers[0].args).toEqual(['serve', '--model=iris=/mnt/models', '--http-port=8080']);
    expect(spec.containers[0].volumeMounts[0]).toEqual({ name: 'kserve-pvc-source', mountPath: '/mnt/models', readOnly: true, subPath: 'iris/1' });
    expect(spec.volumes[1]).toEqual({ name: 'kserve-pvc-source', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
    expect(Warnings.of(isvc).all).toEqual([
      "InferenceService 'iris': predictor.model.storageUri ('pvc://model-store/iris/1') mounts a PersistentVolumeClaim, which needs the Knative feature flag 'kubernetes.podspec-persistent-volume-claim: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision",
    ]);
  });

  test('file:// is used in place, with no volume and no warning', () => {
    const c = newChart();
    const isvc = new InferenceService(c, 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.file('/models/iris') } } });
    const spec = find(synth(c), 'Service', 'iris-predictor').spec.template.spec;
    expect(spec.containers[0].args).toEqual(['serve', '--model=iris=/models/iris', '--http-port=8080']);
    expect(spec.volumes).toEqual([{ name: 'kfs-scratch', emptyDir: {} }]);
    expect(Warnings.of(isvc).all).toEqual([]);
  });

  test('a runtime override serves ONNX with Triton', () => {
    const c = newChart();
    new InferenceService(c, 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris'), runtime: ModelRuntime.TRITON_SERVER, name: 'iris-onnx' } } });
    const container = containerOf(find(synth(c), 'Service', 'iris-predictor'));
    expect(container.image).toBe('nvcr.io/nvidia/tritonserver:23.05-py3');
    expect(container.command).toEqual(['tritonserver']);
    expect(container.args).toEqual(['--model-store=/mnt/models', '--grpc-port=9000', '--http-port=8080', '--allow-grpc=true', '--allow-http=true']);
  });
});
