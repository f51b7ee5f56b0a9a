import { EgressHost, EgressProtocol, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, StorageUri } from '../../../lib';
import { find, newChart, synth } from '../_util';

const onnx = (storageUri: StorageUri) => ({ format: ModelFormat.ONNX, storageUri });

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model: onnx(StorageUri.s3('example-models', 'iris/1')) }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

describe('hosts derived from the storage URI', () => {
  test.each<[string, StorageUri, Partial<InferenceServiceProps['egress']>, string[]]>([
    ['s3:// on AWS: the bucket\'s endpoints and STS', StorageUri.s3('example-models', 'iris/1'), {},
      ['example-models.s3.amazonaws.com:443', 's3.amazonaws.com:443', 'sts.amazonaws.com:443']],
    ['s3:// with a region adds the regional endpoints', StorageUri.s3('example-models', 'iris/1'), { awsRegion: 'eu-west-1' },
      ['example-models.s3.amazonaws.com:443', 'example-models.s3.eu-west-1.amazonaws.com:443', 's3.amazonaws.com:443', 's3.eu-west-1.amazonaws.com:443',
        'sts.amazonaws.com:443', 'sts.eu-west-1.amazonaws.com:443']],
    ['s3:// with an S3-compatible endpoint', StorageUri.s3('example-models', 'iris/1'), { s3Endpoint: 'http://minio.storage.svc.cluster.local:9000' },
      ['minio.storage.svc.cluster.local:9000']],
    ['gs://', StorageUri.gcs('example-models', 'iris/1'), {}, ['oauth2.googleapis.com:443', 'storage.googleapis.com:443']],
    ['https://', StorageUri.https('https://models.example.com:8443/iris.onnx'), {}, ['models.example.com:8443']],
    ['pvc:// needs no egress', StorageUri.pvc('model-store', 'iris'), {}, []],
  ])('%s', (_name, uri, egress, hosts) => {
    const { isvc } = build({ predictor: { model: onnx(uri) }, egress: { ...egress } });
    expect(isvc.egressControl?.hosts).toEqual(hosts);
  });
});

describe('mesh mode: Sidecar, ServiceEntries and NetworkPolicy', () => {
  const { isvc, manifests } = build({
    security: { mesh: MeshMode.ISTIO_SIDECAR },
    egress: {
      allowHosts: [EgressHost.fromUrl('http://features.feast.svc.cluster.local:6566'), EgressHost.https('api.example.com', 8443), EgressHost.https('s3.amazonaws.com')],
    },
    observability: { prometheus: {} },
  });

  test('snapshot', () => {
    expect(manifests.filter(m => ['Sidecar', 'ServiceEntry', 'NetworkPolicy'].includes(m.kind))).toMatchSnapshot();
  });

  test('the Sidecar allows only its namespace, Istio, Knative and named in-cluster hosts, and is registry-only', () => {
    expect(find(manifests, 'Sidecar', 'iris').spec).toEqual({
      workloadSelector: { labels: { 'serving.kserve.io/inferenceservice': 'iris' } },
      egress: [{ hosts: ['./*', 'istio-system/*', 'knative-serving/*', 'feast/features.feast.svc.cluster.local'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  test('one ServiceEntry per external port, exported only to the namespace', () => {
    expect(find(manifests, 'ServiceEntry', 'iris-egress-tls-443').spec).toEqual({
      hosts: ['example-models.s3.amazonaws.com', 's3.amazonaws.com', 'sts.amazonaws.com'],
      ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      exportTo: ['models'],
    });
    expect(find(manifests, 'ServiceEntry', 'iris-egress-tls-8443').spec.hosts).toEqual(['api.example.com']);
    expect(isvc.egressControl?.serviceEntries).toHaveLength(2);
  });

  test('the NetworkPolicy: ingress from Knative, the gateways, the namespace and Prometheus; egress to DNS, those, the stores', () => {
    const policy = find(manifests, 'NetworkPolicy', 'iris');
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'serving.kserve.io/inferenceservice': 'iris' } });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([
      { from: [ns('knative-serving'), ns('istio-system'), { podSelector: {} }] },
      // Istio merges the application's metrics into its agent's :15020; 9091 is queue-proxy's.
      { from: [ns('monitoring')], ports: [{ protocol: 'TCP', port: 9091 }, { protocol: 'TCP', port: 15020 }] },
    ]);
    expect(policy.spec.egress).toEqual([
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [ns('knative-serving'), ns('istio-system'), { podSelector: {} }] },
      { to: [ns('feast')], ports: [{ protocol: 'TCP', port: 6566 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 8443 }] },
    ]);
  });
});

test('without mesh mode only the NetworkPolicy is emitted, and Prometheus is let in on the application metrics port', () => {
  const { isvc, manifests } = build({ egress: { externalCidrs: ['52.216.0.0/15'], monitoringNamespace: 'prometheus' }, observability: { prometheus: {} } });
  expect(manifests.filter(m => ['Sidecar', 'ServiceEntry'].includes(m.kind))).toEqual([]);
  expect(isvc.egressControl?.sidecar).toBeUndefined();
  const policy = find(manifests, 'NetworkPolicy', 'iris');
  expect(policy.spec.ingress[1]).toEqual({
    from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prometheus' } } }],
    ports: [{ protocol: 'TCP', port: 8082 }, { protocol: 'TCP', port: 9091 }],
  });
  expect(policy.spec.egress[2].to).toEqual([{ ipBlock: { cidr: '52.216.0.0/15' } }]);
});

test('networkPolicy: false leaves only the Istio objects', () => {
  const { isvc, manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, egress: { networkPolicy: false } });
  expect(manifests.some(m => m.kind === 'NetworkPolicy')).toBe(false);
  expect(isvc.egressControl?.networkPolicy).toBeUndefined();
  expect(isvc.egressControl?.sidecar).toBeDefined();
});

test('the tracing collector is allowed out', () => {
  const collector = EgressHost.http('otel-collector.observability.svc.cluster.local', 4317);
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, egress: {}, observability: { tracing: { provider: 'otel', collector } } });
  expect(find(manifests, 'Sidecar', 'iris').spec.egress[0].hosts).toContain('observability/otel-collector.observability.svc.cluster.local');
  expect(find(manifests, 'NetworkPolicy', 'iris').spec.egress).toContainEqual({
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
    ports: [{ protocol: 'TCP', port: 4317 }],
  });
});

test('no egress prop, no egress objects', () => {
  const { isvc, manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR } });
  expect(manifests.some(m => ['Sidecar', 'ServiceEntry', 'NetworkPolicy'].includes(m.kind))).toBe(false);
  expect(isvc.egressControl).toBeUndefined();
});

describe('EgressHost', () => {
  test('recognises in-cluster Services by name', () => {
    expect(EgressHost.http('minio.storage.svc', 9000).namespace).toBe('storage');
    expect(EgressHost.http('minio.storage.svc.cluster.local', 9000).inCluster).toBe(true);
    expect(EgressHost.https('storage.googleapis.com').inCluster).toBe(false);
  });

  test('fromUrl takes the port from the URL or the scheme', () => {
    expect(EgressHost.fromUrl('https://a.example.com/x').toString()).toBe('a.example.com:443');
    expect(EgressHost.fromUrl('http://a.example.com:8080').protocol).toBe(EgressProtocol.HTTP);
  });
});
