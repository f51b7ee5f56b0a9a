import { Chart, Size, Testing } from 'cdk8s';
import { InferenceService, ModelFormat, StorageUri, TrainedModel, TrainedModelCrd } from '../../../lib';
import { describeWithKubeTools } from '../../harness/describe-with-kube-tools';
import { KubeApiError } from '../../harness/kube-api-error';
import { type KubeCluster, startKubeCluster } from '../../harness/kube-cluster';
import { testApp } from '../test-app';

/**
 * Our TrainedModel CRD installed in a real kube-apiserver: what KServe's admission webhook would
 * reject (no webhook runs here), the schema and CEL rules reject, with messages that say why.
 */

const NAMESPACE = 'models';
const PATH = `/apis/serving.kserve.io/v1alpha1/namespaces/${NAMESPACE}/trainedmodels`;

function trainedModel(name: string, model: Record<string, unknown>): any {
  return { apiVersion: 'serving.kserve.io/v1alpha1', kind: 'TrainedModel', metadata: { name, namespace: NAMESPACE }, spec: { inferenceService: 'mms', model } };
}

async function rejection(promise: Promise<unknown>): Promise<KubeApiError> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error);
  if (!(outcome instanceof KubeApiError)) throw new Error(`expected the API server to reject the object, got ${String(outcome)}`);
  return outcome;
}

describeWithKubeTools('TrainedModel CRD (ours) on a real API server', () => {
  let cluster: KubeCluster;
  let synthesized: any[];

  beforeAll(async () => {
    cluster = await startKubeCluster();
    const chart = new Chart(testApp(), 'crd', { namespace: NAMESPACE });
    new TrainedModelCrd(chart, 'crd');
    const mms = new InferenceService(chart, 'mms', { predictor: { multiModel: { format: ModelFormat.ONNX } } });
    new TrainedModel(chart, 'iris', { inferenceService: mms, storageUri: StorageUri.s3('models', 'iris'), format: ModelFormat.ONNX, memory: Size.mebibytes(64) });
    synthesized = Testing.synth(chart);
    await cluster.createNamespace(NAMESPACE);
    await cluster.applyManifests(synthesized.filter((m) => m.kind === 'CustomResourceDefinition'), { fieldManager: 'kubectl' });
    for (let attempt = 0; ; attempt++) {
      const crd = await cluster.admin.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trainedmodels.serving.kserve.io');
      if (crd.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True')) break;
      if (attempt > 100) throw new Error('CRD not established');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 180_000);

  afterAll(() => cluster?.stop());

  test('the TrainedModel construct\'s output is stored as written, KServe\'s shape', async () => {
    const tm = synthesized.find((m) => m.kind === 'TrainedModel');
    const [applied] = await pollApply(cluster, tm);
    expect(applied.object.spec).toEqual({ inferenceService: 'mms', model: { storageUri: 's3://models/iris', framework: 'onnx', memory: '64Mi' } });
  });

  test.each([
    ['pvc://claim/iris', 's3, gs, http or https only'],
    ['/models/iris', 'a bare path'],
    ['file:///models/iris', 'file://'],
  ])('storageUri %s is rejected (%s): a running replica cannot pull it', async (storageUri) => {
    const error = await rejection(cluster.applyManifest(trainedModel('bad-uri', { storageUri, framework: 'onnx', memory: '64Mi' }), { fieldManager: 'kubectl' }));
    expect(error.statusCode).toBe(422);
    expect(error.apiStatus?.message).toContain('spec.model.storageUri: Invalid value');
    expect(error.apiStatus?.message).toContain("should match '^(s3|gs|https?)://.+'");
  });

  test('a name with a dot is rejected by the CEL rule, saying why', async () => {
    const error = await rejection(cluster.applyManifest(trainedModel('iris.v1', { storageUri: 's3://models/iris', framework: 'onnx', memory: '64Mi' }), { fieldManager: 'kubectl' }));
    expect(error.statusCode).toBe(422);
    expect(error.apiStatus?.message).toContain('metadata.name must be lowercase letters, digits and "-", starting and ending with a letter or digit: it is the model name in inference URLs');
  });

  test('memory must be a quantity', async () => {
    const error = await rejection(cluster.applyManifest(trainedModel('bad-memory', { storageUri: 's3://models/iris', framework: 'onnx', memory: '2 GB' }), { fieldManager: 'kubectl' }));
    expect(error.apiStatus?.message).toContain('spec.model.memory: Invalid value');
  });

  test('memory is immutable (KServe\'s webhook rule), other fields are not', async () => {
    await cluster.applyManifest(trainedModel('fixed', { storageUri: 's3://models/v1', framework: 'onnx', memory: '64Mi' }), { fieldManager: 'kubectl' });
    const error = await rejection(cluster.applyManifest(trainedModel('fixed', { storageUri: 's3://models/v1', framework: 'onnx', memory: '128Mi' }), { fieldManager: 'kubectl' }));
    expect(error.apiStatus?.message).toContain('memory is immutable: delete the TrainedModel and create it again to change it');
    const [swapped] = await cluster.applyManifests([trainedModel('fixed', { storageUri: 's3://models/v2', framework: 'onnx', memory: '64Mi' })], { fieldManager: 'kubectl' });
    expect(swapped.object.spec.model.storageUri).toBe('s3://models/v2');
    expect(swapped.object.metadata.generation).toBe(2);
  });

  test('status is a subresource: a status write does not touch the spec, a spec write does not touch the status', async () => {
    await cluster.admin.request({ method: 'PATCH', path: `${PATH}/fixed/status`, contentType: 'application/merge-patch+json', body: { status: { url: 'http://x/v2/models/fixed/infer', conditions: [{ type: 'Ready', status: 'True' }] }, spec: { inferenceService: 'other' } } });
    const tm = await cluster.admin.get(`${PATH}/fixed`);
    expect(tm.spec.inferenceService).toBe('mms');
    expect(tm.status).toEqual({ url: 'http://x/v2/models/fixed/infer', conditions: [{ type: 'Ready', status: 'True' }] });
    await cluster.admin.request({ method: 'PATCH', path: `${PATH}/fixed`, contentType: 'application/merge-patch+json', body: { status: { url: 'changed' } } });
    expect((await cluster.admin.get(`${PATH}/fixed`)).status.url).toBe('http://x/v2/models/fixed/infer');
  });
});

/** Discovery of a just-established CRD can lag a moment behind. */
async function pollApply(cluster: KubeCluster, object: any): Promise<any[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await cluster.applyManifests([object], { fieldManager: 'kubectl' });
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
