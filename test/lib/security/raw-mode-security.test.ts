import {
  AccessRule, DeploymentMode, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, StorageUri, ValidationError, Visibility,
} from '../../../lib';
import { errorOf, find, newChart, synth } from '../_util';

// Raw deployment mode has no queue-proxy, activator or net-istio prober: the mesh policies keep none of
// Knative's exceptions, and the Deployment carries the same pod security and pod annotations.
const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const issuer = { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json' };

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', {
    deploymentMode: DeploymentMode.RAW,
    predictor: { model, maxReplicas: 3 },
    ...props,
  } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

test('the Deployment gets the podSecurity settings, the mesh and scrape annotations, and a token only when asked', () => {
  const { manifests } = build({
    predictor: { model, maxReplicas: 3, podSecurity: { runAsUser: 1000, automountServiceAccountToken: true } },
    security: { mesh: MeshMode.ISTIO_SIDECAR },
    observability: { prometheus: {} },
  });
  const template = find(manifests, 'Deployment', 'iris-predictor').spec.template;
  expect(template.metadata.annotations).toEqual({
    'sidecar.istio.io/inject': 'true',
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '8082',
    'prometheus.io/path': '/metrics',
  });
  expect(template.spec.automountServiceAccountToken).toBe(true);
  expect(template.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(template.spec.containers[0].securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
});

describe('mesh policies without Knative', () => {
  const { manifests } = build({
    security: {
      mesh: MeshMode.ISTIO_SIDECAR,
      jwt: { issuers: [issuer] },
      authorization: { denyByDefault: true, allow: [AccessRule.fromAuthenticatedUsers()] },
    },
  });

  test('STRICT without queue-proxy port exceptions', () => {
    expect(find(manifests, 'PeerAuthentication', 'iris').spec).toEqual({
      selector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'iris' } },
      mtls: { mode: 'STRICT' },
    });
  });

  test('a token is required everywhere: no Knative system paths to exempt', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'iris-require-jwt').spec.rules).toEqual([{ from: [{ source: { notRequestPrincipals: ['*'] } }] }]);
  });

  test('the ALLOW policy holds only the user\'s rules', () => {
    expect(find(manifests, 'AuthorizationPolicy', 'iris-allow').spec.rules).toEqual([{ from: [{ source: { requestPrincipals: ['*'] } }] }]);
  });
});

test('direct scraping in raw mode keeps only the application metrics port PERMISSIVE', () => {
  const { manifests } = build({
    security: { mesh: MeshMode.ISTIO_SIDECAR, jwt: { issuers: [issuer] } },
    observability: { prometheus: { mergeWithIstio: false } },
  });
  expect(find(manifests, 'PeerAuthentication', 'iris').spec.portLevelMtls).toEqual({ 8082: { mode: 'PERMISSIVE' } });
  expect(find(manifests, 'AuthorizationPolicy', 'iris-require-jwt').spec.rules).toEqual([
    { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { notPorts: ['8082'] } }] },
  ]);
});

test('egress without Knative: no knative-serving in the Sidecar or the NetworkPolicy', () => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, egress: {} });
  expect(find(manifests, 'Sidecar', 'iris').spec.egress[0].hosts).toEqual(['./*', 'istio-system/*']);
  const policy = find(manifests, 'NetworkPolicy', 'iris');
  const peers = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }, { podSelector: {} }];
  expect(policy.spec.ingress).toEqual([{ from: peers }]);
  expect(policy.spec.egress[1]).toEqual({ to: peers });
});

test('cluster-local in raw mode: no Kubernetes Ingress and a mesh-only route, as KServe\'s networking.kserve.io/visibility does', () => {
  const { isvc, manifests } = build({ ingress: { visibility: Visibility.CLUSTER_LOCAL } });
  expect(manifests.some(m => m.kind === 'Ingress')).toBe(false);
  expect(find(manifests, 'VirtualService', 'iris').spec.gateways).toEqual(['mesh']);
  expect(isvc.url).toBe('http://iris.models.svc.cluster.local');
  expect(find(manifests, 'Deployment', 'iris-predictor').metadata.labels['networking.knative.dev/visibility']).toBeUndefined();
});

test('external raw mode keeps KServe\'s raw host for the URL', () => {
  expect(build({}).isvc.url).toBe('http://iris-models.example.com');
});

test.each<[string, Partial<InferenceServiceProps>, string]>([
  ['additional hosts', { ingress: { additionalHosts: ['iris.acme.io'] } },
    "InferenceService 'iris': ingress.additionalHosts ([\"iris.acme.io\"]) is used only in Knative mode; remove it; raw deployment mode routes straight to the components' Services"],
  ['path routing', { ingress: { pathRouting: { host: 'models.example.com' } } },
    "InferenceService 'iris': ingress.pathRouting ({\"host\":\"models.example.com\"}) is used only in Knative mode; remove it; raw deployment mode routes straight to the components' Services"],
  ['TLS gateway', { ingress: { tls: { credentialName: 'iris-tls' } } },
    "InferenceService 'iris': ingress.tls ({\"credentialName\":\"iris-tls\"}) is used only in Knative mode; remove it; raw deployment mode routes straight to the components' Services"],
  ['cluster-local with an Ingress class', { ingress: { visibility: Visibility.CLUSTER_LOCAL, ingressClassName: 'nginx' } },
    "InferenceService 'iris': ingress.ingressClassName ('nginx') sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.ingressClassName, or use Visibility.EXTERNAL"],
  ['cluster-local with an ingress gateway', { ingress: { visibility: Visibility.CLUSTER_LOCAL, ingressGateway: 'istio-system/public' } },
    "InferenceService 'iris': ingress.ingressGateway ('istio-system/public') sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.ingressGateway, or use Visibility.EXTERNAL"],
])('raw mode refuses %s with the fix', (_name, props, message) => {
  expect(() => build(props)).toThrow(ValidationError);
  expect(errorOf(() => build(props))).toBe(message);
});
