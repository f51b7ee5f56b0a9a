import { InferenceService, InferenceServiceProps, ModelFormat, StorageUri, TlsVersion, Visibility } from '../../../lib';
import { find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

const LOCAL = ['knative-serving/knative-local-gateway', 'mesh'];

describe('cluster-local visibility', () => {
  const { isvc, manifests } = build({ ingress: { visibility: Visibility.CLUSTER_LOCAL }, transformer: { container: { image: 'x/t:1' } } });

  test('snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });

  test('every Knative Service carries Knative\'s cluster-local label; revision templates do not', () => {
    for (const name of ['iris-predictor', 'iris-transformer']) {
      const ksvc = find(manifests, 'Service', name);
      expect(ksvc.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
      expect(ksvc.spec.template.metadata.labels['networking.knative.dev/visibility']).toBeUndefined();
    }
  });

  test('the top-level route binds only the local gateway and the mesh, for the in-cluster host only', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local']);
    expect(vs.spec.gateways).toEqual(LOCAL);
    expect(vs.spec.http).toHaveLength(1);
    expect(vs.spec.http[0].match).toEqual([{ authority: { regex: '^iris\\.models\\.svc\\.cluster\\.local(?::\\d{1,5})?$' }, gateways: LOCAL }]);
    expect(vs.metadata.labels).toEqual({ 'serving.kserve.io/inferenceservice': 'iris' });
  });

  test('its URL is the cluster-local one, as KServe reports it', () => {
    expect(isvc.visibility).toBe(Visibility.CLUSTER_LOCAL);
    expect(isvc.externalHosts).toEqual([]);
    expect(isvc.url).toBe('http://iris.models.svc.cluster.local');
  });
});

test('KServe\'s label on the InferenceService makes it cluster-local too', () => {
  const { isvc, manifests } = build({ labels: { 'networking.knative.dev/visibility': 'cluster-local' } });
  expect(isvc.visibility).toBe(Visibility.CLUSTER_LOCAL);
  expect(find(manifests, 'VirtualService', 'iris').spec.gateways).toEqual(LOCAL);
  expect(find(manifests, 'Service', 'iris-predictor').metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
});

test('external visibility by default: both gateways, the external host on the ingress gateway', () => {
  const { isvc, manifests } = build({});
  expect(isvc.visibility).toBe(Visibility.EXTERNAL);
  expect(find(manifests, 'VirtualService', 'iris').spec.gateways).toEqual([...LOCAL, 'knative-serving/knative-ingress-gateway']);
  expect(find(manifests, 'Service', 'iris-predictor').metadata.labels['networking.knative.dev/visibility']).toBeUndefined();
  expect(isvc.url).toBe('http://iris.models.example.com');
});

test('additional hosts (a custom domain) are matched on the ingress gateway next to the Knative host', () => {
  const { isvc, manifests } = build({ ingress: { domain: 'ml.example.com', ingressGateway: 'istio-system/public', additionalHosts: ['iris.acme.io'] } });
  const vs = find(manifests, 'VirtualService', 'iris');
  expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.ml.example.com', 'iris.acme.io']);
  expect(vs.spec.http[0].match.slice(1)).toEqual([
    { authority: { regex: '^iris\\.models\\.ml\\.example\\.com(?::\\d{1,5})?$' }, gateways: ['istio-system/public'] },
    { authority: { regex: '^iris\\.acme\\.io(?::\\d{1,5})?$' }, gateways: ['istio-system/public'] },
  ]);
  expect(isvc.externalHosts).toEqual(['iris.models.ml.example.com', 'iris.acme.io']);
});

describe('path-based routing, with an explainer', () => {
  const { manifests } = build({
    explainer: { container: { image: 'x/e:1' } },
    ingress: { pathRouting: { host: 'models.example.com' } },
  });

  test('snapshot', () => {
    expect(find(manifests, 'VirtualService', 'iris')).toMatchSnapshot();
  });

  test('KServe\'s pathTemplate routes follow the host routes: explain keeps its tail, the rest is rewritten to /', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.hosts).toEqual(['iris.models.svc.cluster.local', 'iris.models.example.com', 'models.example.com']);
    expect(vs.spec.http).toHaveLength(4);
    const authority = { regex: '^models\\.example\\.com(?::\\d{1,5})?$' };
    const gateways = ['knative-serving/knative-ingress-gateway'];
    const explain = '^/serving/models/iris(/v1/models/[\\w-]+:explain)$';
    expect(vs.spec.http[2].match).toEqual([{ authority, gateways, uri: { regex: explain } }]);
    expect(vs.spec.http[2].rewrite).toEqual({ uriRegexRewrite: { match: explain, rewrite: '\\1' } });
    expect(vs.spec.http[2].headers.request.set.Host).toBe('iris-explainer.models.svc.cluster.local');
    expect(vs.spec.http[3].match).toEqual([
      { authority, gateways, uri: { prefix: '/serving/models/iris/' } },
      { authority, gateways, uri: { exact: '/serving/models/iris' } },
    ]);
    expect(vs.spec.http[3].rewrite).toEqual({ uri: '/' });
    expect(vs.spec.http[3].headers.request.set.Host).toBe('iris-predictor.models.svc.cluster.local');
  });
});

test('a custom path prefix', () => {
  const { manifests } = build({ ingress: { pathRouting: { host: 'models.example.com', pathPrefix: '/iris' } } });
  expect(find(manifests, 'VirtualService', 'iris').spec.http[1].match[0].uri).toEqual({ prefix: '/iris/' });
});

describe('TLS termination at an Istio gateway', () => {
  const { isvc, manifests } = build({
    ingress: { tls: { credentialName: 'iris-tls' }, additionalHosts: ['iris.acme.io'], pathRouting: { host: 'models.example.com' } },
  });

  test('snapshot', () => {
    expect(find(manifests, 'Gateway', 'iris')).toMatchSnapshot();
  });

  test('a Gateway with the certificate on 443 and an HTTPS redirect on 80, for every external host', () => {
    const gateway = find(manifests, 'Gateway', 'iris');
    const hosts = ['iris.models.example.com', 'iris.acme.io', 'models.example.com'];
    expect(gateway.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: 'iris-tls', minProtocolVersion: 'TLSV1_2' } },
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts, tls: { httpsRedirect: true } },
      ],
    });
    expect(isvc.tlsGateway).toBeDefined();
  });

  test('the top-level route binds the external hosts to that Gateway instead of Knative\'s', () => {
    const vs = find(manifests, 'VirtualService', 'iris');
    expect(vs.spec.gateways).toEqual([...LOCAL, 'models/iris']);
    for (const rule of vs.spec.http) {
      for (const match of rule.match) {
        if (!match.authority.regex.includes('svc\\.cluster\\.local')) expect(match.gateways).toEqual(['models/iris']);
      }
    }
    expect(isvc.url).toBe('https://iris.models.example.com');
  });
});

test('TLS options: gateway selector, no redirect, TLS 1.3', () => {
  const { manifests } = build({
    ingress: { tls: { credentialName: 'iris-tls', gatewaySelector: { app: 'public-gateway' }, httpsRedirect: false, minProtocolVersion: TlsVersion.TLS_1_3 } },
  });
  const gateway = find(manifests, 'Gateway', 'iris');
  expect(gateway.spec.selector).toEqual({ app: 'public-gateway' });
  expect(gateway.spec.servers).toHaveLength(1);
  expect(gateway.spec.servers[0].tls.minProtocolVersion).toBe('TLSV1_3');
});
