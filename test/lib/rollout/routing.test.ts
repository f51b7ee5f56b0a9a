import { CanaryRollout, InferenceService, InferenceServiceProps, RequestMatch, Visibility } from '../../../lib';
import { find, newChart, synth } from '../_util';
import { explainer, explainerV2, transformer, transformerV2, v1, v2 } from './_fixtures';

function virtualService(props: InferenceServiceProps): any {
  const chart = newChart();
  new InferenceService(chart, 'iris', props);
  return find(synth(chart), 'VirtualService', 'iris');
}

const INTERNAL = { regex: '^iris\\.models\\.svc\\.cluster\\.local(?::\\d{1,5})?$' };
const EXTERNAL = { regex: '^iris\\.models\\.example\\.com(?::\\d{1,5})?$' };
const LOCAL_GATEWAYS = ['knative-serving/knative-local-gateway', 'mesh'];
const INGRESS_GATEWAYS = ['knative-serving/knative-ingress-gateway'];
const TO_LOCAL_GATEWAY = [{ destination: { host: 'knative-local-gateway.istio-system.svc.cluster.local', port: { number: 80 } }, weight: 100 }];
const setHost = (host: string) => ({ request: { set: { 'Host': host, 'KServe-Isvc-Name': 'iris', 'KServe-Isvc-Namespace': 'models' } } });

describe('header-routed canary', () => {
  const vs = virtualService({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent: 0, canaryWhen: [RequestMatch.header('x-canary', 'always')] }) });

  test('snapshot', () => {
    expect(vs).toMatchSnapshot();
  });

  test('requests with x-canary: always go to the canary\'s latest tag host, on both gateways, before the default rule', () => {
    expect(vs.spec.http).toHaveLength(2);
    expect(vs.spec.http[0]).toEqual({
      name: 'canary-when',
      match: [
        { authority: INTERNAL, gateways: LOCAL_GATEWAYS, headers: { 'x-canary': { exact: 'always' } } },
        { authority: EXTERNAL, gateways: INGRESS_GATEWAYS, headers: { 'x-canary': { exact: 'always' } } },
      ],
      headers: setHost('latest-iris-predictor.models.svc.cluster.local'),
      route: TO_LOCAL_GATEWAY,
    });
  });

  test('everything else keeps KServe\'s default rule to the predictor, where Knative splits by percent', () => {
    expect(vs.spec.http[1]).toEqual({
      match: [{ authority: INTERNAL, gateways: LOCAL_GATEWAYS }, { authority: EXTERNAL, gateways: INGRESS_GATEWAYS }],
      headers: setHost('iris-predictor.models.svc.cluster.local'),
      route: TO_LOCAL_GATEWAY,
    });
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.example.com']);
  });
});

describe('several conditions, cookies and A/B by header', () => {
  const vs = virtualService({
    predictor: v1,
    canary: new CanaryRollout({
      predictor: v2,
      percent: 10,
      canaryWhen: [RequestMatch.header('x-variant', 'b'), RequestMatch.cookie('variant', 'b')],
      stableWhen: [RequestMatch.header('x-variant', 'a')],
    }),
  });

  test('stable pins come first, then canary conditions (one match per condition and authority), then the split', () => {
    expect(vs.spec.http.map((rule: any) => [rule.name, rule.headers.request.set.Host])).toEqual([
      ['stable-when', 'prev-iris-predictor.models.svc.cluster.local'],
      ['canary-when', 'latest-iris-predictor.models.svc.cluster.local'],
      [undefined, 'iris-predictor.models.svc.cluster.local'],
    ]);
    expect(vs.spec.http[1].match.map((m: any) => [m.authority, m.headers])).toEqual([
      [INTERNAL, { 'x-variant': { exact: 'b' } }],
      [EXTERNAL, { 'x-variant': { exact: 'b' } }],
      [INTERNAL, { cookie: { regex: '^(.*;\\s*)?variant=b(;.*)?$' } }],
      [EXTERNAL, { cookie: { regex: '^(.*;\\s*)?variant=b(;.*)?$' } }],
    ]);
  });

  test('the cookie regex finds the pair among other cookies, and nothing else', () => {
    const regex = new RegExp(vs.spec.http[1].match[2].headers.cookie.regex);
    expect(['variant=b', 'a=1; variant=b', 'variant=b; a=1', 'a=1;variant=b;c=2'].every(cookie => regex.test(cookie))).toBe(true);
    expect(['variant=bb', 'xvariant=b', 'a=variant=b', 'variant=a; b=variant'].some(cookie => regex.test(cookie))).toBe(false);
  });

  test('cookie names and values with regex characters are escaped', () => {
    expect(RequestMatch.cookie('a.b', 'v+1')._toIstioHeaders()).toEqual({ cookie: { regex: '^(.*;\\s*)?a\\.b=v\\+1(;.*)?$' } });
  });

  test('header regex conditions pass through', () => {
    expect(RequestMatch.headerRegex('x-user-group', 'beta|internal')._toIstioHeaders()).toEqual({ 'x-user-group': { regex: 'beta|internal' } });
    expect(RequestMatch.header('x-canary', 'always').toString()).toBe('header x-canary: always');
  });
});

describe('mirrored (shadow) canary', () => {
  const vs = virtualService({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent: 0, mirrorPercent: 25 }) });

  test('snapshot', () => {
    expect(vs).toMatchSnapshot();
  });

  test('the default rule mirrors 25 % to Knative\'s local gateway, still routing every request as before', () => {
    expect(vs.spec.http[0]).toEqual({
      match: [{ authority: INTERNAL, gateways: LOCAL_GATEWAYS }, { authority: EXTERNAL, gateways: INGRESS_GATEWAYS }],
      headers: setHost('iris-predictor.models.svc.cluster.local'),
      route: TO_LOCAL_GATEWAY,
      mirror: { host: 'knative-local-gateway.istio-system.svc.cluster.local', port: { number: 80 } },
      mirrorPercentage: { value: 25 },
    });
  });

  test('the copy, whose Host Istio suffixes with -shadow, is re-targeted to the canary tag on the local gateway only', () => {
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.example.com', 'iris-predictor.models.svc.cluster.local-shadow']);
    expect(vs.spec.http[1]).toEqual({
      name: 'mirror-to-canary',
      match: [{ authority: { regex: '^iris-predictor\\.models\\.svc\\.cluster\\.local-shadow(?::\\d{1,5})?$' }, gateways: ['knative-serving/knative-local-gateway'] }],
      headers: setHost('latest-iris-predictor.models.svc.cluster.local'),
      route: TO_LOCAL_GATEWAY,
    });
    expect(vs.spec.http).toHaveLength(2);
  });

  test('fractional percentages are kept', () => {
    const fractional = virtualService({ predictor: v1, canary: new CanaryRollout({ predictor: v2, percent: 0, mirrorPercent: 0.5 }) });
    expect(fractional.spec.http[0].mirrorPercentage).toEqual({ value: 0.5 });
  });

  test('with a transformer, the transformer\'s canary is mirrored', () => {
    const withTransformer = virtualService({ predictor: v1, transformer, canary: new CanaryRollout({ transformer: transformerV2, percent: 0, mirrorPercent: 10 }) });
    expect(withTransformer.spec.hosts[2]).toBe('iris-transformer.models.svc.cluster.local-shadow');
    expect(withTransformer.spec.http[1].headers.request.set.Host).toBe('latest-iris-transformer.models.svc.cluster.local');
  });
});

describe('with an explainer', () => {
  const canaryWhen = [RequestMatch.header('x-canary', 'always')];

  test('explain requests are matched first; with an explainer canary, its header rule precedes the explain rule', () => {
    const vs = virtualService({ predictor: v1, explainer, canary: new CanaryRollout({ predictor: v2, explainer: explainerV2, percent: 10, canaryWhen }) });
    expect(vs.spec.http.map((rule: any) => [rule.name, rule.match[0].uri?.regex, rule.headers.request.set.Host])).toEqual([
      ['explain-canary-when', '^/v1/models/[\\w-]+:explain$', 'latest-iris-explainer.models.svc.cluster.local'],
      [undefined, '^/v1/models/[\\w-]+:explain$', 'iris-explainer.models.svc.cluster.local'],
      ['canary-when', undefined, 'latest-iris-predictor.models.svc.cluster.local'],
      [undefined, undefined, 'iris-predictor.models.svc.cluster.local'],
    ]);
  });

  test('without an explainer canary, explain requests with the header still reach the stable explainer', () => {
    const vs = virtualService({ predictor: v1, explainer, canary: new CanaryRollout({ predictor: v2, percent: 10, canaryWhen }) });
    expect(vs.spec.http.map((rule: any) => rule.headers.request.set.Host)).toEqual([
      'iris-explainer.models.svc.cluster.local',
      'latest-iris-predictor.models.svc.cluster.local',
      'iris-predictor.models.svc.cluster.local',
    ]);
  });
});

describe('with the ingress options', () => {
  const canaryWhen = [RequestMatch.header('x-canary', 'always')];

  test('cluster-local: header rules match the in-cluster host only, and the canary has no external URL', () => {
    const chart = newChart();
    const isvc = new InferenceService(chart, 'iris', { predictor: v1, ingress: { visibility: Visibility.CLUSTER_LOCAL }, canary: new CanaryRollout({ predictor: v2, percent: 0, canaryWhen }) });
    const vs = find(synth(chart), 'VirtualService', 'iris');
    expect(vs.spec.http[0].match).toEqual([{ authority: INTERNAL, gateways: LOCAL_GATEWAYS, headers: { 'x-canary': { exact: 'always' } } }]);
    expect(isvc.canaryEndpoint).toEqual({ clusterLocalUrl: 'http://latest-iris-predictor.models.svc.cluster.local', url: undefined });
  });

  test('additional hosts get the header rules too, one match per host', () => {
    const vs = virtualService({ predictor: v1, ingress: { additionalHosts: ['iris.ml.acme.io'] }, canary: new CanaryRollout({ predictor: v2, percent: 0, canaryWhen }) });
    expect(vs.spec.http[0].match.map((m: any) => m.authority.regex)).toEqual([INTERNAL.regex, EXTERNAL.regex, '^iris\\.ml\\.acme\\.io(?::\\d{1,5})?$']);
  });

  test('path routing: header rules and mirroring apply to path-routed requests as well, with the same rewrite', () => {
    const vs = virtualService({
      predictor: v1,
      explainer,
      ingress: { pathRouting: { host: 'models.example.com' } },
      canary: new CanaryRollout({ predictor: v2, explainer: explainerV2, percent: 0, canaryWhen, mirrorPercent: 10 }),
    });
    expect(vs.spec.http.map((rule: any) => [rule.name, rule.headers.request.set.Host, rule.rewrite, rule.mirrorPercentage?.value])).toEqual([
      ['explain-canary-when', 'latest-iris-explainer.models.svc.cluster.local', undefined, undefined],
      [undefined, 'iris-explainer.models.svc.cluster.local', undefined, undefined],
      ['canary-when', 'latest-iris-predictor.models.svc.cluster.local', undefined, undefined],
      [undefined, 'iris-predictor.models.svc.cluster.local', undefined, 10],
      ['path-explain-canary-when', 'latest-iris-explainer.models.svc.cluster.local', { uriRegexRewrite: { match: '^/serving/models/iris(/v1/models/[\\w-]+:explain)$', rewrite: '\\1' } }, undefined],
      [undefined, 'iris-explainer.models.svc.cluster.local', { uriRegexRewrite: { match: '^/serving/models/iris(/v1/models/[\\w-]+:explain)$', rewrite: '\\1' } }, undefined],
      ['path-canary-when', 'latest-iris-predictor.models.svc.cluster.local', { uri: '/' }, undefined],
      [undefined, 'iris-predictor.models.svc.cluster.local', { uri: '/' }, 10],
      ['mirror-to-canary', 'latest-iris-predictor.models.svc.cluster.local', undefined, undefined],
    ]);
    const pathCanary = vs.spec.http[6];
    expect(pathCanary.match).toEqual([
      { authority: { regex: '^models\\.example\\.com(?::\\d{1,5})?$' }, gateways: INGRESS_GATEWAYS, uri: { prefix: '/serving/models/iris/' }, headers: { 'x-canary': { exact: 'always' } } },
      { authority: { regex: '^models\\.example\\.com(?::\\d{1,5})?$' }, gateways: INGRESS_GATEWAYS, uri: { exact: '/serving/models/iris' }, headers: { 'x-canary': { exact: 'always' } } },
    ]);
  });
});
