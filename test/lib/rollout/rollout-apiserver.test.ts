import { CanaryRollout, DeploymentMode, InferenceService, InferenceServiceProps, RequestMatch } from '../../../lib';
import { describeWithKubeTools } from '../../harness/describe-with-kube-tools';
import { KubeApiError } from '../../harness/kube-api-error';
import { KubeCluster, startKubeCluster } from '../../harness/kube-cluster';
import { sharedPath } from '../../shared-folder';
import { newChart, synth } from '../_util';
import { transformer, transformerV2, v1, v2 } from './_fixtures';

/**
 * A rollout as a sequence of commits, each applied to a real kube-apiserver with server-side apply
 * (stored, not dry-run, so every step updates the object the previous one left). What runs here is the
 * API server's own checking: the Knative and Istio CRD schemas, strict field validation, and server-side
 * apply's typed merge. No Knative, Istio or KServe controller or webhook runs, so nothing creates
 * revisions or routes; the test proves each step is accepted and stored exactly as synthesized. Raw mode's
 * sequence runs in its own namespace with the built-in Deployment, Service and HorizontalPodAutoscaler APIs.
 */

const FIELD_MANAGER = 'cdk8s-kfserving-rollout-test';

function manifests(props: InferenceServiceProps, namespace = 'rollout'): any[] {
  const chart = newChart(namespace);
  new InferenceService(chart, 'iris', props);
  return synth(chart);
}

/** Raw deployment mode, with external requests through the Istio gateway (a canary refuses the Kubernetes Ingress). */
const RAW_NAMESPACE = 'rollout-raw';
function rawManifests(props: Partial<InferenceServiceProps>): any[] {
  return manifests({
    deploymentMode: DeploymentMode.RAW, ingress: { kubernetesIngress: false, ingressGateway: 'istio-system/istio-ingressgateway' },
    predictor: { ...v1, maxReplicas: 3 }, ...props,
  }, RAW_NAMESPACE);
}

/** REST paths of the kinds a raw-mode InferenceService emits, to delete what a step no longer has (as `kubectl apply --prune` would). */
const RAW_COLLECTIONS: { [kind: string]: string } = {
  Deployment: '/apis/apps/v1', Service: '/api/v1', HorizontalPodAutoscaler: '/apis/autoscaling/v2', VirtualService: '/apis/networking.istio.io/v1',
};
const pathOf = (object: any) => `${RAW_COLLECTIONS[object.kind]}/namespaces/${object.metadata.namespace}/${object.kind.toLowerCase()}s/${object.metadata.name}`;

const knativeServiceOf = (objects: any[], name: string) => objects.find(o => o.apiVersion === 'serving.knative.dev/v1' && o.metadata.name === name);
const v1Revision = knativeServiceOf(manifests({ predictor: v1 }), 'iris-predictor').spec.template.metadata.name;
const v2Revision = knativeServiceOf(manifests({ predictor: v2 }), 'iris-predictor').spec.template.metadata.name;

describeWithKubeTools('a rollout applied to a real kube-apiserver (CRD schemas and server-side apply; no Knative webhook)', () => {
  let cluster: KubeCluster;

  beforeAll(async () => {
    cluster = await startKubeCluster();
    await cluster.createNamespace('rollout');
    await cluster.createNamespace(RAW_NAMESPACE);
    await cluster.installCrds([sharedPath('crds', 'knative', 'service.yaml'), sharedPath('crds', 'istio', 'networking.istio.io_virtualservices.yaml')]);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Applies one commit's manifests for real and returns the stored predictor Knative Service. */
  async function commit(props: InferenceServiceProps): Promise<any> {
    const objects = manifests(props);
    const applied = await cluster.applyManifests(objects, { fieldManager: FIELD_MANAGER });
    expect(applied.map(result => `${result.object.kind}/${result.object.metadata.name}`)).toEqual(objects.map(o => `${o.kind}/${o.metadata.name}`));
    for (const result of applied) expect(result.warnings).toEqual([]);
    const stored = await cluster.admin.get('/apis/serving.knative.dev/v1/namespaces/rollout/services/iris-predictor');
    // Stored as synthesized: nothing pruned, nothing left over from the previous step.
    expect(stored.spec).toEqual(knativeServiceOf(objects, 'iris-predictor').spec);
    return stored;
  }

  const canary = new CanaryRollout({ predictor: v2, percent: 10 });
  const split = (ksvc: any) => ksvc.spec.traffic.map((t: any) => [t.revisionName ?? '(latest ready)', t.percent, t.tag]);

  test('v1 → canary v2 10 % → promote → rollback → v2 alone → back to v1: every step is accepted and stored as synthesized', async () => {
    const steps: Array<[string, InferenceServiceProps, string, Array<[string, number, string | undefined]>]> = [
      ['v1 alone', { predictor: v1 }, v1Revision, [['(latest ready)', 100, undefined]]],
      ['canary v2 at 10 %', { predictor: v1, canary }, v2Revision, [[v2Revision, 10, 'latest'], [v1Revision, 90, 'prev']]],
      ['canary v2 at 50 %', { predictor: v1, canary: canary.withPercent(50) }, v2Revision, [[v2Revision, 50, 'latest'], [v1Revision, 50, 'prev']]],
      ['promoted', { predictor: v1, canary: canary.promote() }, v2Revision, [[v2Revision, 100, 'latest'], [v1Revision, 0, 'prev']]],
      ['rolled back after promotion', { predictor: v1, canary: canary.promote().rollback() }, v2Revision, [[v2Revision, 0, 'latest'], [v1Revision, 100, 'prev']]],
      ['promoted again, then v2 alone', { predictor: v2 }, v2Revision, [['(latest ready)', 100, undefined]]],
      ['back to v1 by reverting the code', { predictor: v1 }, v1Revision, [['(latest ready)', 100, undefined]]],
    ];
    let generation = 0;
    for (const [, props, template, traffic] of steps) {
      const stored = await commit(props);
      expect(stored.spec.template.metadata.name).toBe(template);
      expect(split(stored)).toEqual(traffic);
      expect(stored.metadata.generation).toBeGreaterThan(generation);
      generation = stored.metadata.generation;
    }
  }, 120_000);

  test('the API server does check the traffic block: a mistyped percent is refused', async () => {
    const knativeService = structuredClone(knativeServiceOf(manifests({ predictor: v1, canary }), 'iris-predictor'));
    knativeService.spec.traffic[0].percent = 'ten';
    const error = await cluster.applyManifests([knativeService], { fieldManager: FIELD_MANAGER, dryRun: true }).then(() => undefined, (e: KubeApiError) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    // Server-side apply cannot build its typed patch; 1.35 answers 500 for that (kubernetes/kubernetes#139253).
    expect([400, 500]).toContain(error!.statusCode);
    expect(error!.apiStatus?.message).toBe('failed to create typed patch object (rollout/iris-predictor; serving.knative.dev/v1, Kind=Service): '
      + '.spec.traffic[0].percent: expected numeric (int or float), got string');
  });

  test('header-routed, A/B and mirrored canaries of a transformer are accepted, VirtualService included (dry-run)', async () => {
    for (const rollout of [
      new CanaryRollout({ transformer: transformerV2, percent: 0, canaryWhen: [RequestMatch.header('x-canary', 'always'), RequestMatch.cookie('canary', 'always')] }),
      new CanaryRollout({ transformer: transformerV2, percent: 20, stableWhen: [RequestMatch.header('x-variant', 'a')], canaryWhen: [RequestMatch.header('x-variant', 'b')], canaryTags: ['b'], stableTags: ['a'] }),
      new CanaryRollout({ transformer: transformerV2, percent: 0, mirrorPercent: 12.5 }),
    ]) {
      const objects = manifests({ predictor: v1, transformer, canary: rollout });
      const applied = await cluster.applyManifests(objects, { fieldManager: FIELD_MANAGER, dryRun: true });
      const virtualService = applied.find(result => result.object.kind === 'VirtualService')!.object;
      expect(virtualService.spec).toEqual(objects.find(o => o.kind === 'VirtualService').spec);
      expect(applied.find(result => result.object.metadata.name === 'iris-transformer')!.object.spec.traffic.length).toBeGreaterThanOrEqual(2);
    }
  }, 60_000);

  test('raw mode: v1 → canary v2 10 % → 50 % → promote → rollback → v2 alone → back to v1, Deployments, Services, HPAs and VirtualServices applied and pruned step by step', async () => {
    const rawCanary = new CanaryRollout({ predictor: { ...v2, maxReplicas: 3, revision: 'v2' }, percent: 10, canaryWhen: [RequestMatch.header('x-canary', 'always')] });
    const stableOnly = ['iris-predictor'];
    const bothTracks = ['iris-predictor', 'iris-predictor-v2'];
    const steps: Array<[string, Partial<InferenceServiceProps>, string[], Array<[string, number]>, string]> = [
      ['v1 alone', {}, stableOnly, [['iris-predictor', 100]], 'iris/1'],
      ['canary v2 at 10 %', { canary: rawCanary }, bothTracks, [['iris-predictor-v2', 10], ['iris-predictor', 90]], 'iris/1'],
      ['canary v2 at 50 %', { canary: rawCanary.withPercent(50) }, bothTracks, [['iris-predictor-v2', 50], ['iris-predictor', 50]], 'iris/1'],
      ['promoted', { canary: rawCanary.promote() }, bothTracks, [['iris-predictor-v2', 100], ['iris-predictor', 0]], 'iris/1'],
      ['rolled back after promotion', { canary: rawCanary.promote().rollback() }, bothTracks, [['iris-predictor-v2', 0], ['iris-predictor', 100]], 'iris/1'],
      ['promoted again, then v2 alone', { predictor: { ...v2, maxReplicas: 3 } }, stableOnly, [['iris-predictor', 100]], 'iris/2'],
      ['back to v1 by reverting the code', {}, stableOnly, [['iris-predictor', 100]], 'iris/1'],
    ];
    const base = `/apis/apps/v1/namespaces/${RAW_NAMESPACE}/deployments`;
    let previous: any[] = [];
    let generation = 0;
    for (const [step, props, deployments, weights, model] of steps) {
      const objects = rawManifests(props);
      const applied = await cluster.applyManifests(objects, { fieldManager: FIELD_MANAGER });
      for (const result of applied) expect([step, result.warnings]).toEqual([step, []]);
      const current = new Set(objects.map(pathOf));
      for (const gone of previous.filter(o => !current.has(pathOf(o)))) await cluster.admin.delete(pathOf(gone));
      previous = objects;

      const stored = (await cluster.admin.get(base)).items;
      expect([step, stored.map((d: any) => d.metadata.name).sort()]).toEqual([step, deployments]);
      // The stable Deployment keeps its (immutable) selector through every step; only its pods' model changes.
      const stable = stored.find((d: any) => d.metadata.name === 'iris-predictor');
      expect(stable.spec.selector).toEqual({ matchLabels: { app: 'isvc.iris-predictor' } });
      expect(stable.spec.template.spec.containers[0].args).toContain(`--model=iris=s3://example-models/${model}`);
      const virtualService = await cluster.admin.get(`/apis/networking.istio.io/v1/namespaces/${RAW_NAMESPACE}/virtualservices/iris`);
      expect(virtualService.spec).toEqual(objects.find(o => o.kind === 'VirtualService' && o.metadata.name === 'iris').spec);
      // The unnamed rule is the split; named ones are header rules and the tag hosts'.
      const split = virtualService.spec.http.find((rule: any) => rule.name === undefined).route;
      expect([step, split.map((r: any) => [r.destination.host.split('.')[0], r.weight])]).toEqual([step, weights]);
      expect(virtualService.metadata.generation).toBeGreaterThanOrEqual(generation);
      generation = virtualService.metadata.generation;
    }
  }, 120_000);

  test('raw mode: why the stable Deployment keeps its name and selector: the API server refuses a changed selector', async () => {
    const deployment = structuredClone(rawManifests({}).find(o => o.kind === 'Deployment'));
    await cluster.applyManifests([deployment], { fieldManager: FIELD_MANAGER });
    deployment.spec.selector.matchLabels.app = 'isvc.iris-predictor-v2';
    deployment.spec.template.metadata.labels.app = 'isvc.iris-predictor-v2';
    const error = await cluster.applyManifests([deployment], { fieldManager: FIELD_MANAGER, dryRun: true }).then(() => undefined, (e: KubeApiError) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error!.statusCode).toBe(422);
    expect(error!.apiStatus?.message).toContain('field is immutable');
  });

  test('raw mode: header-routed, A/B and mirrored canaries of a transformer, with tag Services and the mesh split, are accepted (dry-run)', async () => {
    const rawTransformer = { ...transformer, maxReplicas: 2 };
    const rawTransformerV2 = { ...transformerV2, maxReplicas: 2, revision: 'v2' };
    for (const rollout of [
      new CanaryRollout({ transformer: rawTransformerV2, percent: 0, canaryWhen: [RequestMatch.header('x-canary', 'always'), RequestMatch.cookie('canary', 'always')] }),
      new CanaryRollout({ transformer: rawTransformerV2, percent: 20, stableWhen: [RequestMatch.header('x-variant', 'a')], canaryWhen: [RequestMatch.header('x-variant', 'b')], canaryTags: ['b'], stableTags: ['a'] }),
      new CanaryRollout({ transformer: rawTransformerV2, percent: 0, mirrorPercent: 12.5 }),
    ]) {
      const objects = rawManifests({ transformer: rawTransformer, canary: rollout });
      const applied = await cluster.applyManifests(objects, { fieldManager: FIELD_MANAGER, dryRun: true });
      expect(applied.map(result => `${result.object.kind}/${result.object.metadata.name}`)).toEqual(objects.map(o => `${o.kind}/${o.metadata.name}`));
      // Both VirtualServices (the InferenceService's and the transformer's mesh split) are stored as synthesized.
      const virtualServices = applied.filter(r => r.object.kind === 'VirtualService');
      expect(virtualServices.map(r => r.object.metadata.name)).toEqual(['iris-transformer', 'iris']);
      for (const result of virtualServices) expect(result.object.spec).toEqual(objects.find(o => o.kind === 'VirtualService' && o.metadata.name === result.object.metadata.name).spec);
      expect(applied.filter(r => r.object.kind === 'Deployment').map(r => r.object.metadata.name)).toEqual(['iris-predictor', 'iris-transformer', 'iris-transformer-v2']);
    }
  }, 60_000);
});
