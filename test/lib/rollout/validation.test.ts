import { CanaryRollout, CanaryRolloutProps, DeploymentMode, InferenceService, InferenceServiceProps, ProgressiveRollout, ProtocolVersion, RequestMatch } from '../../../lib';
import { errorOf, newChart } from '../_util';
import { explainer, explainerV2, transformer, transformerV2, v1, v2 } from './_fixtures';

const canary = (props: Partial<CanaryRolloutProps>) => () => new CanaryRollout({ predictor: v2, percent: 10, ...props } as CanaryRolloutProps);
const isvc = (props: Partial<InferenceServiceProps>, name = 'iris') => () => new InferenceService(newChart(), name, { predictor: v1, ...props } as InferenceServiceProps);

describe('every rollout rule fails synth with a message naming the prop, the value and the fix', () => {
  test.each<[string, () => unknown, string]>([
    // CanaryRollout values
    ['percent above 100', canary({ percent: 150 }),
      'CanaryRollout: percent (150) is not a whole number from 0 to 100; Knative splits traffic in whole percents'],
    ['percent in fractions', canary({ percent: 10.5 }),
      'CanaryRollout: percent (10.5) is not a whole number from 0 to 100; Knative splits traffic in whole percents'],
    ['negative percent', () => new CanaryRollout({ predictor: v2, percent: 10 }).withPercent(-1),
      'CanaryRollout: percent (-1) is not a whole number from 0 to 100; Knative splits traffic in whole percents'],
    ['nothing to roll out', () => new CanaryRollout({ percent: 10 }),
      'CanaryRollout: none of predictor, transformer or explainer is set; describe at least one component to roll out'],
    ['mirror nothing', canary({ percent: 0, mirrorPercent: 0 }),
      'CanaryRollout: mirrorPercent (0) is not above 0 and at most 100; give the share of requests to copy to the canary, e.g. 10'],
    ['mirror more than everything', canary({ percent: 0, mirrorPercent: 150 }),
      'CanaryRollout: mirrorPercent (150) is not above 0 and at most 100; give the share of requests to copy to the canary, e.g. 10'],
    ['mirror a canary that takes live traffic', canary({ percent: 10, mirrorPercent: 20 }),
      'CanaryRollout: mirrorPercent (20) needs percent 0 (got 10): a canary that already takes live requests would see some of them twice; set percent to 0 to shadow, or drop mirrorPercent'],
    ['tag that is not a DNS label', canary({ canaryTags: ['V2'] }),
      `CanaryRollout: canaryTags ('V2') is not a DNS-1035 label; use lowercase letters, digits and "-", starting with a letter, e.g. 'v2'`],
    ['tag the rollout sets itself', canary({ stableTags: ['prev'] }),
      `CanaryRollout: stableTags ('prev') is a tag the rollout sets itself (latest on the canary, prev on the stable revision); choose another tag`],
    ['tag given twice', canary({ canaryTags: ['blue', 'blue'] }),
      `CanaryRollout: canaryTags ('blue') is given twice; Knative needs each tag once across the canary and stable revisions`],
    ['tag on both revisions', canary({ canaryTags: ['blue'], stableTags: ['blue'] }),
      `CanaryRollout: stableTags ('blue') is given twice; Knative needs each tag once across the canary and stable revisions`],

    // RequestMatch values
    ['header name in capitals', () => RequestMatch.header('X-Canary', 'always'),
      `RequestMatch.header: name ('X-Canary') is not a lowercase HTTP header name; write it in lowercase letters, digits, "-", "_" and ".", e.g. 'x-canary' (Istio matches header names in lowercase)`],
    ['host header', () => RequestMatch.header('host', 'a'),
      `RequestMatch.header: name ('host') cannot be matched here: the route already matches the request's host; match another header`],
    ['cookie header', () => RequestMatch.headerRegex('cookie', 'a=b'),
      `RequestMatch.headerRegex: name ('cookie') holds every cookie of the request; use RequestMatch.cookie(name, value) to match one cookie`],
    ['request property', () => RequestMatch.header('method', 'GET'),
      `RequestMatch.header: name ('method') is a request property that Istio ignores in header matches; match a real header`],
    ['empty header value', () => RequestMatch.header('x-canary', ''),
      `RequestMatch.header: value ('') is empty; give the exact value to match, e.g. 'always'`],
    ['empty regex', () => RequestMatch.headerRegex('x-group', ''),
      `RequestMatch.headerRegex: regex ('') is empty; give a regular expression the whole header value must match, e.g. 'beta|internal'`],
    ['broken regex', () => RequestMatch.headerRegex('x-group', '(beta'),
      `RequestMatch.headerRegex: regex ('(beta') is not a valid regular expression; fix its syntax`],
    ['regex RE2 cannot run', () => RequestMatch.headerRegex('x-group', '(?!internal).*'),
      `RequestMatch.headerRegex: regex ('(?!internal).*') uses lookaround or a backreference, which Istio's RE2 engine does not support; rewrite it without them`],
    ['cookie name with a space', () => RequestMatch.cookie('my cookie', 'b'),
      `RequestMatch.cookie: name ('my cookie') is not a cookie name; use letters, digits and !#$%&'*+-.^_\`|~ (RFC 6265)`],
    ['cookie value with a separator', () => RequestMatch.cookie('variant', 'a;b'),
      `RequestMatch.cookie: value ('a;b') is not a cookie value; use at least one printable ASCII character other than space, '"', ',', ';' and '\\' (RFC 6265)`],

    // ProgressiveRollout values
    ['no steps', () => new ProgressiveRollout({ predictor: v2, steps: [] }),
      'ProgressiveRollout: steps ([]) is empty; give the percentages to step through, e.g. [10, 50, 100]'],
    ['a step of 0', () => new ProgressiveRollout({ predictor: v2, steps: [0, 50] }),
      'ProgressiveRollout: steps[0] (0) is not a whole number from 1 to 100; Knative splits traffic in whole percents, and 0 is rollback()'],
    ['steps going down', () => new ProgressiveRollout({ predictor: v2, steps: [10, 50, 50] }),
      'ProgressiveRollout: steps[2] (50) is not above the step before it (50); list the percentages in increasing order'],
    ['a step past the last', () => new ProgressiveRollout({ predictor: v2 }).step(4),
      'ProgressiveRollout: step (4) is not one of the 3 steps [10, 50, 100]; use 1 to 3, rollback() or promote()'],
    ['step 0', () => new ProgressiveRollout({ predictor: v2 }).step(0),
      'ProgressiveRollout: step (0) is not one of the 3 steps [10, 50, 100]; use 1 to 3, rollback() or promote()'],
    ['stepping a mirrored canary', () => new ProgressiveRollout({ predictor: v2, mirrorPercent: 10 }),
      'CanaryRollout: mirrorPercent (10) needs percent 0 (got 10): a canary that already takes live requests would see some of them twice; set percent to 0 to shadow, or drop mirrorPercent'],

    // Rules that need the InferenceService
    ['canary transformer without a transformer', isvc({ canary: new CanaryRollout({ transformer: transformerV2, percent: 10 }) }),
      "InferenceService 'iris': canary.transformer is set but the InferenceService has no transformer; add the stable transformer first (a component cannot start out as a canary), or remove canary.transformer"],
    ['canary explainer without an explainer', isvc({ canary: new CanaryRollout({ predictor: v2, explainer: explainerV2, percent: 10 }) }),
      "InferenceService 'iris': canary.explainer is set but the InferenceService has no explainer; add the stable explainer first (a component cannot start out as a canary), or remove canary.explainer"],
    ['header routing without a canary of the transformer', isvc({ transformer, canary: new CanaryRollout({ predictor: v2, percent: 10, canaryWhen: [RequestMatch.header('x-canary', 'always')] }) }),
      "InferenceService 'iris': canary.canaryWhen needs a canary of the transformer, which takes predict traffic, but canary.transformer is not set; roll out the transformer as well, or split by percent only"],
    ['stable pins without a canary of the predictor', isvc({ explainer, canary: new CanaryRollout({ explainer: explainerV2, percent: 10, stableWhen: [RequestMatch.header('x-canary', 'never')] }) }),
      "InferenceService 'iris': canary.stableWhen needs a canary of the predictor, which takes predict traffic, but canary.predictor is not set; roll out the predictor as well, or split by percent only"],
    ['mirroring without a canary of the transformer', isvc({ transformer, canary: new CanaryRollout({ predictor: v2, percent: 0, mirrorPercent: 5 }) }),
      "InferenceService 'iris': canary.mirrorPercent needs a canary of the transformer, which takes predict traffic, but canary.transformer is not set; roll out the transformer as well, or split by percent only"],
    ['a canary predictor speaking another protocol than the transformer expects',
      isvc({ predictor: { container: { image: 'registry.example.com/server:1' } }, transformer, explainer, canary: new CanaryRollout({ predictor: { container: { image: 'registry.example.com/server:2', protocolVersion: ProtocolVersion.V1 } }, percent: 10 }) }),
      "InferenceService 'iris': canary.predictor speaks protocol 'v1' but the predictor speaks 'v2', and the transformer and explainer call both revisions with one protocol; keep the protocol, or serve the new protocol from a new InferenceService"],
    ['an invalid canary component names the canary prop', isvc({ canary: new CanaryRollout({ predictor: { ...v2, minReplicas: 3, maxReplicas: 1 }, percent: 10 }) }),
      "InferenceService 'iris': canary.predictor.minReplicas (3) is greater than maxReplicas (1); lower minReplicas or raise maxReplicas"],
    ['a canary predictor with no model', isvc({ canary: new CanaryRollout({ predictor: {}, percent: 10 }) }),
      "InferenceService 'iris': canary.predictor must set exactly one of model, multiModel or container (got none); use model for a stored model served by a runtime, multiModel for TrainedModels loaded at run time, or container for your own model server"],
    ['a canary transformer with a bad image', isvc({ transformer, canary: new CanaryRollout({ transformer: { container: { image: 'Bad Image' } }, percent: 10 }) }),
      `InferenceService 'iris': canary.transformer.container.image ('Bad Image') is not an image reference; write it as [registry/]repository[:tag][@sha256:digest], e.g. 'registry.example.com/iris-transformer:1.0'`],

    // Revision ids
    ['revision id with capitals', isvc({ predictor: { ...v1, revision: 'V1' } }),
      `InferenceService 'iris': predictor.revision ('V1') is not usable in a revision name; use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. 'v2'`],
    ['revision id like a Knative generation', isvc({ canary: new CanaryRollout({ predictor: { ...v2, revision: '00002' }, percent: 10 }) }),
      `InferenceService 'iris': canary.predictor.revision ('00002') looks like a revision number Knative generates itself, so it could name an existing revision; use an id of your own, e.g. 'v2' or a release tag`],
    ['revision name too long', isvc({ transformer: { ...transformer, revision: 'r'.repeat(48) } }),
      `InferenceService 'iris': transformer.revision ('${'r'.repeat(48)}') makes the revision name 'iris-transformer-${'r'.repeat(48)}' 65 characters long, more than 63; use an id of at most 46 characters`],

    // Tagged hosts must fit a DNS label
    ['name too long for the tags of a transformer canary', isvc({ transformer, canary: new CanaryRollout({ transformer: transformerV2, percent: 10 }) }, 'a'.repeat(45)),
      `InferenceService '${'a'.repeat(45)}': name ('${'a'.repeat(45)}') is too long for a canary of the transformer: its tagged host 'latest-${'a'.repeat(45)}-transformer' would be 64 characters, more than 63; shorten the name to at most 44 characters`],
    ['custom tag too long for the host', isvc({ canary: new CanaryRollout({ predictor: v2, percent: 10, stableTags: ['release-2024-06-01-hotfix'] }) }, 'a'.repeat(30)),
      `InferenceService '${'a'.repeat(30)}': canary.stableTags ('release-2024-06-01-hotfix') makes the tagged host 'release-2024-06-01-hotfix-${'a'.repeat(30)}-predictor' 66 characters long, more than 63; use a shorter tag`],
  ])('%s', (_rule, build, message) => {
    expect(errorOf(build)).toBe(message);
  });

  test('the longest name that fits a transformer canary synthesizes', () => {
    expect(() => isvc({ transformer, canary: new CanaryRollout({ transformer: transformerV2, percent: 10 }) }, 'a'.repeat(44))()).not.toThrow();
  });
});

describe('raw deployment mode (no Knative revisions; its canaries are in raw-canary.test.ts)', () => {
  const rawProps = (props: Partial<InferenceServiceProps>) => ({ deploymentMode: DeploymentMode.RAW, ...props, predictor: { ...v1, maxReplicas: 3, ...props.predictor } });
  test('a canary beside the default Kubernetes Ingress is refused: the Ingress would bypass the weighted routes', () => {
    expect(errorOf(isvc(rawProps({ canary: new CanaryRollout({ predictor: { ...v2, maxReplicas: 3 }, percent: 10 }) }))))
      .toBe("InferenceService 'iris': ingress.kubernetesIngress (true) sends external requests straight to the stable components' Services, past the canary's weighted routes; set ingress.kubernetesIngress to false and ingress.ingressGateway (e.g. 'istio-system/istio-ingressgateway') so the VirtualService routes external requests, or make the InferenceService cluster-local");
  });

  test('a revision id on a stable component is refused', () => {
    expect(errorOf(isvc(rawProps({ predictor: { ...v1, revision: 'v1' } }))))
      .toBe("InferenceService 'iris': predictor.revision ('v1') names a Knative revision, and in raw deployment mode the stable Deployment is always named after the component; remove it; in raw mode only a canary's revision id is used, to name the canary's Deployment");
  });

  test('components have no revision names, and endpoints follow KServe\'s raw-mode hosts', () => {
    const withIngress = isvc(rawProps({ transformer: { ...transformer, maxReplicas: 2 } }))();
    expect(withIngress.predictor.revisionName).toBeUndefined();
    expect(withIngress.predictor.stableRevisionName).toBeUndefined();
    expect(withIngress.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local', url: 'http://iris-predictor-models.example.com' });
    expect(withIngress.transformer!.endpoint.url).toBe('http://iris-transformer-models.example.com');
    const meshOnly = isvc(rawProps({ ingress: { kubernetesIngress: false } }))();
    expect(meshOnly.predictor.endpoint).toEqual({ clusterLocalUrl: 'http://iris-predictor.models.svc.cluster.local', url: undefined });
  });
});
