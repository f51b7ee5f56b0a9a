import { InferenceService, InferenceServiceProps, MeshMode, ModelFormat, ModelRuntime, StorageUri } from '../../../lib';
import { find, newChart, synth } from '../_util';

const onnx = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model: onnx }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

const annotationsOf = (manifests: any[], name: string) => find(manifests, 'Service', name).spec.template.metadata.annotations;

describe('Prometheus scrape annotations', () => {
  test('off by default, as in KServe', () => {
    expect(Object.keys(annotationsOf(build({}).manifests, 'iris-predictor')).filter(k => k.startsWith('prometheus'))).toEqual([]);
  });

  test('each component points at its own metrics port: kfs-runtime 8082, custom containers their HTTP port', () => {
    const { manifests } = build({
      transformer: { container: { image: 'x/t:1', port: 9000 } },
      observability: { prometheus: {} },
    });
    expect(annotationsOf(manifests, 'iris-predictor')).toEqual({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/min-scale': '0',
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8082',
      'prometheus.io/path': '/metrics',
    });
    expect(annotationsOf(manifests, 'iris-transformer')['prometheus.io/port']).toBe('9000');
  });

  test.each([
    ['KServe sklearn server', { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('models', 'sk') }, '8080'],
    ['Triton', { format: ModelFormat.ONNX, storageUri: StorageUri.gcs('models', 'tr'), runtime: ModelRuntime.TRITON_SERVER }, '8002'],
    ['TorchServe', { format: ModelFormat.PYTORCH, storageUri: StorageUri.gcs('models', 'pt') }, '8082'],
  ])('%s: the port KServe\'s ServingRuntime declares', (_name, model, port) => {
    expect(annotationsOf(build({ predictor: { model }, observability: { prometheus: {} } }).manifests, 'iris-predictor')['prometheus.io/port']).toBe(port);
  });

  test('in mesh mode, Istio merging is the default; opting out writes Istio\'s per-pod annotation', () => {
    const merged = annotationsOf(build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, observability: { prometheus: {} } }).manifests, 'iris-predictor');
    expect(merged['prometheus.istio.io/merge-metrics']).toBeUndefined();
    expect(merged['sidecar.istio.io/inject']).toBe('true');
    const direct = annotationsOf(build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, observability: { prometheus: { mergeWithIstio: false } } }).manifests, 'iris-predictor');
    expect(direct['prometheus.istio.io/merge-metrics']).toBe('false');
  });

  test('without a sidecar the merge option is moot and not written', () => {
    expect(annotationsOf(build({ observability: { prometheus: { mergeWithIstio: false } } }).manifests, 'iris-predictor')['prometheus.istio.io/merge-metrics']).toBeUndefined();
  });
});

describe('Istio Telemetry', () => {
  const { isvc, manifests } = build({
    security: { mesh: MeshMode.ISTIO_SIDECAR },
    observability: { tracing: { provider: 'otel-tracing', samplingPercentage: 12.5 }, accessLogging: { filter: 'response.code >= 500' } },
  });

  test('snapshot', () => {
    expect(find(manifests, 'Telemetry', 'iris')).toMatchSnapshot();
  });

  test('tracing provider and sampling, access logs with a filter, for the InferenceService\'s pods only', () => {
    const telemetry = find(manifests, 'Telemetry', 'iris');
    expect(telemetry.apiVersion).toBe('telemetry.istio.io/v1');
    expect(telemetry.spec).toEqual({
      selector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'iris' } },
      tracing: [{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 12.5 }],
      accessLogging: [{ providers: [{ name: 'envoy' }], filter: { expression: 'response.code >= 500' } }],
    });
    expect(isvc.telemetry).toBeDefined();
  });
});

test('tracing alone samples 1% (Istio\'s default) and leaves access logs to the mesh', () => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, observability: { tracing: { provider: 'zipkin' } } });
  expect(find(manifests, 'Telemetry', 'iris').spec).toEqual({
    selector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'iris' } },
    tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 1 }],
  });
});

test('access logs alone, to a named provider, for every request', () => {
  const { manifests } = build({ security: { mesh: MeshMode.ISTIO_SIDECAR }, observability: { accessLogging: { provider: 'otel-als' } } });
  expect(find(manifests, 'Telemetry', 'iris').spec.accessLogging).toEqual([{ providers: [{ name: 'otel-als' }] }]);
});
