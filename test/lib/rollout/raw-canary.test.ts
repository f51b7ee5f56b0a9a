import { Autoscaler, CanaryRollout, PrometheusAuthentication, DeploymentMode, InferenceService, InferenceServiceProps, PredictorProps, ProgressiveRollout, RequestMatch, Trigger, Visibility } from '../../../lib';
import { EnvValue, Secret } from 'cdk8s-plus-27';
import { errorOf, find, newChart, synth } from '../_util';
import { explainer, explainerV2, transformer, transformerV2, v1, v2 } from './_fixtures';

/**
 * Raw deployment mode's canary: the same `canary` prop as Knative mode, rendered as a second Deployment
 * and Service per rolled-out component, tag Services, and weighted Istio routes.
 */

const GATEWAY = 'istio-system/istio-ingressgateway';
/** External requests through the Istio gateway, where the VirtualService can weigh them (no Kubernetes Ingress). */
const meshIngress = { kubernetesIngress: false, ingressGateway: GATEWAY };
const raw = (predictor: PredictorProps): PredictorProps => ({ ...predictor, maxReplicas: 3 });
const rawV1 = raw(v1);
const rawV2 = raw(v2);

function deploy(props: Partial<InferenceServiceProps>): { isvc: InferenceService; manifests: any[] } {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { deploymentMode: DeploymentMode.RAW, ingress: meshIngress, predictor: rawV1, ...props });
  return { isvc, manifests: synth(chart) };
}

const names = (manifests: any[]) => manifests.map(m => `${m.kind}/${m.metadata.name}`);
const INTERNAL = { regex: '^iris\\.models\\.svc\\.cluster\\.local(?::\\d{1,5})?$' };
const EXTERNAL = { regex: '^iris-models\\.example\\.com(?::\\d{1,5})?$' };
const ISVC_HEADERS = { request: { set: { 'KServe-Isvc-Name': 'iris', 'KServe-Isvc-Namespace': 'models' } } };
const to = (service: string, weight: number) => ({ destination: { host: `${service}.models.svc.cluster.local`, port: { number: 80 } }, weight });
const weights = (route: any[]) => route.map(r => [r.destination.host.split('.')[0], r.weight]);
const total = (route: any[]) => route.reduce((sum, r) => sum + r.weight, 0);
/** The rules for the InferenceService's own hosts, without the tag hosts' rules that follow them. */
const isvcRules = (http: any[]) => http.filter(rule => rule.match.some((m: any) => m.authority.regex === INTERNAL.regex));

/** Whether a selector picks a pod with these labels. */
const selects = (selector: { [key: string]: string }, labels: { [key: string]: string }) => Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('a 10 % canary of the predictor in raw mode', () => {
  const canary = new CanaryRollout({ predictor: { ...rawV2, revision: 'v2' }, percent: 10, canaryTags: ['blue'], stableTags: ['green'] });
  const { isvc, manifests } = deploy({ canary });
  const stableDeployment = find(manifests, 'Deployment', 'iris-predictor');
  const canaryDeployment = find(manifests, 'Deployment', 'iris-predictor-v2');

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('two Deployments and Services, the canary named by its revision id, plus one Service per tag and a mesh split', () => {
    expect(names(manifests)).toEqual([
      'Deployment/iris-predictor', 'Service/iris-predictor', 'HorizontalPodAutoscaler/iris-predictor',
      'Deployment/iris-predictor-v2', 'Service/iris-predictor-v2', 'HorizontalPodAutoscaler/iris-predictor-v2',
      'Service/latest-iris-predictor', 'Service/blue-iris-predictor', 'Service/prev-iris-predictor', 'Service/green-iris-predictor',
      'VirtualService/iris-predictor', 'VirtualService/iris', 'Service/iris',
    ]);
    expect(stableDeployment.spec.template.spec.containers[0].args).toContain('--model=iris=s3://example-models/iris/1');
    expect(canaryDeployment.spec.template.spec.containers[0].args).toContain('--model=iris=s3://example-models/iris/2');
    expect(isvc.predictor.canaryRevisionName).toBe('iris-predictor-v2');
    expect(isvc.predictor.revisionName).toBeUndefined();
    expect(isvc.predictor.canaryDeployment?.name).toBe('iris-predictor-v2');
  });

  test('starting the canary leaves the stable Deployment, Service and autoscaler exactly as v1 alone had them', () => {
    const alone = deploy({}).manifests;
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler']) expect(find(manifests, kind, 'iris-predictor')).toEqual(find(alone, kind, 'iris-predictor'));
  });

  test('selectors are disjoint: each Deployment and Service picks its own track\'s pods only, tag Services the track they name', () => {
    const stablePods = stableDeployment.spec.template.metadata.labels;
    const canaryPods = canaryDeployment.spec.template.metadata.labels;
    // KServe's labels stay on both tracks, so InferenceService-wide policies keep covering the canary.
    for (const pods of [stablePods, canaryPods]) expect(pods).toMatchObject({ 'serving.kserve.io/inferenceservice': 'iris', 'component': 'predictor' });
    expect(stablePods.app).toBe('isvc.iris-predictor');
    expect(canaryPods.app).toBe('isvc.iris-predictor-v2');
    const tracks: Array<[string, any, 'stable' | 'canary']> = [
      ['Deployment/iris-predictor', stableDeployment.spec.selector.matchLabels, 'stable'],
      ['Deployment/iris-predictor-v2', canaryDeployment.spec.selector.matchLabels, 'canary'],
      ...['iris-predictor', 'prev-iris-predictor', 'green-iris-predictor'].map(name => [`Service/${name}`, find(manifests, 'Service', name).spec.selector, 'stable'] as [string, any, 'stable']),
      ...['iris-predictor-v2', 'latest-iris-predictor', 'blue-iris-predictor'].map(name => [`Service/${name}`, find(manifests, 'Service', name).spec.selector, 'canary'] as [string, any, 'canary']),
    ];
    for (const [, selector, track] of tracks) {
      expect([selects(selector, stablePods), selects(selector, canaryPods)]).toEqual([track === 'stable', track === 'canary']);
    }
  });

  test('each Deployment has its own autoscaler', () => {
    expect(find(manifests, 'HorizontalPodAutoscaler', 'iris-predictor').spec.scaleTargetRef.name).toBe('iris-predictor');
    expect(find(manifests, 'HorizontalPodAutoscaler', 'iris-predictor-v2').spec.scaleTargetRef.name).toBe('iris-predictor-v2');
  });

  test('the top-level VirtualService weighs the two Services, canary first, summing to 100, on the mesh and the gateway', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts.slice(0, 2)).toEqual(['iris.models.svc.cluster.local', 'iris-models.example.com']);
    expect(isvcRules(vs.spec.http)).toEqual([{
      match: [{ authority: INTERNAL, gateways: ['mesh'] }, { authority: EXTERNAL, gateways: [GATEWAY] }],
      headers: ISVC_HEADERS,
      route: [to('iris-predictor-v2', 10), to('iris-predictor', 90)],
    }]);
    expect(total(vs.spec.http[0].route)).toBe(100);
  });

  test('each tag\'s external host, KServe\'s raw-mode pattern, reaches its own Service through the gateway only', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    const tags = ['latest-iris-predictor', 'blue-iris-predictor', 'prev-iris-predictor', 'green-iris-predictor'];
    expect(vs.spec.hosts.slice(2)).toEqual(tags.map(tag => `${tag}-models.example.com`));
    expect(vs.spec.http.slice(1)).toEqual(tags.map(tag => ({
      name: tag,
      match: [{ authority: { regex: `^${tag}-models\\.example\\.com(?::\\d{1,5})?$` }, gateways: [GATEWAY] }],
      headers: ISVC_HEADERS,
      route: [to(tag, 100)],
    })));
    expect(find(manifests, 'Service', 'blue-iris-predictor').spec.selector).toEqual({ app: 'isvc.iris-predictor-v2' });
  });

  test('calls to the predictor\'s own host from inside the mesh are split the same way', () => {
    expect(find(manifests, 'VirtualService', 'iris-predictor').spec).toEqual({
      hosts: ['iris-predictor.models.svc.cluster.local'],
      gateways: ['mesh'],
      http: [{ route: [to('iris-predictor-v2', 10), to('iris-predictor', 90)] }],
    });
  });

  test('endpoints: the split address (cluster-local), the canary, stable and custom tags in both forms', () => {
    const tag = (name: string) => ({ clusterLocalUrl: `http://${name}.models.svc.cluster.local`, url: `http://${name}-models.example.com` });
    expect(isvc.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local' });
    expect(isvc.canaryEndpoint).toEqual(tag('latest-iris-predictor'));
    expect(isvc.stableEndpoint).toEqual(tag('prev-iris-predictor'));
    expect(isvc.predictor.tagEndpoints).toEqual({
      latest: isvc.canaryEndpoint, blue: tag('blue-iris-predictor'), prev: isvc.stableEndpoint, green: tag('green-iris-predictor'),
    });
    expect(isvc.url).toBe('http://iris-models.example.com');
  });
});

describe('canary names without a revision id', () => {
  const canaryName = (predictor: PredictorProps) => deploy({ canary: new CanaryRollout({ predictor, percent: 10 }) }).isvc.predictor.canaryRevisionName;

  test('are <component>-<hash of the pod template>, the same on every synth, and change exactly when the pod template does', () => {
    const name = canaryName(rawV2);
    expect(name).toMatch(/^iris-predictor-[0-9a-f]{5}$/);
    expect(canaryName(rawV2)).toBe(name);
    // The autoscaler is not part of the pods: the same pods under another maxReplicas keep the name.
    expect(canaryName({ ...rawV2, maxReplicas: 5 })).toBe(name);
    expect(canaryName({ ...rawV2, env: { LOG_LEVEL: EnvValue.fromValue('debug') } })).not.toBe(name);
  });
});

describe('promote and rollback', () => {
  const rollout = new ProgressiveRollout({ predictor: { ...rawV2, revision: 'v2' }, canaryWhen: [RequestMatch.header('x-canary', 'always')] });
  const routes = (canary?: CanaryRollout) => {
    const { manifests } = deploy({ canary });
    const predictorSplit = manifests.find(m => m.kind === 'VirtualService' && m.metadata.name === 'iris-predictor');
    return { top: isvcRules(find(manifests, 'VirtualService', 'iris').spec.http), split: predictorSplit?.spec.http[0].route, names: names(manifests) };
  };

  test.each<[string, number, CanaryRollout]>([
    ['step 1', 10, rollout.step(1)],
    ['step 2', 50, rollout.step(2)],
    ['step 3', 100, rollout.step(3)],
    ['promoted', 100, rollout.promote()],
    ['rolled back', 0, rollout.rollback()],
    ['rolled back after promotion', 0, rollout.promote().rollback()],
  ])('%s: both routes weigh canary %i %%, the rest to stable, summing to 100', (_step, percent, canary) => {
    const { top, split } = routes(canary);
    const last = top[top.length - 1];
    expect(weights(last.route)).toEqual([['iris-predictor-v2', percent], ['iris-predictor', 100 - percent]]);
    expect(weights(split)).toEqual(weights(last.route));
    expect(total(last.route)).toBe(100);
  });

  test('promote and rollback drop the header rule; the canary Deployment keeps running, reachable at its latest tag', () => {
    expect(routes(rollout.step(1)).top.map((rule: any) => rule.name)).toEqual(['canary-when', undefined]);
    for (const canary of [rollout.promote(), rollout.rollback()]) {
      const { top, names: objects } = routes(canary);
      expect(top).toHaveLength(1);
      expect(objects).toEqual(expect.arrayContaining(['Deployment/iris-predictor-v2', 'Service/latest-iris-predictor', 'Service/prev-iris-predictor']));
    }
  });

  test('removing the canary is a rollback too: exactly the manifests of v1 alone', () => {
    expect(deploy({ canary: undefined }).manifests).toEqual(deploy({}).manifests);
    expect(routes(undefined).top[0].route).toEqual([to('iris-predictor', 100)]);
  });

  test('keeping the promoted canary one more commit while the stable Deployment rolls to v2 is accepted (a distinct revision id)', () => {
    const { manifests } = deploy({ predictor: rawV2, canary: rollout.promote() });
    expect(manifests.filter(m => m.kind === 'Deployment').map(m => [m.metadata.name, m.spec.template.spec.containers[0].args[1]]))
      .toEqual([['iris-predictor', '--model=iris=s3://example-models/iris/2'], ['iris-predictor-v2', '--model=iris=s3://example-models/iris/2']]);
    expect(weights(isvcRules(find(manifests, 'VirtualService', 'iris').spec.http)[0].route)).toEqual([['iris-predictor-v2', 100], ['iris-predictor', 0]]);
  });

  test('the last step, v2 as the predictor, rolls the stable Deployment to v2 under its own name and drops the canary track', () => {
    const { manifests } = deploy({ predictor: rawV2 });
    expect(names(manifests)).toEqual(['Deployment/iris-predictor', 'Service/iris-predictor', 'HorizontalPodAutoscaler/iris-predictor', 'VirtualService/iris', 'Service/iris']);
    expect(find(manifests, 'Deployment', 'iris-predictor').spec.template.spec.containers[0].args).toContain('--model=iris=s3://example-models/iris/2');
    expect(find(manifests, 'Deployment', 'iris-predictor').spec.selector).toEqual(find(deploy({}).manifests, 'Deployment', 'iris-predictor').spec.selector);
  });
});

describe('header routing and mirroring in the raw VirtualService', () => {
  test('stable pins, then canary conditions (per alternative and authority), then the weighted split', () => {
    const { manifests } = deploy({
      canary: new CanaryRollout({
        predictor: rawV2, percent: 20,
        canaryWhen: [RequestMatch.header('x-variant', 'b'), RequestMatch.cookie('variant', 'b')],
        stableWhen: [RequestMatch.header('x-variant', 'a')],
      }),
    });
    const canaryName = manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name).find((name: string) => name !== 'iris-predictor');
    const http = isvcRules(find(manifests, 'VirtualService', 'iris').spec.http);
    const cookie = { cookie: { regex: '^(.*;\\s*)?variant=b(;.*)?$' } };
    expect(http).toEqual([
      {
        name: 'stable-when',
        match: [{ authority: INTERNAL, gateways: ['mesh'], headers: { 'x-variant': { exact: 'a' } } }, { authority: EXTERNAL, gateways: [GATEWAY], headers: { 'x-variant': { exact: 'a' } } }],
        headers: ISVC_HEADERS,
        route: [to('iris-predictor', 100)],
      },
      {
        name: 'canary-when',
        match: [
          { authority: INTERNAL, gateways: ['mesh'], headers: { 'x-variant': { exact: 'b' } } }, { authority: EXTERNAL, gateways: [GATEWAY], headers: { 'x-variant': { exact: 'b' } } },
          { authority: INTERNAL, gateways: ['mesh'], headers: cookie }, { authority: EXTERNAL, gateways: [GATEWAY], headers: cookie },
        ],
        headers: ISVC_HEADERS,
        route: [to(canaryName, 100)],
      },
      {
        match: [{ authority: INTERNAL, gateways: ['mesh'] }, { authority: EXTERNAL, gateways: [GATEWAY] }],
        headers: ISVC_HEADERS,
        route: [to(canaryName, 20), to('iris-predictor', 80)],
      },
    ]);
  });

  test('mirroring copies a share of the requests straight to the canary\'s Service while the stable one answers', () => {
    const { manifests } = deploy({ canary: new CanaryRollout({ predictor: { ...rawV2, revision: 'v2' }, percent: 0, mirrorPercent: 12.5 }) });
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs).toMatchSnapshot();
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris-models.example.com', 'latest-iris-predictor-models.example.com', 'prev-iris-predictor-models.example.com']);
    expect(isvcRules(vs.spec.http)).toEqual([{
      match: [{ authority: INTERNAL, gateways: ['mesh'] }, { authority: EXTERNAL, gateways: [GATEWAY] }],
      headers: ISVC_HEADERS,
      route: [to('iris-predictor-v2', 0), to('iris-predictor', 100)],
      mirror: { host: 'iris-predictor-v2.models.svc.cluster.local', port: { number: 80 } },
      mirrorPercentage: { value: 12.5 },
    }]);
    // Calls between components are not mirrored: only the InferenceService's own route copies requests.
    expect(find(manifests, 'VirtualService', 'iris-predictor').spec.http[0].mirror).toBeUndefined();
  });

  test('a transformer canary takes the rules; explain requests with the header reach the explainer\'s canary, without mirroring', () => {
    const { isvc, manifests } = deploy({
      transformer: { ...transformer, maxReplicas: 2 },
      explainer: { ...explainer, maxReplicas: 2 },
      canary: new CanaryRollout({
        transformer: { ...transformerV2, maxReplicas: 2, revision: 'v2' }, explainer: { ...explainerV2, maxReplicas: 2, revision: 'v2' },
        percent: 0, mirrorPercent: 5, canaryWhen: [RequestMatch.header('x-canary', 'always')],
      }),
    });
    const http = isvcRules(find(manifests, 'VirtualService', 'iris').spec.http);
    expect(http.map((rule: any) => [rule.name, rule.match[0].uri?.regex, weights(rule.route), rule.mirror?.host])).toEqual([
      ['explain-canary-when', '^/v1/models/[\\w-]+:explain$', [['iris-explainer-v2', 100]], undefined],
      [undefined, '^/v1/models/[\\w-]+:explain$', [['iris-explainer-v2', 0], ['iris-explainer', 100]], undefined],
      ['canary-when', undefined, [['iris-transformer-v2', 100]], undefined],
      [undefined, undefined, [['iris-transformer-v2', 0], ['iris-transformer', 100]], 'iris-transformer-v2.models.svc.cluster.local'],
    ]);
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-transformer.models.svc.cluster.local', url: 'http://latest-iris-transformer-models.example.com' });
    expect(isvc.predictor.canaryDeployment).toBeUndefined();
    expect(manifests.filter(m => m.kind === 'Deployment').map(m => m.metadata.name)).toEqual(['iris-predictor', 'iris-transformer', 'iris-transformer-v2', 'iris-explainer', 'iris-explainer-v2']);
  });
});

describe('other raw-mode features per track', () => {
  test('KEDA: each Deployment gets its own ScaledObject and TriggerAuthentications, named after it', () => {
    const chart = newChart();
    const prometheusToken = Secret.fromSecretName(chart, 'Token', 'prometheus-reader');
    const keda = (revision?: string): PredictorProps => ({
      ...(revision ? v2 : v1), revision, minReplicas: 1, maxReplicas: 4,
      autoscaler: Autoscaler.keda({ triggers: [Trigger.prometheus({ serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(rate(requests[1m]))', threshold: 10, authentication: PrometheusAuthentication.bearer(prometheusToken, 'token') })] }),
    });
    const isvc = new InferenceService(chart, 'iris', { deploymentMode: DeploymentMode.RAW, ingress: meshIngress, predictor: keda(), canary: new CanaryRollout({ predictor: keda('v2'), percent: 10 }) });
    const manifests = synth(chart);
    expect(manifests.filter(m => m.kind === 'ScaledObject').map(m => [m.metadata.name, m.spec.scaleTargetRef.name])).toEqual([['iris-predictor', 'iris-predictor'], ['iris-predictor-v2', 'iris-predictor-v2']]);
    expect(manifests.filter(m => m.kind === 'TriggerAuthentication').map(m => m.metadata.name)).toEqual(['iris-predictor-trigger-0', 'iris-predictor-v2-trigger-0']);
    expect(isvc.predictor.canaryScaledObject?.name).toBe('iris-predictor-v2');
    expect(isvc.predictor.canaryTriggerAuthentications).toHaveLength(1);
  });

  test('cluster-local: no Kubernetes Ingress, so a canary needs no ingress options; the routes bind the mesh only', () => {
    const chart = newChart();
    const isvc = new InferenceService(chart, 'iris', { deploymentMode: DeploymentMode.RAW, ingress: { visibility: Visibility.CLUSTER_LOCAL }, predictor: rawV1, canary: new CanaryRollout({ predictor: { ...rawV2, revision: 'v2' }, percent: 30 }) });
    const vs = find(synth(chart), 'VirtualService', 'iris');
    expect(vs.spec.gateways).toEqual(['mesh']);
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local']);
    expect(vs.spec.http).toHaveLength(1);
    expect(vs.spec.http[0].route).toEqual([to('iris-predictor-v2', 30), to('iris-predictor', 70)]);
    expect(isvc.url).toBe('http://iris.models.svc.cluster.local');
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-predictor.models.svc.cluster.local' });
  });
});

describe('invalid raw-mode canaries fail synth with the prop, the value and the fix', () => {
  const isvc = (props: Partial<InferenceServiceProps>, name = 'iris') => () => new InferenceService(newChart(), name, { deploymentMode: DeploymentMode.RAW, predictor: rawV1, ...props } as InferenceServiceProps);
  const canary = new CanaryRollout({ predictor: rawV2, percent: 10 });

  test.each<[string, () => unknown, string]>([
    ['the default Kubernetes Ingress, which would bypass the weights', isvc({ canary }),
      "InferenceService 'iris': ingress.kubernetesIngress (true) sends external requests straight to the stable components' Services, past the canary's weighted routes; set ingress.kubernetesIngress to false and ingress.ingressGateway (e.g. 'istio-system/istio-ingressgateway') so the VirtualService routes external requests, or make the InferenceService cluster-local"],
    ['a revision id on the stable component', isvc({ ingress: meshIngress, predictor: { ...rawV1, revision: 'v1' }, canary }),
      "InferenceService 'iris': predictor.revision ('v1') names a Knative revision, and in raw deployment mode the stable Deployment is always named after the component; remove it; in raw mode only a canary's revision id is used, to name the canary's Deployment"],
    ['a canary with the same pods as the stable component', isvc({ ingress: meshIngress, canary: new CanaryRollout({ predictor: { ...rawV1, maxReplicas: 5 }, percent: 10 }) }),
      expect.stringMatching(/^InferenceService 'iris': canary\.predictor is the same template as predictor \(revision 'iris-predictor-[0-9a-f]{5}'\), so there is nothing to roll out; change canary\.predictor, or remove it from the canary$/) as unknown as string],
    ['a revision id too long for the canary pods\' selector label', isvc({ ingress: meshIngress, canary: new CanaryRollout({ predictor: { ...rawV2, revision: 'r'.repeat(45) }, percent: 10 }) }),
      `InferenceService 'iris': canary.predictor.revision ('${'r'.repeat(45)}') makes the canary pods' label 'app: isvc.iris-predictor-${'r'.repeat(45)}' 65 characters long, more than 63; use an id of at most 43 characters`],
    ['a name too long for the selector label of a hash-named canary', isvc({ ingress: meshIngress, canary }, 'a'.repeat(45)),
      expect.stringMatching(new RegExp(`^InferenceService '${'a'.repeat(45)}': name \\('${'a'.repeat(45)}'\\) is too long for a raw-mode canary of the predictor: its template hash makes the canary pods' label 'app: isvc\\.${'a'.repeat(45)}-predictor-[0-9a-f]{5}' 66 characters long, more than 63; shorten the name to at most 42 characters, or give canary\\.predictor\\.revision an id of at most 2 characters$`)) as unknown as string],
  ])('%s', (_rule, build, message) => {
    expect(errorOf(build)).toEqual(message);
  });

  test('the longest name whose hash-named canary label fits synthesizes', () => {
    expect(() => isvc({ ingress: meshIngress, canary }, 'a'.repeat(42))()).not.toThrow();
  });
});
