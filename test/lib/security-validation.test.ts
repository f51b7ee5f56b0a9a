import {
  AccessRule, EgressHost, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, StorageUri, ValidationError, Visibility,
} from '../../lib';
import { errorOf, newChart } from './_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const mesh = MeshMode.ISTIO_SIDECAR;
const issuer = { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json' };

function build(props: Partial<InferenceServiceProps>): () => InferenceService {
  return () => new InferenceService(newChart(), 'iris', { predictor: { model }, ...props } as InferenceServiceProps);
}

describe('security, ingress, egress and observability rules name the construct, the prop, the value and the fix', () => {
  test.each<[string, () => unknown, string]>([
    // mesh-only features without a sidecar
    ['JWT without the mesh', build({ security: { jwt: { issuers: [issuer] } } }),
      "InferenceService 'iris': security.mesh ('none') cannot enforce security.jwt: Istio applies it in each pod's sidecar, and without one it is silently ignored; set security.mesh to MeshMode.ISTIO_SIDECAR"],
    ['authorization without the mesh', build({ security: { authorization: { denyByDefault: true, allow: [AccessRule.fromNamespaces(['a'])] } } }),
      "InferenceService 'iris': security.mesh ('none') cannot enforce security.authorization: Istio applies it in each pod's sidecar, and without one it is silently ignored; set security.mesh to MeshMode.ISTIO_SIDECAR"],
    ['tracing without the mesh', build({ observability: { tracing: { provider: 'otel' } } }),
      "InferenceService 'iris': security.mesh ('none') cannot apply observability.tracing: the spans and access logs come from the pods' Istio sidecars; set security.mesh to MeshMode.ISTIO_SIDECAR"],
    ['access logs without the mesh', build({ observability: { accessLogging: {} } }),
      "InferenceService 'iris': security.mesh ('none') cannot apply observability.accessLogging: the spans and access logs come from the pods' Istio sidecars; set security.mesh to MeshMode.ISTIO_SIDECAR"],
    // authorization
    ['deny by default without any allow rule', build({ security: { mesh, authorization: { denyByDefault: true } } }),
      "InferenceService 'iris': security.authorization.allow ([]) is empty while denyByDefault is true, so only Knative's probes and metrics scrapes would reach the pods; add an allow rule, e.g. AccessRule.fromAuthenticatedUsers({ paths: [ApiPath.PREDICT] })"],
    ['allow rules without deny by default', build({ security: { mesh, authorization: { allow: [AccessRule.fromNamespaces(['a']), AccessRule.fromNamespaces(['b'])] } } }),
      "InferenceService 'iris': security.authorization.denyByDefault (false) is off, but allow has 2 rules, and an Istio ALLOW policy denies every request it does not match; set denyByDefault: true to say so, or remove the allow rules"],
    ['a token rule without JWT authentication', build({ security: { mesh, authorization: { denyByDefault: true, allow: [AccessRule.fromJwtClaims({ groups: ['ml'] })] } } }),
      "InferenceService 'iris': security.authorization.allow[0] ('jwt-claims') matches on a validated token, but security.jwt is not set, so no token is ever validated; configure security.jwt with the issuer of the tokens"],
    // JWT
    ['JWKS URI not https', build({ security: { mesh, jwt: { issuers: [{ issuer: 'https://auth.example.com', jwksUri: 'http://auth.example.com/jwks.json' }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0].jwksUri ('http://auth.example.com/jwks.json') is not an https:// URL, so the signing keys could be tampered with in transit; serve the key set over HTTPS, e.g. 'https://accounts.example.com/.well-known/jwks.json'"],
    ['JWKS URI not a URL', build({ security: { mesh, jwt: { issuers: [{ issuer: 'https://auth.example.com', jwksUri: 'auth.example.com/jwks.json' }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0].jwksUri ('auth.example.com/jwks.json') is not an https:// URL, so the signing keys could be tampered with in transit; serve the key set over HTTPS, e.g. 'https://accounts.example.com/.well-known/jwks.json'"],
    ['neither jwksUri nor jwks', build({ security: { mesh, jwt: { issuers: [{ issuer: 'https://auth.example.com' }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0] ('https://auth.example.com') sets neither of jwksUri and jwks; set exactly one: jwksUri for keys Istio fetches, or jwks for an inline key set"],
    ['both jwksUri and jwks', build({ security: { mesh, jwt: { issuers: [{ ...issuer, jwks: '{"keys":[{}]}' }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0] ('https://auth.example.com') sets both of jwksUri and jwks; set exactly one: jwksUri for keys Istio fetches, or jwks for an inline key set"],
    ['inline JWKS that is not a key set', build({ security: { mesh, jwt: { issuers: [{ issuer: 'https://auth.example.com', jwks: '{"kty":"RSA"}' }] } } }),
      `InferenceService 'iris': security.jwt.issuers[0].jwks ('{"kty":"RSA"}') is not a JSON Web Key Set; give the JSON document {"keys": [...]} with at least one key`],
    ['no issuers', build({ security: { mesh, jwt: { issuers: [] } } }),
      "InferenceService 'iris': security.jwt.issuers ([]) is empty; list at least one issuer, e.g. { issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/.well-known/jwks.json' }"],
    ['empty issuer', build({ security: { mesh, jwt: { issuers: [{ ...issuer, issuer: ' ' }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0].issuer (' ') is empty; use the tokens' iss claim, e.g. 'https://accounts.example.com'"],
    ['token header name', build({ security: { mesh, jwt: { issuers: [{ ...issuer, fromHeaders: [{ name: 'x token' }] }] } } }),
      "InferenceService 'iris': security.jwt.issuers[0].fromHeaders ('x token') is not an HTTP header name; use e.g. 'Authorization' or 'x-jwt-assertion'"],
    ['trust domain', build({ security: { mesh, trustDomain: 'Cluster Local' } }),
      "InferenceService 'iris': security.trustDomain ('Cluster Local') is not a trust domain; use the mesh's trust domain, e.g. 'cluster.local'"],
    ['gateway namespace', build({ security: { mesh, gatewayNamespace: 'Istio_System' } }),
      `InferenceService 'iris': security.gatewayNamespace ('Istio_System') is not a namespace name; use lowercase letters, digits and "-"`],
    // ingress
    ['cluster-local with a custom external domain', build({ ingress: { visibility: Visibility.CLUSTER_LOCAL, domain: 'ml.example.com' } }),
      "InferenceService 'iris': ingress.domain ('ml.example.com') sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.domain, or use Visibility.EXTERNAL"],
    ['cluster-local with additional hosts', build({ ingress: { visibility: Visibility.CLUSTER_LOCAL, additionalHosts: ['iris.acme.io'] } }),
      `InferenceService 'iris': ingress.additionalHosts (["iris.acme.io"]) sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.additionalHosts, or use Visibility.EXTERNAL`],
    ['cluster-local with path routing', build({ labels: { 'networking.knative.dev/visibility': 'cluster-local' }, ingress: { pathRouting: { host: 'models.example.com' } } }),
      "InferenceService 'iris': ingress.pathRouting ('models.example.com') sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.pathRouting, or use Visibility.EXTERNAL"],
    ['cluster-local with TLS', build({ ingress: { visibility: Visibility.CLUSTER_LOCAL, tls: { credentialName: 'iris-tls' } } }),
      "InferenceService 'iris': ingress.tls ('iris-tls') sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService; remove ingress.tls, or use Visibility.EXTERNAL"],
    ['visibility prop against the label', build({ labels: { 'networking.knative.dev/visibility': 'cluster-local' }, ingress: { visibility: Visibility.EXTERNAL } }),
      "InferenceService 'iris': ingress.visibility ('external') contradicts the label networking.knative.dev/visibility: cluster-local; remove the label, or use Visibility.CLUSTER_LOCAL"],
    ['visibility label value', build({ labels: { 'networking.knative.dev/visibility': 'private' } }),
      "InferenceService 'iris': labels[networking.knative.dev/visibility] ('private') is not a Knative visibility; use 'cluster-local', or ingress.visibility"],
    ['additional host', build({ ingress: { additionalHosts: ['iris'] } }),
      "InferenceService 'iris': ingress.additionalHosts ('iris') is not a fully qualified host name; use e.g. 'iris.ml.example.com'"],
    ['path routing host', build({ ingress: { pathRouting: { host: 'https://models.example.com' } } }),
      "InferenceService 'iris': ingress.pathRouting.host ('https://models.example.com') is not a fully qualified host name; use the shared host, e.g. 'models.example.com'"],
    ['path prefix', build({ ingress: { pathRouting: { host: 'models.example.com', pathPrefix: '/serving/' } } }),
      "InferenceService 'iris': ingress.pathRouting.pathPrefix ('/serving/') is not a path prefix; start it with '/', without a trailing '/', e.g. '/serving/models/iris'"],
    ['TLS secret name', build({ ingress: { tls: { credentialName: 'Iris TLS' } } }),
      "InferenceService 'iris': ingress.tls.credentialName ('Iris TLS') is not a Secret name; use the name of the TLS Secret in the gateway's namespace, e.g. 'iris-tls'"],
    ['TLS gateway selector', build({ ingress: { tls: { credentialName: 'iris-tls', gatewaySelector: {} } } }),
      "InferenceService 'iris': ingress.tls.gatewaySelector ({}) is empty, so the Gateway would apply to every gateway pod in the mesh; select your ingress gateway's pods, e.g. { istio: 'ingressgateway' }"],
    // observability
    ['tracing provider', build({ security: { mesh }, observability: { tracing: { provider: 'otel tracing' } } }),
      "InferenceService 'iris': observability.tracing.provider ('otel tracing') is not an extension provider name; use the name from Istio's meshConfig.extensionProviders, e.g. 'otel-tracing'"],
    ['sampling percentage', build({ security: { mesh }, observability: { tracing: { provider: 'otel', samplingPercentage: 150 } } }),
      "InferenceService 'iris': observability.tracing.samplingPercentage (150) is not a percentage; use a number from 0 to 100, e.g. 10"],
    ['empty access-log filter', build({ security: { mesh }, observability: { accessLogging: { filter: '' } } }),
      "InferenceService 'iris': observability.accessLogging.filter ('') is empty; leave it unset to log every request, or write a CEL expression such as 'response.code >= 400'"],
    ['tracing behind restricted egress without the collector', build({ security: { mesh }, egress: {}, observability: { tracing: { provider: 'otel' } } }),
      "InferenceService 'iris': observability.tracing.collector (undefined) is not set, but egress is restricted, so the sidecars could not send spans; name the provider's collector, e.g. EgressHost.http('otel-collector.observability.svc.cluster.local', 4317)"],
    // egress
    ['AWS region', build({ egress: { awsRegion: 'Europe' } }),
      "InferenceService 'iris': egress.awsRegion ('Europe') is not an AWS region; use e.g. 'eu-west-1'"],
    ['external CIDR', build({ egress: { externalCidrs: ['10.0.0.0'] } }),
      "InferenceService 'iris': egress.externalCidrs ('10.0.0.0') is not a CIDR; write it as e.g. '52.216.0.0/15'"],
    ['no external CIDRs', build({ egress: { externalCidrs: [] } }),
      "InferenceService 'iris': egress.externalCidrs ([]) is empty, so the NetworkPolicy would block every external host the model store needs; leave it unset for ['0.0.0.0/0'], or list the store's ranges"],
    ['monitoring namespace', build({ egress: { monitoringNamespace: 'Monitoring' } }),
      `InferenceService 'iris': egress.monitoringNamespace ('Monitoring') is not a namespace name; use lowercase letters, digits and "-"`],
    // annotations the library owns
    ['sidecar annotation set by hand in mesh mode', build({ predictor: { model, annotations: { 'sidecar.istio.io/inject': 'false' } }, security: { mesh } }),
      "InferenceService 'iris': predictor.annotations ('sidecar.istio.io/inject') is set from security.mesh; remove the annotation and use security.mesh instead"],
    ['scrape annotation set by hand', build({ transformer: { container: { image: 'x/t:1' }, annotations: { 'prometheus.io/port': '9000' } }, observability: { prometheus: {} } }),
      "InferenceService 'iris': transformer.annotations ('prometheus.io/port') is set from observability.prometheus; remove the annotation and use observability.prometheus instead"],
    // pod security
    ['root UID with runAsNonRoot', build({ predictor: { model, podSecurity: { runAsUser: 0 } } }),
      `InferenceService 'iris': predictor.podSecurity.runAsUser (0) is root, but runAsNonRoot is true; use a non-zero UID, or set runAsNonRoot: false (which leaves the "restricted" profile)`],
    ['negative UID', build({ predictor: { model, podSecurity: { runAsGroup: -1 } } }),
      "InferenceService 'iris': predictor.podSecurity.runAsGroup (-1) is not a valid ID; use a whole number from 0 to 2147483647"],
  ])('%s', (_rule, construct, message) => {
    let error: unknown;
    try {
      construct();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(message);
  });

  test.each<[string, () => unknown, string]>([
    ['EgressHost with a scheme', () => EgressHost.https('https://api.example.com'),
      "EgressHost.https: host ('https://api.example.com') is not a DNS name; write a host name such as 'storage.googleapis.com', without scheme, port or path"],
    ['EgressHost port', () => EgressHost.http('minio.storage.svc', 0),
      'EgressHost.http: port (0) is not a TCP port; use a whole number from 1 to 65535'],
    ['EgressHost from a non-HTTP URL', () => EgressHost.fromUrl('grpc://collector:4317'),
      "EgressHost.fromUrl: url ('grpc://collector:4317') is not http:// or https://; use EgressHost.https or EgressHost.http for other protocols"],
  ])('%s', (_rule, construct, message) => {
    expect(construct).toThrow(ValidationError);
    expect(errorOf(construct)).toBe(message);
  });

  test('the same props are valid in mesh mode', () => {
    expect(build({ security: { mesh, jwt: { issuers: [issuer] }, authorization: { denyByDefault: true, allow: [AccessRule.fromJwtClaims({ groups: ['ml'] })] } } })).not.toThrow();
  });
});
