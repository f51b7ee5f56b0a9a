import {
  AccessRule, ApiPath, HttpMethod, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, MutualTlsMode, StorageUri, Warnings,
} from '../../../lib';
import { find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const issuer = { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json' };

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

const kinds = (manifests: any[]) => manifests.map(m => `${m.kind}/${m.metadata.name}`);
const SELECTOR = { matchLabels: { 'serving.kserve.io/inferenceservice': 'iris' } };

describe('without mesh mode', () => {
  const { isvc, manifests } = build({});

  test('no sidecar is requested and no mesh policy is emitted', () => {
    expect(kinds(manifests)).toEqual(['Service/iris-predictor', 'VirtualService/iris', 'Service/iris']);
    expect(find(manifests, 'Service', 'iris-predictor').spec.template.metadata.annotations['sidecar.istio.io/inject']).toBeUndefined();
    expect(isvc.meshSecurity).toBeUndefined();
  });
});

describe('mesh mode with defaults', () => {
  const { isvc, manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR } });

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('asks Istio for a sidecar on every revision template', () => {
    expect(find(manifests, 'Service', 'iris-predictor').spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('true');
  });

  test('emits only a PeerAuthentication: STRICT, with queue-proxy drain and metrics ports PERMISSIVE', () => {
    expect(kinds(manifests)).toEqual(['Service/iris-predictor', 'VirtualService/iris', 'Service/iris', 'PeerAuthentication/iris']);
    const peer = find(manifests, 'PeerAuthentication', 'iris');
    expect(peer.apiVersion).toBe('security.istio.io/v1');
    expect(peer.spec).toEqual({
      selector: SELECTOR,
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8022: { mode: 'PERMISSIVE' }, 9090: { mode: 'PERMISSIVE' }, 9091: { mode: 'PERMISSIVE' } },
    });
    expect(isvc.meshSecurity?.peerAuthentication).toBeDefined();
    expect(isvc.meshSecurity?.requestAuthentication).toBeUndefined();
    expect(isvc.meshSecurity?.allowPolicy).toBeUndefined();
  });
});

test.each([
  [MutualTlsMode.PERMISSIVE, 'PERMISSIVE', 'ISTIO_MUTUAL'],
  [MutualTlsMode.DISABLE, 'DISABLE', 'DISABLE'],
])('mTLS %s needs no port exceptions, and the DestinationRule matches it', (mode, peerMode, clientMode) => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR, mutualTls: mode, destinationRule: true } });
  expect(find(manifests, 'PeerAuthentication', 'iris').spec).toEqual({ selector: SELECTOR, mtls: { mode: peerMode } });
  expect(find(manifests, 'DestinationRule', 'iris').spec).toEqual({ host: '*.models.svc.cluster.local', trafficPolicy: { tls: { mode: clientMode } } });
});

test('a STRICT DestinationRule uses ISTIO_MUTUAL for the namespace', () => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR, destinationRule: true } });
  expect(find(manifests, 'DestinationRule', 'iris').spec.trafficPolicy.tls.mode).toBe('ISTIO_MUTUAL');
});

test('scraping the application port directly keeps that port PERMISSIVE and open to Prometheus', () => {
  const { manifests } = build({
    security: { mesh: MeshMode.ISTIO_SIDECAR, authorization: { denyByDefault: true, allow: [AccessRule.fromAuthenticatedUsers()] }, jwt: { issuers: [issuer] } },
    observability: { prometheus: { mergeWithIstio: false } },
  });
  expect(Object.keys(find(manifests, 'PeerAuthentication', 'iris').spec.portLevelMtls)).toEqual(['8022', '8082', '9090', '9091']);
  const allow = find(manifests, 'AuthorizationPolicy', 'iris-allow').spec.rules;
  expect(allow[allow.length - 1]).toEqual({ to: [{ operation: { ports: ['8082', '9090', '9091'] } }] });
  expect(find(manifests, 'AuthorizationPolicy', 'iris-require-jwt').spec.rules[0].to[0].operation.notPorts).toEqual(['8022', '8082', '9090', '9091']);
});

describe('JWT authentication (required by default)', () => {
  const { isvc, manifests } = build({
    security: {
      mesh: MeshMode.ISTIO_SIDECAR,
      jwt: { issuers: [{ ...issuer, audiences: ['iris'], fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }], fromCookies: ['session'] }] },
      publicPaths: [ApiPath.HEALTH],
    },
  });

  test('snapshot', () => {
    expect(manifests.filter(m => m.apiVersion.startsWith('security.istio.io'))).toMatchSnapshot();
  });

  test('RequestAuthentication validates the issuer\'s tokens on every pod of the InferenceService', () => {
    const auth = find(manifests, 'RequestAuthentication', 'iris');
    expect(auth.spec.selector).toEqual(SELECTOR);
    // The generated L1 writes jwksUri under its protobuf name, which Istio's CRD accepts as well.
    expect(auth.spec.jwtRules).toEqual([{
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      audiences: ['iris'],
      fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }],
      fromCookies: ['session'],
      forwardOriginalToken: false,
    }]);
  });

  test('a DENY policy rejects requests without a token, except Knative system traffic and public paths', () => {
    const deny = find(manifests, 'AuthorizationPolicy', 'iris-require-jwt');
    expect(deny.spec).toEqual({
      selector: SELECTOR,
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          to: [{
            operation: {
              notPaths: ['/healthz', '/metrics', '/ready', '/wait-for-drain', '/v2/health/*', '/inference.GRPCInferenceService/ServerLive',
                '/inference.GRPCInferenceService/ServerReady', '/inference.GRPCInferenceService/ModelReady'],
              notPorts: ['8022', '9090', '9091'],
            },
          }],
        },
        {
          from: [{ source: { notRequestPrincipals: ['*'], notNamespaces: ['knative-serving', 'istio-system'] } }],
          to: [{ operation: { paths: ['/healthz', '/metrics', '/ready', '/wait-for-drain'], notPorts: ['8022', '9090', '9091'] } }],
        },
      ],
    });
    expect(isvc.meshSecurity?.jwtRequirement).toBeDefined();
    expect(isvc.meshSecurity?.allowPolicy).toBeUndefined();
  });
});

test('jwt.required false validates tokens without demanding them', () => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [issuer], required: false } } });
  expect(kinds(manifests)).toContain('RequestAuthentication/iris');
  expect(kinds(manifests)).not.toContain('AuthorizationPolicy/iris-require-jwt');
});

test('the token is forwarded by default when a transformer must pass it on to the predictor', () => {
  const withTransformer = build({
    transformer: { container: { image: 'x/t:1' } },
    security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [issuer] } },
  });
  expect(find(withTransformer.manifests, 'RequestAuthentication', 'iris').spec.jwtRules[0].forwardOriginalToken).toBe(true);
  const overridden = build({
    transformer: { container: { image: 'x/t:1' } },
    security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [{ ...issuer, forwardOriginalToken: false }] } },
  });
  expect(find(overridden.manifests, 'RequestAuthentication', 'iris').spec.jwtRules[0].forwardOriginalToken).toBe(false);
});

test('inline JWKS instead of a URI', () => {
  const jwks = JSON.stringify({ keys: [{ kty: 'RSA', e: 'AQAB', n: 'xyz', kid: 'k1' }] });
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [{ issuer: 'https://auth.example.com', jwks }] } } });
  expect(find(manifests, 'RequestAuthentication', 'iris').spec.jwtRules[0]).toEqual({ issuer: 'https://auth.example.com', jwks, forwardOriginalToken: false });
});

describe('deny by default', () => {
  const { isvc, manifests } = build({
    security: {
      mesh: MeshMode.ISTIO_SIDECAR,
      jwt: { issuers: [issuer] },
      authorization: {
        denyByDefault: true,
        allow: [
          AccessRule.fromJwtClaims({ groups: ['ml-serving'], scope: ['predict'] }, { paths: [ApiPath.PREDICT], methods: [HttpMethod.POST] }),
          AccessRule.fromJwtClaims({ groups: ['ml-admins'] }, { paths: [ApiPath.REPOSITORY] }),
          AccessRule.fromServiceAccounts(['batch/scorer']),
          AccessRule.fromNamespaces(['reporting'], { paths: [ApiPath.exact('/v2/models/iris')] }),
          AccessRule.fromAnyone({ paths: [ApiPath.HEALTH] }),
        ],
      },
    },
  });

  test('snapshot', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'iris-allow')).toMatchSnapshot();
  });

  test('user rules first, then the Knative system rules that keep the activator, autoscaler and gateway probes working', () => {
    const allow = find(manifests, 'AuthorizationPolicy', 'iris-allow');
    expect(allow.spec.action).toBe('ALLOW');
    expect(allow.spec.selector).toEqual(SELECTOR);
    expect(allow.spec.rules).toEqual([
      {
        from: [{ source: { requestPrincipals: ['*'] } }],
        to: [{ operation: { paths: ['*:predict', '*/infer', '/inference.GRPCInferenceService/ModelInfer'], methods: ['POST'] } }],
        when: [{ key: 'request.auth.claims[groups]', values: ['ml-serving'] }, { key: 'request.auth.claims[scope]', values: ['predict'] }],
      },
      {
        from: [{ source: { requestPrincipals: ['*'] } }],
        to: [{
          operation: {
            paths: ['/v2/repository/*', '/inference.GRPCInferenceService/RepositoryIndex', '/inference.GRPCInferenceService/RepositoryModelLoad',
              '/inference.GRPCInferenceService/RepositoryModelUnload'],
          },
        }],
        when: [{ key: 'request.auth.claims[groups]', values: ['ml-admins'] }],
      },
      { from: [{ source: { principals: ['cluster.local/ns/batch/sa/scorer'] } }] },
      { from: [{ source: { namespaces: ['reporting'] } }], to: [{ operation: { paths: ['/v2/models/iris'] } }] },
      { to: [{ operation: { paths: ['/v2/health/*', '/inference.GRPCInferenceService/ServerLive', '/inference.GRPCInferenceService/ServerReady', '/inference.GRPCInferenceService/ModelReady'] } }] },
      { from: [{ source: { namespaces: ['knative-serving'] } }], to: [{ operation: { paths: ['/healthz', '/metrics', '/ready', '/wait-for-drain'] } }] },
      { from: [{ source: { namespaces: ['istio-system'] } }], to: [{ operation: { paths: ['/healthz'] } }] },
      { to: [{ operation: { ports: ['8022'], paths: ['/wait-for-drain'] } }] },
      { to: [{ operation: { ports: ['9090', '9091'] } }] },
    ]);
    expect(isvc.meshSecurity?.allowPolicy).toBeDefined();
  });

  test('rules on mesh identity warn that the activator and gateways replace the caller', () => {
    expect(Warnings.of(isvc).all).toEqual([
      "InferenceService 'iris': security.authorization.allow[2] matches the caller's service account, but requests proxied by Knative's activator arrive from 'knative-serving' and requests through the top-level route from 'istio-system'; it only matches callers that reach the pods directly (minReplicas ≥ 1 and autoscaling.knative.dev/target-burst-capacity: '0' keep the activator off the path), see docs/security.md",
      "InferenceService 'iris': security.authorization.allow[3] matches the caller's namespace, but requests proxied by Knative's activator arrive from 'knative-serving' and requests through the top-level route from 'istio-system'; it only matches callers that reach the pods directly (minReplicas ≥ 1 and autoscaling.knative.dev/target-burst-capacity: '0' keep the activator off the path), see docs/security.md",
    ]);
  });
});

test('custom Knative and gateway namespaces and trust domain flow into every rule', () => {
  const { manifests } = build({
    security: {
      mesh: MeshMode.ISTIO_SIDECAR,
      jwt: { issuers: [issuer] },
      knativeNamespace: 'serverless',
      gatewayNamespace: 'gateways',
      trustDomain: 'prod.example.com',
      authorization: { denyByDefault: true, allow: [AccessRule.fromServiceAccounts(['batch/scorer'])] },
    },
  });
  const allow = find(manifests, 'AuthorizationPolicy', 'iris-allow').spec.rules;
  expect(allow[0]).toEqual({ from: [{ source: { principals: ['prod.example.com/ns/batch/sa/scorer'] } }] });
  expect(allow[1].from[0].source.namespaces).toEqual(['serverless']);
  expect(allow[2].from[0].source.namespaces).toEqual(['gateways']);
  expect(find(manifests, 'AuthorizationPolicy', 'iris-require-jwt').spec.rules[1].from[0].source.notNamespaces).toEqual(['serverless', 'gateways']);
});

test('policies carry the InferenceService labels and select only its pods', () => {
  const { manifests } = build({ labels: { team: 'fraud' }, security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [issuer] } } });
  for (const m of manifests.filter(o => o.apiVersion.startsWith('security.istio.io'))) {
    expect(m.metadata.labels).toEqual({ 'team': 'fraud', 'serving.kserve.io/inferenceservice': 'iris' });
    expect(m.metadata.namespace).toBe('models');
    expect(m.spec.selector).toEqual(SELECTOR);
  }
});
