import { CanaryRollout, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, ModelRuntime, RequestMatch, RolloutPhase, StorageUri, Warnings } from '../../../lib';
import { containerOf, find, newChart, synth } from '../_util';
import { explainer, explainerV2, transformer, transformerV2, v1, v2 } from './_fixtures';

function deploy(props: InferenceServiceProps): { isvc: InferenceService; manifests: any[] } {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', props);
  return { isvc, manifests: synth(chart) };
}

/** The revision names the predictor gets when v1 alone, and v2 alone, is deployed. */
const V1_REVISION = deploy({ predictor: v1 }).isvc.predictor.revisionName;
const V2_REVISION = deploy({ predictor: v2 }).isvc.predictor.revisionName;

function sum(traffic: any[]): number {
  return traffic.reduce((total, target) => total + target.percent, 0);
}

describe('a 10 % canary of the predictor', () => {
  const { isvc, manifests } = deploy({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent: 10 }) });
  const ksvc = find(manifests, 'Service', 'iris-predictor');

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('the template is the canary, named as v2 alone would be; the stable revision keeps the name v1 alone had', () => {
    expect(V1_REVISION).not.toBe(V2_REVISION);
    expect(ksvc.spec.template.metadata.name).toBe(V2_REVISION);
    expect(containerOf(ksvc).args).toContain('--model=iris=s3://example-models/iris/2');
    expect(isvc.predictor.revisionName).toBe(V2_REVISION);
    expect(isvc.predictor.canaryRevisionName).toBe(V2_REVISION);
    expect(isvc.predictor.stableRevisionName).toBe(V1_REVISION);
  });

  test('traffic names both revisions, canary first, tagged latest and prev, summing to 100', () => {
    expect(ksvc.spec.traffic).toEqual([
      { revisionName: V2_REVISION, latestRevision: false, percent: 10, tag: 'latest' },
      { revisionName: V1_REVISION, latestRevision: false, percent: 90, tag: 'prev' },
    ]);
    expect(sum(ksvc.spec.traffic)).toBe(100);
  });

  test('endpoints: default, canary and stable URLs in both forms', () => {
    expect(isvc.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local', url: 'http://iris-predictor.models.example.com' });
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-predictor.models.svc.cluster.local', url: 'http://latest-iris-predictor.models.example.com' });
    expect(isvc.stableEndpoint).toEqual({ clusterLocalUrl: 'http://prev-iris-predictor.models.svc.cluster.local', url: 'http://prev-iris-predictor.models.example.com' });
    expect(isvc.predictor.tagEndpoints).toEqual({ latest: isvc.canaryEndpoint, prev: isvc.stableEndpoint });
    expect(isvc.url).toBe('http://iris.models.example.com');
  });

  test('the top-level route is unchanged: Knative splits the requests', () => {
    expect(find(manifests, 'VirtualService', 'iris')).toEqual(find(deploy({ predictor: v1 }).manifests, 'VirtualService', 'iris'));
  });

  test('the rollout is readable from the construct', () => {
    expect(isvc.canary?.percent).toBe(10);
    expect(isvc.canary?.phase).toBe(RolloutPhase.CANARY);
  });
});

describe('traffic at every percentage', () => {
  test.each([0, 1, 10, 33, 50, 99, 100])('%i %%: canary gets exactly that, stable the rest, sum 100', percent => {
    const traffic = find(deploy({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent, canaryTags: ['blue'], stableTags: ['green'] }) }).manifests, 'Service', 'iris-predictor').spec.traffic;
    expect(traffic.map((t: any) => [t.tag, t.percent])).toEqual([['latest', percent], ['prev', 100 - percent], ['blue', 0], ['green', 0]]);
    expect(sum(traffic)).toBe(100);
  });
});

describe('promote and rollback, as successive commits', () => {
  const canary = new CanaryRollout({ predictor: v2, percent: 10, canaryWhen: [RequestMatch.header('x-canary', 'always')] });
  const trafficOf = (props: InferenceServiceProps) => find(deploy(props).manifests, 'Service', 'iris-predictor').spec;

  test('promote(): the canary takes 100 %, the stable revision stays tagged prev at 0 %', () => {
    const promoted = canary.promote();
    expect(promoted.phase).toBe(RolloutPhase.PROMOTED);
    const spec = trafficOf({ predictor: v1, canary: promoted });
    expect(spec.template.metadata.name).toBe(V2_REVISION);
    expect(spec.traffic).toEqual([
      { revisionName: V2_REVISION, latestRevision: false, percent: 100, tag: 'latest' },
      { revisionName: V1_REVISION, latestRevision: false, percent: 0, tag: 'prev' },
    ]);
  });

  test('after promotion, making v2 the stable props keeps its revision name: no new revision', () => {
    const spec = trafficOf({ predictor: v2 });
    expect(spec.template.metadata.name).toBe(V2_REVISION);
    expect(spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('rollback(): every request pinned to the stable revision by name, the canary kept at its tag', () => {
    const rolledBack = canary.rollback();
    expect(rolledBack.phase).toBe(RolloutPhase.ROLLED_BACK);
    expect(trafficOf({ predictor: v1, canary: rolledBack }).traffic).toEqual([
      { revisionName: V2_REVISION, latestRevision: false, percent: 0, tag: 'latest' },
      { revisionName: V1_REVISION, latestRevision: false, percent: 100, tag: 'prev' },
    ]);
  });

  test('rollback after promotion pins the stable revision again, from the code alone', () => {
    expect(trafficOf({ predictor: v1, canary: canary.promote().rollback() }).traffic.map((t: any) => [t.revisionName, t.percent]))
      .toEqual([[V2_REVISION, 0], [V1_REVISION, 100]]);
  });

  test('removing the canary rolls back too: the template returns to v1 under its old name', () => {
    const spec = trafficOf({ predictor: v1 });
    expect(spec.template.metadata.name).toBe(V1_REVISION);
    expect(spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  test('promote() and rollback() drop header, cookie and mirror rules; withPercent() keeps them', () => {
    const httpRules = (rollout: CanaryRollout) => find(deploy({ predictor: v1, canary: rollout }).manifests, 'VirtualService', 'iris').spec.http.length;
    expect(httpRules(canary)).toBe(2);
    expect(httpRules(canary.withPercent(50))).toBe(2);
    expect(httpRules(canary.promote())).toBe(1);
    expect(httpRules(canary.rollback())).toBe(1);
    expect(canary.withPercent(50).phase).toBe(RolloutPhase.CANARY);
    expect(canary.withPercent(50).canaryWhen).toEqual(canary.canaryWhen);
    const shadow = new CanaryRollout({ predictor: v2, percent: 0, mirrorPercent: 10 });
    expect(shadow.promote().mirrorPercent).toBeUndefined();
    expect(shadow.rollback().mirrorPercent).toBeUndefined();
  });

  test('rollout values are immutable', () => {
    canary.promote();
    canary.rollback();
    expect(canary.percent).toBe(10);
    expect(canary.phase).toBe(RolloutPhase.CANARY);
    canary.canaryWhen.pop();
    expect(canary.canaryWhen).toHaveLength(1);
  });
});

describe('custom tags', () => {
  const { isvc, manifests } = deploy({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent: 20, canaryTags: ['v2', 'candidate'], stableTags: ['v1'] }) });

  test('each extra tag is a 0 % target on its revision', () => {
    expect(find(manifests, 'Service', 'iris-predictor').spec.traffic).toEqual([
      { revisionName: V2_REVISION, latestRevision: false, percent: 20, tag: 'latest' },
      { revisionName: V1_REVISION, latestRevision: false, percent: 80, tag: 'prev' },
      { revisionName: V2_REVISION, latestRevision: false, percent: 0, tag: 'v2' },
      { revisionName: V2_REVISION, latestRevision: false, percent: 0, tag: 'candidate' },
      { revisionName: V1_REVISION, latestRevision: false, percent: 0, tag: 'v1' },
    ]);
  });

  test('each tag has its URLs, following Knative\'s tag template {{.Tag}}-{{.Name}}', () => {
    expect(Object.keys(isvc.predictor.tagEndpoints)).toEqual(['latest', 'v2', 'candidate', 'prev', 'v1']);
    expect(isvc.predictor.tagEndpoints.candidate).toEqual({
      clusterLocalUrl: 'http://candidate-iris-predictor.models.svc.cluster.local',
      url: 'http://candidate-iris-predictor.models.example.com',
    });
  });
});

describe('transformer and explainer roll out the same way', () => {
  const { isvc, manifests } = deploy({
    predictor: v1,
    transformer,
    explainer,
    canary: new CanaryRollout({ transformer: transformerV2, explainer: explainerV2, percent: 25 }),
  });
  const before = deploy({ predictor: v1, transformer, explainer }).isvc;
  const after = deploy({ predictor: v1, transformer: transformerV2, explainer: explainerV2 }).isvc;

  test('each rolled-out component splits 25/75 between its own two revisions', () => {
    for (const kind of ['transformer', 'explainer'] as const) {
      const ksvc = find(manifests, 'Service', `iris-${kind}`);
      expect(ksvc.spec.traffic).toEqual([
        { revisionName: after[kind]!.revisionName, latestRevision: false, percent: 25, tag: 'latest' },
        { revisionName: before[kind]!.revisionName, latestRevision: false, percent: 75, tag: 'prev' },
      ]);
      expect(containerOf(ksvc).image).toBe(`registry.example.com/iris-${kind}:2.0`);
    }
  });

  test('the predictor is not rolled out', () => {
    expect(find(manifests, 'Service', 'iris-predictor').spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(isvc.predictor.canaryEndpoint).toBeUndefined();
    expect(isvc.predictor.revisionName).toBe(before.predictor.revisionName);
  });

  test('the InferenceService\'s canary URL is the transformer\'s, which takes predict traffic', () => {
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-transformer.models.svc.cluster.local', url: 'http://latest-iris-transformer.models.example.com' });
    expect(isvc.explainer!.canaryEndpoint!.clusterLocalUrl).toBe('http://latest-iris-explainer.models.svc.cluster.local');
  });
});

describe('endpoints', () => {
  test('without a canary: only the default endpoint, no tags', () => {
    const { isvc } = deploy({ predictor: v1 });
    expect(isvc.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local', url: 'http://iris-predictor.models.example.com' });
    expect(isvc.predictor.tagEndpoints).toEqual({});
    expect(isvc.canaryEndpoint).toBeUndefined();
    expect(isvc.stableEndpoint).toBeUndefined();
  });

  test('the custom domain is used for external URLs', () => {
    const { isvc } = deploy({ predictor: v1, ingress: { domain: 'ml.acme.io' }, canary: new CanaryRollout({ predictor: v2, percent: 5 }) });
    expect(isvc.canaryEndpoint?.url).toBe('http://latest-iris-predictor.models.ml.acme.io');
  });

  test('a cluster-local component has no external URLs', () => {
    const local = { labels: { 'networking.knative.dev/visibility': 'cluster-local' } };
    const { isvc } = deploy({ predictor: { ...v1, ...local }, canary: new CanaryRollout({ predictor: { ...v2, ...local }, percent: 5 }) });
    expect(isvc.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local', url: undefined });
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-predictor.models.svc.cluster.local', url: undefined });
  });
});

test('warnings about a canary name the canary prop', () => {
  const sklearn = (path: string) => ({ model: { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('models', path) } });
  const { isvc } = deploy({ predictor: v1, canary: new CanaryRollout({ predictor: sklearn('sk/2'), percent: 10 }) });
  expect(Warnings.of(isvc).all).toEqual([
    "InferenceService 'iris': canary.predictor.model.runtime 'kserve-sklearnserver' reads its model from /mnt/models, so the storage-initializer init container needs the Knative feature flag 'kubernetes.podspec-init-containers: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision",
  ]);
});

test('a canary from another store, on another runtime, gets the network access its pods need', () => {
  const { isvc, manifests } = deploy({
    predictor: v1,
    security: { mesh: MeshMode.ISTIO_SIDECAR },
    observability: { prometheus: { mergeWithIstio: false } },
    egress: {},
    canary: new CanaryRollout({
      predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('example-models', 'iris/2'), runtime: ModelRuntime.TRITON_SERVER } },
      percent: 10,
    }),
  });
  // Egress: the stable model's S3 hosts and the canary's GCS hosts.
  expect(isvc.egressControl?.hosts).toEqual(expect.arrayContaining(['example-models.s3.amazonaws.com:443', 'storage.googleapis.com:443', 'oauth2.googleapis.com:443']));
  // Direct scraping: kfs-runtime's metrics port (8082) and Triton's (8002) stay reachable without mTLS.
  expect(Object.keys(find(manifests, 'PeerAuthentication', 'iris').spec.portLevelMtls)).toEqual(expect.arrayContaining(['8002', '8082']));
});
