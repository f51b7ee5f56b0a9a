import { AccessRule, AccessRuleCaller, ApiPath, HttpMethod, ValidationError } from '../../../lib';
import { errorOf } from '../_util';

describe('AccessRule renders Istio rules', () => {
  test('authenticated users: any request principal', () => {
    expect(AccessRule.fromAuthenticatedUsers()._toIstio('cluster.local')).toEqual({ from: [{ source: { requestPrincipals: ['*'] } }] });
  });

  test('JWT claims: a request principal plus one condition per claim, sorted by claim', () => {
    const rule = AccessRule.fromJwtClaims({ scope: ['predict', 'explain'], groups: ['ml'] }, { methods: [HttpMethod.POST] });
    expect(rule._toIstio('cluster.local')).toEqual({
      from: [{ source: { requestPrincipals: ['*'] } }],
      to: [{ operation: { methods: ['POST'] } }],
      when: [{ key: 'request.auth.claims[groups]', values: ['ml'] }, { key: 'request.auth.claims[scope]', values: ['predict', 'explain'] }],
    });
    expect(rule.needsJwt).toBe(true);
    expect(rule.matchesPeerIdentity).toBe(false);
  });

  test('service accounts become SPIFFE principals in the trust domain', () => {
    const rule = AccessRule.fromServiceAccounts(['batch/scorer', 'models/iris-transformer']);
    expect(rule._toIstio('example.org')).toEqual({
      from: [{ source: { principals: ['example.org/ns/batch/sa/scorer', 'example.org/ns/models/sa/iris-transformer'] } }],
    });
    expect(rule.caller).toBe(AccessRuleCaller.SERVICE_ACCOUNTS);
    expect(rule.matchesPeerIdentity).toBe(true);
  });

  test('namespaces, limited to paths', () => {
    expect(AccessRule.fromNamespaces(['team-a'], { paths: [ApiPath.PREDICT, ApiPath.EXPLAIN] })._toIstio('cluster.local')).toEqual({
      from: [{ source: { namespaces: ['team-a'] } }],
      to: [{ operation: { paths: ['*:predict', '*/infer', '/inference.GRPCInferenceService/ModelInfer', '*:explain'] } }],
    });
  });

  test('anyone, on the given paths only', () => {
    expect(AccessRule.fromAnyone({ paths: [ApiPath.prefix('/v2/models/'), ApiPath.suffix('/ready')] })._toIstio('cluster.local')).toEqual({
      to: [{ operation: { paths: ['/v2/models/*', '*/ready'] } }],
    });
  });
});

describe('value types reject what Istio could not match, with the fix', () => {
  test.each<[string, () => unknown, string]>([
    ['empty claims', () => AccessRule.fromJwtClaims({}),
      "AccessRule.fromJwtClaims: claims ({}) is empty; name at least one claim and its accepted values, e.g. { groups: ['ml-team'] }"],
    ['claim with no values', () => AccessRule.fromJwtClaims({ groups: [] }),
      "AccessRule.fromJwtClaims: claim 'groups' has no values; list the values that grant access"],
    ['claim name with brackets', () => AccessRule.fromJwtClaims({ 'a]b': ['x'] }),
      `AccessRule.fromJwtClaims: claim ('a]b') is not a claim name Istio can match; use letters, digits, "_", ":", ".", "-" and "/"`],
    ['service account without namespace', () => AccessRule.fromServiceAccounts(['scorer']),
      "AccessRule.fromServiceAccounts: service account ('scorer') is not '<namespace>/<name>'; write e.g. 'models/batch-scorer'"],
    ['no service accounts', () => AccessRule.fromServiceAccounts([]),
      "AccessRule.fromServiceAccounts: serviceAccounts ([]) is empty; list at least one, e.g. 'models/batch-scorer'"],
    ['bad namespace', () => AccessRule.fromNamespaces(['Team_A']),
      `AccessRule.fromNamespaces: namespace ('Team_A') is not a namespace name; use lowercase letters, digits and "-"`],
    ['anyone everywhere', () => AccessRule.fromAnyone({}),
      'AccessRule.fromAnyone: options.paths is empty; list the paths anyone may call, e.g. [ApiPath.HEALTH] (allowing every path would switch authorization off)'],
    ['relative path', () => ApiPath.exact('v2/models'),
      "ApiPath: path ('v2/models') must start with '/' and contain no '*' or spaces; use ApiPath.prefix or ApiPath.suffix for wildcards"],
    ['wildcard in a prefix', () => ApiPath.prefix('/v2/*'),
      "ApiPath: path ('/v2/*') must start with '/' and contain no '*' or spaces; use ApiPath.prefix or ApiPath.suffix for wildcards"],
    ['empty suffix', () => ApiPath.suffix(''),
      "ApiPath.suffix: suffix ('') must be non-empty and contain no '*'; use e.g. ':predict'"],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(ValidationError);
    expect(errorOf(build)).toBe(message);
  });
});
