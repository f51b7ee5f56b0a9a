import { Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import {
  DeploymentMode, Gpu, InferenceService, InferenceServiceProps, ModelController, ModelFormat, ModelRuntime, ProtocolVersion, RuntimeImage, StorageCredentials, StorageUri, TrainedModel, TrainedModelCrd,
} from '../../../lib';
import { containerOf, errorOf, find, newChart, synth } from '../_util';
import { testApp } from '../test-app';

const multiModel = { multiModel: { format: ModelFormat.ONNX } };

function mms(chart: Chart, id = 'mms', props: Partial<InferenceServiceProps> = {}): InferenceService {
  return new InferenceService(chart, id, { predictor: multiModel, ...props });
}

describe('multi-model predictor (Knative mode)', () => {
  const chart = newChart();
  const isvc = mms(chart);
  const manifests = synth(chart);

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('emits the empty model-config ConfigMap next to the Knative Service: no data, so no apply ever resets what the controller wrote', () => {
    expect(manifests.map(m => `${m.apiVersion} ${m.kind} ${m.metadata.name}`)).toEqual([
      'serving.knative.dev/v1 Service mms-predictor',
      'v1 ConfigMap modelconfig-mms-0',
      'networking.istio.io/v1 VirtualService mms',
      'v1 Service mms',
    ]);
    const configMap = find(manifests, 'ConfigMap', 'modelconfig-mms-0');
    expect(configMap).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'modelconfig-mms-0', namespace: 'models', labels: { 'serving.kserve.io/inferenceservice': 'mms' } },
    });
    expect(isvc.modelConfigMap).toBeDefined();
  });

  test('kfs-runtime starts from the mounted model config instead of a model of its own, and is probed for readiness', () => {
    const container = containerOf(find(manifests, 'Service', 'mms-predictor'));
    expect(container.args).toEqual(['serve', '--model-config=/mnt/configs/models.json', '--http-port=8080']);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/v2/health/ready' } });
    expect(container.volumeMounts).toEqual([
      { name: 'model-config', mountPath: '/mnt/configs', readOnly: true },
      { name: 'kfs-scratch', mountPath: '/tmp' },
    ]);
    expect(isvc.predictor.multiModel).toBe(true);
    expect(isvc.predictor.modelName).toBeUndefined();
    expect(isvc.predictor.runtime).toBe(ModelRuntime.KFS_RUNTIME);
  });

  test('the ConfigMap volume is optional: a replica can start before the controller first writes models.json', () => {
    const spec = find(manifests, 'Service', 'mms-predictor').spec.template.spec;
    expect(spec.volumes).toEqual([
      { name: 'kfs-scratch', emptyDir: {} },
      { name: 'model-config', configMap: { name: 'modelconfig-mms-0', optional: true } },
    ]);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  test('the memory limit TrainedModels are admitted against is exposed (KServe default 2Gi)', () => {
    expect(isvc.predictor.memoryLimit).toBe('2Gi');
  });
});

describe('multi-model predictor: the store TrainedModels are pulled from', () => {
  test('multiModel.storage wires its credentials and endpoint into the runtime as KServe\'s variables (Secret references only)', () => {
    const chart = newChart();
    mms(chart, 'mms', { predictor: { multiModel: { format: ModelFormat.ONNX, storage: StorageUri.s3('models', '', { credentials: StorageCredentials.fromS3Secret('s3-credentials'), endpoint: 'https://s3.example.com' }) } } });
    const container = containerOf(find(synth(chart), 'Service', 'mms-predictor'));
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'AWS_ENDPOINT_URL', value: 'https://s3.example.com' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } } },
    ]));
  });

  test('a GCS key Secret is mounted next to the model config', () => {
    const chart = newChart();
    mms(chart, 'mms', { predictor: { multiModel: { format: ModelFormat.ONNX, storage: StorageUri.gcs('models', '', { credentials: StorageCredentials.fromGcsServiceAccountKeySecret('gcs-key') }) } } });
    const spec = find(synth(chart), 'Service', 'mms-predictor').spec.template.spec;
    expect(spec.volumes).toEqual([
      { name: 'kfs-scratch', emptyDir: {} },
      { name: 'model-config', configMap: { name: 'modelconfig-mms-0', optional: true } },
      { name: 'kfs-gcs-credentials', secret: { secretName: 'gcs-key', items: [{ key: 'gcloud-application-credentials.json', path: 'gcloud-application-credentials.json' }] } },
    ]);
    expect(spec.containers[0].volumeMounts.map((m: any) => [m.name, m.mountPath, m.readOnly])).toEqual([
      ['model-config', '/mnt/configs', true],
      ['kfs-gcs-credentials', spec.containers[0].volumeMounts[1].mountPath, true],
      ['kfs-scratch', '/tmp', undefined],
    ]);
    expect(spec.containers[0].env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${spec.containers[0].volumeMounts[1].mountPath}/gcloud-application-credentials.json` });
  });
});

describe('multi-model predictor (raw deployment mode)', () => {
  test('the Deployment mounts the model config and probes readiness on the container port', () => {
    const chart = newChart();
    mms(chart, 'mms', { deploymentMode: DeploymentMode.RAW, predictor: { ...multiModel, maxReplicas: 3 } });
    const deployment = find(synth(chart), 'Deployment', 'mms-predictor');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual(['serve', '--model-config=/mnt/configs/models.json', '--http-port=8080']);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/v2/health/ready', port: 8080 } });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'model-config', configMap: { name: 'modelconfig-mms-0', optional: true } });
  });
});

describe('TrainedModel', () => {
  const chart = newChart();
  const isvc = mms(chart, 'mms', { predictor: { ...multiModel, resources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } } } });
  const model = new TrainedModel(chart, 'iris', { inferenceService: isvc, storageUri: StorageUri.s3('models', 'iris/1'), format: ModelFormat.ONNX, memory: Size.mebibytes(64) });
  new TrainedModel(chart, 'mlp', { name: 'mnist-mlp', inferenceService: isvc, storageUri: StorageUri.https('https://models.example.com/mlp.tar.gz'), format: ModelFormat.ONNX, memory: Size.kibibytes(1536), labels: { team: 'vision' } });
  const manifests = synth(chart);

  test('is KServe\'s serving.kserve.io/v1alpha1 TrainedModel in the InferenceService\'s namespace', () => {
    expect(find(manifests, 'TrainedModel', 'iris')).toEqual({
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'TrainedModel',
      metadata: { name: 'iris', namespace: 'models', labels: { 'serving.kserve.io/inferenceservice': 'mms' } },
      spec: { inferenceService: 'mms', model: { storageUri: 's3://models/iris/1', framework: 'onnx', memory: '64Mi' } },
    });
  });

  test('name, labels and memory that is not whole mebibytes (written in Ki)', () => {
    const mlp = find(manifests, 'TrainedModel', 'mnist-mlp');
    expect(mlp.metadata.labels).toEqual({ 'team': 'vision', 'serving.kserve.io/inferenceservice': 'mms' });
    expect(mlp.spec.model).toEqual({ storageUri: 'https://models.example.com/mlp.tar.gz', framework: 'onnx', memory: '1536Ki' });
  });

  test('knows the URLs the controller writes into its status', () => {
    expect(model.url).toBe('http://mms.models.example.com/v2/models/iris/infer');
    expect(model.clusterLocalUrl).toBe('http://mms.models.svc.cluster.local/v2/models/iris/infer');
    expect(model.memory).toBe('64Mi');
  });
});

describe('every TrainedModel synth-time rule names the model, the prop, the value and the fix', () => {
  const build = (props: Partial<ConstructorParameters<typeof TrainedModel>[2]> & { id?: string }, isvcProps: Partial<InferenceServiceProps> = {}) => () => {
    const chart = newChart();
    const isvc = mms(chart, 'mms', isvcProps);
    return new TrainedModel(chart, props.id ?? 'iris', {
      inferenceService: isvc, storageUri: StorageUri.s3('models', 'iris/1'), format: ModelFormat.ONNX, memory: Size.mebibytes(64), ...props,
    });
  };

  test.each<[string, () => unknown, string]>([
    ['name: lowercase, no dots or underscores (it is the model name in URLs)', build({ id: 'Iris_v1' }),
      `TrainedModel 'Iris_v1': name ('Iris_v1') is not a valid TrainedModel name; use lowercase letters, digits and "-", starting and ending with a letter or digit, at most 253 characters`],
    ['name: no dots', build({ name: 'iris.v1' }),
      `TrainedModel 'iris.v1': name ('iris.v1') is not a valid TrainedModel name; use lowercase letters, digits and "-", starting and ending with a letter or digit, at most 253 characters`],
    ['the InferenceService must be multi-model', build({}, { predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'x') } } }),
      `TrainedModel 'iris': inferenceService ('mms') is not a multi-model InferenceService; set predictor.multiModel on it: TrainedModels are loaded into multi-model predictors only`],
    ['storage a running replica cannot pull: pvc', build({ storageUri: StorageUri.pvc('models-claim', 'iris') }),
      `TrainedModel 'iris': storageUri ('pvc://models-claim/iris') cannot be pulled by a running predictor replica; use an s3://, gs://, https:// or http:// URI`],
    ['storage a running replica cannot pull: file', build({ storageUri: StorageUri.file('/models/iris') }),
      `TrainedModel 'iris': storageUri ('file:///models/iris') cannot be pulled by a running predictor replica; use an s3://, gs://, https:// or http:// URI`],
    ['format the runtime does not serve', build({ format: ModelFormat.SKLEARN }),
      `TrainedModel 'iris': format ('sklearn') is not served by runtime 'kfs-runtime' of InferenceService 'mms' (it serves onnx); store the model in a format the runtime serves`],
    ['memory must be positive', build({ memory: Size.mebibytes(0) }),
      `TrainedModel 'iris': memory ('0Ki') is not positive; give the loaded model's memory footprint, e.g. Size.mebibytes(256)`],
    ['memory above the predictor limit', build({ memory: Size.gibibytes(3) }),
      `TrainedModel 'iris': memory ('3Gi') is more than the memory limit of InferenceService 'mms' predictor (2Gi); raise predictor.resources.memory.limit, or give the model a smaller footprint`],
  ])('%s', (_name, construct, message) => {
    expect(errorOf(construct)).toBe(message);
  });

  test('the TrainedModels of one InferenceService together must fit in its memory limit (checked at synth)', () => {
    const app = testApp();
    const chart = new Chart(app, 'test', { namespace: 'models' });
    const isvc = mms(chart);
    for (const [name, mebibytes] of [['a', 1024], ['b', 768], ['c', 512]] as const) {
      new TrainedModel(chart, name, { inferenceService: isvc, storageUri: StorageUri.s3('models', name), format: ModelFormat.ONNX, memory: Size.mebibytes(mebibytes) });
    }
    expect(errorOf(() => app.synth())).toContain(
      `InferenceService 'mms': its TrainedModels need 2304Mi of memory (a: 1Gi, b: 768Mi, c: 512Mi), more than the predictor's memory limit (2Gi); raise predictor.resources.memory.limit, or serve some of the models from another InferenceService`);
  });

  test('TrainedModels that fit together synthesize', () => {
    const app = testApp();
    const chart = new Chart(app, 'test', { namespace: 'models' });
    const isvc = mms(chart);
    new TrainedModel(chart, 'a', { inferenceService: isvc, storageUri: StorageUri.s3('models', 'a'), format: ModelFormat.ONNX, memory: Size.gibibytes(1) });
    new TrainedModel(chart, 'b', { inferenceService: isvc, storageUri: StorageUri.gcs('models', 'b'), format: ModelFormat.ONNX, memory: Size.gibibytes(1) });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('every multi-model predictor rule names the InferenceService, the prop, the value and the fix', () => {
  test.each<[string, InferenceServiceProps['predictor'], string]>([
    ['a runtime that cannot load models at run time', { multiModel: { format: ModelFormat.SKLEARN } },
      `InferenceService 'mms': predictor.multiModel.runtime ('kserve-sklearnserver') cannot load models at run time; use ModelRuntime.KFS_RUNTIME, or a runtime made with ModelRuntime.custom({ multiModelArgs })`],
    ['a format the runtime does not serve', { multiModel: { format: ModelFormat.SKLEARN, runtime: ModelRuntime.KFS_RUNTIME } },
      `InferenceService 'mms': predictor.multiModel.format ('sklearn') is not served by runtime 'kfs-runtime' (it serves onnx); pick a runtime that lists the format, or leave multiModel.runtime unset for the default`],
    ['a format with no default runtime', { multiModel: { format: ModelFormat.of('mlflow') } },
      `InferenceService 'mms': predictor.multiModel.format ('mlflow') has no default runtime; set predictor.multiModel.runtime to a ModelRuntime that serves it`],
    ['a gRPC-first runtime', {
      multiModel: {
        format: ModelFormat.of('custom'),
        runtime: ModelRuntime.custom({ name: 'grpc-only', image: RuntimeImage.fromRegistry('x/y:1'), supportedFormats: [ModelFormat.of('custom')], protocols: [ProtocolVersion.GRPC_V2], multiModelArgs: ['--config={{.ModelConfigFile}}'] }),
      },
    }, `InferenceService 'mms': predictor.multiModel.runtime ('grpc-only') speaks grpc-v2 first, but TrainedModels are loaded over the HTTP repository API; use a runtime whose first protocol is v1 or v2`],
    ['no memory limit', { multiModel: { format: ModelFormat.ONNX }, resources: { memory: { request: Size.gibibytes(1) } } },
      `InferenceService 'mms': predictor.resources.memory has no limit, but multi-model serving admits TrainedModels against it; give it a limit, e.g. { request: Size.gibibytes(2), limit: Size.gibibytes(4) }`],
    ['model and multiModel together', { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'x') }, multiModel: { format: ModelFormat.ONNX } },
      `InferenceService 'mms': predictor must set exactly one of model, multiModel or container (got model and multiModel); use model for a stored model served by a runtime, multiModel for TrainedModels loaded at run time, or container for your own model server`],
  ])('%s', (_name, predictor, message) => {
    expect(errorOf(() => new InferenceService(newChart(), 'mms', { predictor }))).toBe(message);
  });

  test('a custom multi-model runtime gets {{.ModelConfigFile}} and the ports filled in', () => {
    const chart = newChart();
    const runtime = ModelRuntime.custom({
      name: 'my-mms', image: RuntimeImage.fromRegistry('registry.example.com/mms:1'), supportedFormats: [ModelFormat.of('custom')],
      protocols: [ProtocolVersion.V2], httpPort: 9000, multiModelArgs: ['--models={{.ModelConfigFile}}', '--port={{.HttpPort}}'],
    });
    new InferenceService(chart, 'mms', { predictor: { multiModel: { format: ModelFormat.of('custom'), runtime } } });
    expect(containerOf(find(synth(chart), 'Service', 'mms-predictor')).args).toEqual(['--models=/mnt/configs/models.json', '--port=9000']);
  });

  test('a GPU on a runtime that cannot use one', () => {
    const runtime = ModelRuntime.custom({ name: 'cpu-mms', image: RuntimeImage.fromRegistry('x/y:1'), supportedFormats: [ModelFormat.of('custom')], protocols: [ProtocolVersion.V2], multiModelArgs: [] });
    expect(errorOf(() => new InferenceService(newChart(), 'mms', { predictor: { multiModel: { format: ModelFormat.of('custom'), runtime }, gpu: Gpu.nvidia(1) } })))
      .toBe(`InferenceService 'mms': predictor.gpu ('nvidia.com/gpu: 1') cannot be used by runtime 'cpu-mms' (format custom); remove gpu, or serve the models with a GPU-capable runtime`);
  });
});

describe('ModelController', () => {
  const chart = newChart('serving-system');
  const a = mms(chart, 'mms', { namespace: 'team-a', predictor: { ...multiModel, resources: { memory: { request: Size.gibibytes(4), limit: Size.gibibytes(4) } } } });
  const b = mms(chart, 'vision', { namespace: 'team-a', deploymentMode: DeploymentMode.RAW, predictor: { ...multiModel, maxReplicas: 3 } });
  const c = mms(chart, 'nlp', { namespace: 'team-b' });
  const controller = new ModelController(chart, 'controller', { inferenceServices: [a, b, c], replicas: 2 });
  const manifests = synth(chart);
  const own = manifests.filter(m => m.metadata.labels?.['app.kubernetes.io/name'] === 'kfs-model-controller');

  test('snapshot', () => {
    expect(own).toMatchSnapshot();
  });

  test('emits a ServiceAccount, its ConfigMap, the Lease, a Role + RoleBinding per served namespace, the Lease Role + RoleBinding and the Deployment; no CRD unless asked', () => {
    expect(own.map(m => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual([
      'ServiceAccount serving-system/kfs-model-controller',
      'ConfigMap serving-system/kfs-model-controller',
      'Lease serving-system/kfs-model-controller',
      'Role team-a/kfs-model-controller',
      'RoleBinding team-a/kfs-model-controller',
      'Role team-b/kfs-model-controller',
      'RoleBinding team-b/kfs-model-controller',
      'Role serving-system/kfs-model-controller-leader-election',
      'RoleBinding serving-system/kfs-model-controller-leader-election',
      'Deployment serving-system/kfs-model-controller',
    ]);
    expect(manifests.some(m => m.kind === 'CustomResourceDefinition' || m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')).toBe(false);
    expect(controller.crd).toBeUndefined();
  });

  test('per namespace: list/watch TrainedModels and Pods, patch TrainedModel status, patch only that namespace\'s model-config ConfigMaps', () => {
    expect(find(manifests.filter(m => m.metadata.namespace === 'team-a'), 'Role', 'kfs-model-controller').rules).toEqual([
      { apiGroups: ['serving.kserve.io'], resources: ['trainedmodels'], verbs: ['list', 'watch'] },
      { apiGroups: ['serving.kserve.io'], resources: ['trainedmodels/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], resourceNames: ['modelconfig-mms-0', 'modelconfig-vision-0'] },
    ]);
    expect(find(manifests.filter(m => m.metadata.namespace === 'team-b'), 'Role', 'kfs-model-controller').rules[3].resourceNames).toEqual(['modelconfig-nlp-0']);
    expect(find(manifests.filter(m => m.metadata.namespace === 'team-b'), 'RoleBinding', 'kfs-model-controller')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kfs-model-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'kfs-model-controller', namespace: 'serving-system' }],
    });
  });

  test('leader election: get and update of its own Lease only (the chart emits the Lease, so no create)', () => {
    expect(find(manifests, 'Role', 'kfs-model-controller-leader-election').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['kfs-model-controller'] },
    ]);
    expect(find(manifests, 'Lease', 'kfs-model-controller')).toEqual({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: 'kfs-model-controller', namespace: 'serving-system', labels: expect.objectContaining({ 'app.kubernetes.io/instance': 'kfs-model-controller' }) },
    });
  });

  test('the configuration tells the controller each InferenceService\'s ConfigMap, memory limit, formats and URLs', () => {
    const config = JSON.parse(find(manifests, 'ConfigMap', 'kfs-model-controller').data['config.json']);
    expect(config).toEqual({
      inferenceServices: [
        { namespace: 'team-a', name: 'mms', modelConfigMap: 'modelconfig-mms-0', memoryLimit: '4Gi', frameworks: ['onnx'], url: 'http://mms.team-a.example.com', clusterLocalUrl: 'http://mms.team-a.svc.cluster.local' },
        { namespace: 'team-a', name: 'vision', modelConfigMap: 'modelconfig-vision-0', memoryLimit: '2Gi', frameworks: ['onnx'], url: 'http://vision-team-a.example.com', clusterLocalUrl: 'http://vision.team-a.svc.cluster.local' },
        { namespace: 'team-b', name: 'nlp', modelConfigMap: 'modelconfig-nlp-0', memoryLimit: '2Gi', frameworks: ['onnx'], url: 'http://nlp.team-b.example.com', clusterLocalUrl: 'http://nlp.team-b.svc.cluster.local' },
      ],
    });
    expect(controller.config.inferenceServices).toHaveLength(3);
  });

  test('the Deployment: kfs-runtime controller with the config, Lease and health flags, Pod Security "restricted", its own token', () => {
    const deployment = find(manifests, 'Deployment', 'kfs-model-controller');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(container.args).toEqual(['controller', '--config=/etc/kfs-model-controller/config.json', '--lease-name=kfs-model-controller', '--lease-duration=15s', '--resync-period=60s', '--health-port=8081']);
    expect(container.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(container.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.serviceAccountName).toBe('kfs-model-controller');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8081 });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8081 });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('a configuration change changes the pod template (the controller reads its configuration once)', () => {
    const annotation = (isvcs: (c: Chart) => InferenceService[]) => {
      const other = newChart('serving-system');
      new ModelController(other, 'controller', { inferenceServices: isvcs(other) });
      return find(synth(other), 'Deployment', 'kfs-model-controller').spec.template.metadata.annotations['cdk8s-kfserving.io/config-sha256'];
    };
    const one = annotation(c => [mms(c, 'mms')]);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(annotation(c => [mms(c, 'mms')])).toBe(one);
    expect(annotation(c => [mms(c, 'mms'), mms(c, 'other')])).not.toBe(one);
  });
});

describe('ModelController and an InferenceService NetworkPolicy (egress)', () => {
  test('a served InferenceService with its own NetworkPolicy in another namespace gets one more that admits the controller to the predictor port', () => {
    const chart = newChart('serving-system');
    const locked = mms(chart, 'locked', { namespace: 'team-a', egress: {} });
    const open = mms(chart, 'open', { namespace: 'team-a' });
    const controller = new ModelController(chart, 'controller', { inferenceServices: [locked, open] });
    const manifests = synth(chart);
    expect(manifests.filter(m => m.kind === 'NetworkPolicy').map(m => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['team-a/locked', 'team-a/kfs-model-controller-locked']);
    expect(find(manifests, 'NetworkPolicy', 'kfs-model-controller-locked').spec).toEqual({
      podSelector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'locked', 'component': 'predictor' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'serving-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kfs-model-controller', 'app.kubernetes.io/instance': 'kfs-model-controller' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      }],
    });
    expect(Object.keys(controller.networkPolicies)).toEqual(['locked']);
  });

  test('none when the controller runs in the InferenceService\'s namespace (its policy admits the namespace already) or the InferenceService has no policy', () => {
    const chart = newChart('team-a');
    const controller = new ModelController(chart, 'controller', { inferenceServices: [mms(chart, 'locked', { egress: {} }), mms(chart, 'open')] });
    expect(controller.networkPolicies).toEqual({});
    expect(synth(chart).filter(m => m.kind === 'NetworkPolicy').map(m => m.metadata.name)).toEqual(['locked']);
  });
});

describe('ModelController options', () => {
  test('installCrd emits our TrainedModel CRD, cluster-scoped (no namespace even in a namespaced chart)', () => {
    const chart = newChart();
    const controller = new ModelController(chart, 'controller', { inferenceServices: [mms(chart)], installCrd: true, name: 'tm-controller', image: RuntimeImage.fromRegistry('registry.example.com/kfs-runtime:2'), resources: { cpu: { request: Cpu.millis(50), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(512) } } });
    const manifests = synth(chart);
    const crd = find(manifests, 'CustomResourceDefinition', 'trainedmodels.serving.kserve.io');
    expect(crd.metadata.namespace).toBeUndefined();
    expect(controller.crd).toBeInstanceOf(TrainedModelCrd);
    const container = find(manifests, 'Deployment', 'tm-controller').spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/kfs-runtime:2');
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(container.args).toContain('--lease-name=tm-controller');
  });

  test.each<[string, (chart: Chart) => unknown, string]>([
    ['no InferenceService', chart => new ModelController(chart, 'c', { inferenceServices: [] }),
      `ModelController 'kfs-model-controller': inferenceServices is empty; list the multi-model InferenceServices whose TrainedModels it loads`],
    ['a single-model InferenceService', chart => new ModelController(chart, 'c', { inferenceServices: [new InferenceService(chart, 'iris', { predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris') } } })] }),
      `ModelController 'kfs-model-controller': inferenceServices ('iris') is not a multi-model InferenceService; set predictor.multiModel on it, or leave it out`],
    ['the same InferenceService twice', chart => { const isvc = mms(chart); return new ModelController(chart, 'c', { inferenceServices: [isvc, isvc] }); },
      `ModelController 'kfs-model-controller': inferenceServices ('models/mms') is listed twice; list each InferenceService once`],
    ['zero replicas', chart => new ModelController(chart, 'c', { inferenceServices: [mms(chart)], replicas: 0 }),
      `ModelController 'kfs-model-controller': replicas (0) runs no controller; use 1, or more for a warm standby`],
    ['a name too long for its Role names', chart => new ModelController(chart, 'c', { inferenceServices: [mms(chart)], name: 'c'.repeat(48) }),
      `ModelController '${'c'.repeat(48)}': name ('${'c'.repeat(48)}') is not a valid name for its objects; use at most 47 lowercase letters, digits and "-", starting and ending with a letter or digit`],
    ['a lease that is too short', chart => new ModelController(chart, 'c', { inferenceServices: [mms(chart)], leaseDuration: Duration.seconds(2) }),
      `ModelController 'kfs-model-controller': leaseDuration ('2s') is not a whole number of seconds of at least 3; use e.g. Duration.seconds(15)`],
    ['a memory request above its limit', chart => new ModelController(chart, 'c', { inferenceServices: [mms(chart)], resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(256) } } }),
      `ModelController 'kfs-model-controller': resources.memory.request ('1024Mi') is greater than the limit (256Mi); lower the request or raise the limit`],
  ])('%s', (_name, construct, message) => {
    expect(errorOf(() => construct(newChart()))).toBe(message);
  });
});

