import { Chart, Size, Testing } from 'cdk8s';
import { InferenceService, ModelController, ModelFormat, StorageUri, TrainedModel } from '../../../lib';
import { describeWithKubeTools } from '../../harness/describe-with-kube-tools';
import { type KubeIdentity, serviceAccountIdentity } from '../../harness/identities';
import { KubeApiError } from '../../harness/kube-api-error';
import { type KubeCluster, startKubeCluster } from '../../harness/kube-cluster';
import { pollUntil } from '../../harness/poll-until';
import { testApp } from '../test-app';

/**
 * The ModelController's RBAC, exactly as synthesized, applied to a real kube-apiserver and checked
 * with SubjectAccessReviews (what `kubectl auth can-i --as` asks): the controller's ServiceAccount can
 * do what the controller needs and nothing more. That it is enough is shown by the end-to-end test,
 * where the controller runs with this ServiceAccount's token.
 */

type Check = [verb: string, resource: string, namespace: string | undefined, name?: string];

/** Two served namespaces with three multi-model InferenceServices, the controller in a third. */
function synth(): any[] {
  const chart = new Chart(testApp(), 'rbac', { namespace: 'serving-system' });
  const multiModel = { multiModel: { format: ModelFormat.ONNX } };
  const vision = new InferenceService(chart, 'vision', { namespace: 'team-a', predictor: multiModel });
  const speech = new InferenceService(chart, 'speech', { namespace: 'team-a', predictor: multiModel });
  const nlp = new InferenceService(chart, 'nlp', { namespace: 'team-b', predictor: multiModel });
  new TrainedModel(chart, 'resnet', { inferenceService: vision, storageUri: StorageUri.s3('models', 'resnet'), format: ModelFormat.ONNX, memory: Size.mebibytes(256) });
  new ModelController(chart, 'controller', { inferenceServices: [vision, speech, nlp], installCrd: true });
  return Testing.synth(chart);
}

describeWithKubeTools('ModelController RBAC on a real API server (SubjectAccessReview)', () => {
  let cluster: KubeCluster;
  let manifests: any[];
  const controller: KubeIdentity = serviceAccountIdentity('serving-system', 'kfs-model-controller');

  beforeAll(async () => {
    cluster = await startKubeCluster();
    manifests = synth();
    for (const namespace of ['serving-system', 'team-a', 'team-b', 'team-c']) await cluster.createNamespace(namespace);
    await cluster.applyManifests(manifests.filter((m) => m.kind === 'CustomResourceDefinition'), { fieldManager: 'kubectl' });
    // Everything the chart emits that this API server can store (Knative and Istio need their CRDs).
    const core = manifests.filter((m) => m.kind !== 'CustomResourceDefinition' && !m.apiVersion.includes('knative') && !m.apiVersion.includes('istio'));
    await pollApply(cluster, core);
    // The RBAC authorizer reads Roles and RoleBindings through an informer cache: wait until it has
    // seen each binding (one per namespace), or an early "denied" would be a race, not the policy.
    for (const [resource, namespace, name] of [['trainedmodels.serving.kserve.io', 'team-a', undefined], ['trainedmodels.serving.kserve.io', 'team-b', undefined], ['leases.coordination.k8s.io', 'serving-system', 'kfs-model-controller']] as const) {
      const verb = resource.startsWith('leases') ? 'get' : 'list';
      await pollUntil(`RBAC authorizer sees the binding in ${namespace}`, async () => ((await cluster.canI(controller, verb, resource, namespace, name)) ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    }
  }, 180_000);

  afterAll(() => cluster?.stop());

  test('the chart emits only namespaced Roles and RoleBindings for it (nothing cluster-wide)', () => {
    const rbac = manifests.filter((m) => m.apiVersion === 'rbac.authorization.k8s.io/v1').map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`);
    expect(rbac).toEqual([
      'Role team-a/kfs-model-controller', 'RoleBinding team-a/kfs-model-controller',
      'Role team-b/kfs-model-controller', 'RoleBinding team-b/kfs-model-controller',
      'Role serving-system/kfs-model-controller-leader-election', 'RoleBinding serving-system/kfs-model-controller-leader-election',
    ]);
  });

  const needed: Check[] = [
    ['list', 'trainedmodels.serving.kserve.io', 'team-a'],
    ['watch', 'trainedmodels.serving.kserve.io', 'team-a'],
    ['list', 'trainedmodels.serving.kserve.io', 'team-b'],
    ['watch', 'trainedmodels.serving.kserve.io', 'team-b'],
    ['patch', 'trainedmodels.serving.kserve.io/status', 'team-a', 'resnet'],
    ['patch', 'trainedmodels.serving.kserve.io/status', 'team-b', 'any-model'],
    ['list', 'pods', 'team-a'],
    ['watch', 'pods', 'team-b'],
    ['patch', 'configmaps', 'team-a', 'modelconfig-vision-0'],
    ['patch', 'configmaps', 'team-a', 'modelconfig-speech-0'],
    ['patch', 'configmaps', 'team-b', 'modelconfig-nlp-0'],
    ['get', 'leases.coordination.k8s.io', 'serving-system', 'kfs-model-controller'],
    ['update', 'leases.coordination.k8s.io', 'serving-system', 'kfs-model-controller'],
  ];
  test.each(needed)('allowed: %s %s in %s (%s)', async (...[verb, resource, namespace, name]: Check) => {
    expect(await cluster.accessReview(controller, verb, resource, namespace, name)).toMatchObject({ allowed: true });
  });

  const notNeeded: Check[] = [
    // TrainedModels belong to their users: read through list/watch only, status is the controller's.
    ['get', 'trainedmodels.serving.kserve.io', 'team-a', 'resnet'],
    ['create', 'trainedmodels.serving.kserve.io', 'team-a'],
    ['update', 'trainedmodels.serving.kserve.io', 'team-a', 'resnet'],
    ['patch', 'trainedmodels.serving.kserve.io', 'team-a', 'resnet'],
    ['delete', 'trainedmodels.serving.kserve.io', 'team-a', 'resnet'],
    ['update', 'trainedmodels.serving.kserve.io/status', 'team-a', 'resnet'],
    ['list', 'trainedmodels.serving.kserve.io', 'team-c'],
    ['list', 'trainedmodels.serving.kserve.io', 'serving-system'],
    ['list', 'trainedmodels.serving.kserve.io', undefined],
    // Pods: read-only, and only the list/watch the informer makes.
    ['get', 'pods', 'team-a', 'vision-predictor-00001-abc'],
    ['delete', 'pods', 'team-a', 'vision-predictor-00001-abc'],
    ['get', 'pods/log', 'team-a', 'vision-predictor-00001-abc'],
    ['create', 'pods/exec', 'team-a', 'vision-predictor-00001-abc'],
    ['list', 'pods', 'team-c'],
    ['list', 'pods', undefined],
    // ConfigMaps: only the model configs of served InferenceServices, only patch.
    ['patch', 'configmaps', 'team-a', 'modelconfig-other-0'],
    ['patch', 'configmaps', 'team-b', 'modelconfig-vision-0'],
    ['patch', 'configmaps', 'serving-system', 'kfs-model-controller'],
    ['get', 'configmaps', 'team-a', 'modelconfig-vision-0'],
    ['update', 'configmaps', 'team-a', 'modelconfig-vision-0'],
    ['delete', 'configmaps', 'team-a', 'modelconfig-vision-0'],
    ['create', 'configmaps', 'team-a'],
    ['list', 'configmaps', 'team-a'],
    // Leases: its own, get and update only.
    ['create', 'leases.coordination.k8s.io', 'serving-system'],
    ['delete', 'leases.coordination.k8s.io', 'serving-system', 'kfs-model-controller'],
    ['update', 'leases.coordination.k8s.io', 'serving-system', 'another-controller'],
    ['list', 'leases.coordination.k8s.io', 'serving-system'],
    ['get', 'leases.coordination.k8s.io', 'team-a', 'kfs-model-controller'],
    // Nothing else at all.
    ['get', 'secrets', 'team-a', 'storage-config'],
    ['list', 'secrets', 'serving-system'],
    ['create', 'events', 'team-a'],
    ['list', 'deployments.apps', 'team-a'],
    ['patch', 'services.serving.knative.dev', 'team-a', 'vision-predictor'],
    ['list', 'endpointslices.discovery.k8s.io', 'team-a'],
    ['create', 'serviceaccounts/token', 'serving-system', 'kfs-model-controller'],
    ['create', 'rolebindings.rbac.authorization.k8s.io', 'team-a'],
    ['escalate', 'roles.rbac.authorization.k8s.io', 'team-a'],
    ['list', 'namespaces', undefined],
    ['list', 'nodes', undefined],
    ['create', 'customresourcedefinitions.apiextensions.k8s.io', undefined],
  ];
  test.each(notNeeded)('denied: %s %s in %s (%s)', async (...[verb, resource, namespace, name]: Check) => {
    expect(await cluster.accessReview(controller, verb, resource, namespace, name)).toMatchObject({ allowed: false });
  });

  test('with a real token of its ServiceAccount: patching a served model config works, patching the controller\'s own ConfigMap is forbidden', async () => {
    const token = await cluster.serviceAccountToken('serving-system', 'kfs-model-controller');
    const client = cluster.clientFor(token);
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'modelconfig-vision-0', namespace: 'team-a' }, data: { 'models.json': '[]' } };
    const applied = await client.request({ method: 'PATCH', path: '/api/v1/namespaces/team-a/configmaps/modelconfig-vision-0', body, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'kfs-model-controller', force: true } });
    expect(applied.body.data).toEqual({ 'models.json': '[]' });
    const forbidden = await client.request({ method: 'PATCH', path: '/api/v1/namespaces/serving-system/configmaps/kfs-model-controller', body: { data: { 'config.json': '{}' } }, contentType: 'application/merge-patch+json' })
      .then(() => undefined, (error: unknown) => error);
    expect(forbidden).toBeInstanceOf(KubeApiError);
    expect((forbidden as KubeApiError).statusCode).toBe(403);
  });
});

/** Applies in order; the Roles may reference the CRD's resources before discovery has them, which is fine for RBAC. */
async function pollApply(cluster: KubeCluster, objects: any[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cluster.applyManifests(objects, { fieldManager: 'kubectl' });
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
