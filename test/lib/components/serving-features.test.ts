import {
  DeploymentMode, Gpu, InferenceService, InferenceServiceProps, LoggerMode, ModelFormat, ModelRuntime, PredictorProps, StorageUri,
} from '../../../lib';
import { containerOf, errorOf, find, newChart, synth } from '../_util';

const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const BASE_ARGS = ['serve', '--model=iris=s3://example-models/iris/1', '--http-port=8080'];

function build(predictor: Partial<PredictorProps>, props: Partial<InferenceServiceProps> = {}) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model, ...predictor }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

function argsOf(predictor: Partial<PredictorProps>, props: Partial<InferenceServiceProps> = {}): string[] {
  return containerOf(find(build(predictor, props).manifests, 'Service', 'iris-predictor')).args;
}

describe('kfs-runtime serving features on the predictor', () => {
  test('batcher maps to --max-batch-size and --max-latency-ms (KServe fields, milliseconds)', () => {
    expect(argsOf({ batcher: { maxBatchSize: 16, maxLatency: 50 } })).toEqual([...BASE_ARGS, '--max-batch-size=16', '--max-latency-ms=50']);
  });

  test("an empty batcher writes KServe's agent defaults out: 32 rows, 5000 ms", () => {
    expect(argsOf({ batcher: {} })).toEqual([...BASE_ARGS, '--max-batch-size=32', '--max-latency-ms=5000']);
  });

  test("logger maps to the runtime's CloudEvents flags, with the InferenceService's name, namespace and component", () => {
    expect(argsOf({ logger: { url: 'http://broker-ingress.knative-eventing.svc.cluster.local/models/default', mode: LoggerMode.REQUEST, metadataHeaders: ['x-request-id', 'x-user'] } })).toEqual([
      ...BASE_ARGS,
      '--log-url=http://broker-ingress.knative-eventing.svc.cluster.local/models/default',
      '--log-mode=request',
      '--log-inference-service=iris',
      '--log-namespace=models',
      '--log-component=predictor',
      '--log-metadata-headers=x-request-id,x-user',
    ]);
  });

  test("logger.metadataAnnotations maps to --log-metadata-annotations as KServe's webhook passes them (name=value,name=value)", () => {
    const args = argsOf({ logger: { url: 'http://sink', metadataAnnotations: { 'serving.kserve.io/team': 'ml', owner: 'a=b' } } });
    expect(args.filter((arg) => arg.startsWith('--log-metadata-annotations'))).toEqual(['--log-metadata-annotations=serving.kserve.io/team=ml,owner=a=b']);
  });

  test('logger.pipelining: false passes --log-pipeline-depth=1; left out, the runtime pipelines', () => {
    expect(argsOf({ logger: { url: 'http://sink', pipelining: false } })).toContain('--log-pipeline-depth=1');
    expect(argsOf({ logger: { url: 'http://sink' } }).filter((arg) => arg.startsWith('--log-pipeline-depth'))).toEqual([]);
    expect(argsOf({ logger: { url: 'http://sink', pipelining: true } }).filter((arg) => arg.startsWith('--log-pipeline-depth'))).toEqual([]);
  });

  test('logger mode defaults to all', () => {
    expect(argsOf({ logger: { url: 'https://sink.example.com/events' } })).toContain('--log-mode=all');
  });

  test('observability.runtimeTracing maps to --otlp-endpoint, --trace-sample-ratio and --trace-service-name, named after the predictor by default', () => {
    expect(argsOf({}, { observability: { runtimeTracing: { otlpEndpoint: 'http://otel-collector.observability.svc.cluster.local:4318', sampleRatio: 0.25 } } })).toEqual([
      ...BASE_ARGS,
      '--otlp-endpoint=http://otel-collector.observability.svc.cluster.local:4318',
      '--trace-sample-ratio=0.25',
      '--trace-service-name=iris-predictor',
    ]);
    expect(argsOf({}, { observability: { runtimeTracing: { otlpEndpoint: 'http://c:4318', serviceName: 'fraud model' } } })).toContain('--trace-service-name=fraud model');
  });

  test('a GPU predictor on kfs-runtime runs the CUDA execution provider', () => {
    const container = containerOf(find(build({ gpu: Gpu.nvidia(1) }).manifests, 'Service', 'iris-predictor'));
    expect(container.args).toEqual([...BASE_ARGS, '--execution-provider=cuda']);
    expect(container.resources.limits['nvidia.com/gpu']).toBe('1');
  });

  test('no feature asked for: no extra flag, the arguments stay as they were', () => {
    expect(argsOf({})).toEqual(BASE_ARGS);
  });

  test('raw deployment mode renders the same flags on the Deployment', () => {
    const { manifests } = build({ maxReplicas: 3, batcher: { maxBatchSize: 8, maxLatency: 10 }, logger: { url: 'http://sink.logging:8080' } }, { deploymentMode: DeploymentMode.RAW });
    expect(find(manifests, 'Deployment', 'iris-predictor').spec.template.spec.containers[0].args).toEqual([
      ...BASE_ARGS, '--max-batch-size=8', '--max-latency-ms=10', '--log-url=http://sink.logging:8080', '--log-mode=all',
      '--log-inference-service=iris', '--log-namespace=models', '--log-component=predictor',
    ]);
  });

  test("egress control allows the logger's sink and the OTLP endpoint", () => {
    const { isvc } = build(
      { logger: { url: 'https://events.example.com:8443/ingest' } },
      { egress: {}, observability: { runtimeTracing: { otlpEndpoint: 'http://otel-collector.observability.svc.cluster.local:4318' } } },
    );
    expect(isvc.egressControl?.hosts).toEqual(expect.arrayContaining(['events.example.com:8443', 'otel-collector.observability.svc.cluster.local:4318']));
  });
});

describe('serving features: exact messages', () => {
  const sklearn = { format: ModelFormat.SKLEARN, storageUri: StorageUri.s3('example-models', 'sk/1') };
  test.each<[string, () => unknown, string]>([
    ['batcher on a runtime without kfs-runtime flags', () => build({ model: sklearn, batcher: { maxBatchSize: 8 } }),
      `InferenceService 'iris': predictor.batcher ({"maxBatchSize":8}) is served by kfs-runtime in-process, not by runtime 'kserve-sklearnserver' (KServe's agent sidecar is not deployed); serve the model with ModelRuntime.KFS_RUNTIME, or remove predictor.batcher`],
    ['logger on a custom container', () => build({ model: undefined, container: { image: 'registry.example.com/server:1' }, logger: { url: 'http://sink' } }),
      `InferenceService 'iris': predictor.logger ({"url":"http://sink"}) is served by kfs-runtime in-process, not by a custom container (KServe's agent sidecar is not deployed); serve the model with ModelRuntime.KFS_RUNTIME, or remove predictor.logger`],
    ['runtime tracing with a runtime without kfs-runtime flags', () => build({ model: { ...model, runtime: ModelRuntime.TRITON_SERVER } }, { observability: { runtimeTracing: { otlpEndpoint: 'http://c:4318' } } }),
      `InferenceService 'iris': observability.runtimeTracing ({"otlpEndpoint":"http://c:4318"}) is served by kfs-runtime in-process, not by runtime 'kserve-tritonserver' (KServe's agent sidecar is not deployed); serve the model with ModelRuntime.KFS_RUNTIME, or remove observability.runtimeTracing`],
    ['maxBatchSize 0', () => build({ batcher: { maxBatchSize: 0 } }),
      `InferenceService 'iris': predictor.batcher.maxBatchSize (0) is not a positive integer; use a whole number of 1 or more`],
    ['fractional maxLatency', () => build({ batcher: { maxLatency: 2.5 } }),
      `InferenceService 'iris': predictor.batcher.maxLatency (2.5) is not a positive integer; use a whole number of 1 or more`],
    ['logger URL that is not http(s)', () => build({ logger: { url: 'kafka://broker:9092/topic' } }),
      `InferenceService 'iris': predictor.logger.url ('kafka://broker:9092/topic') is not an http:// or https:// URL; write it as e.g. 'http://broker-ingress.knative-eventing.svc.cluster.local/ml/default'`],
    ['metadata header that is not a header name', () => build({ logger: { url: 'http://sink', metadataHeaders: ['x user'] } }),
      `InferenceService 'iris': predictor.logger.metadataHeaders ('x user') is not an HTTP header name; use a token such as 'x-request-id'`],
    ['metadata annotation whose value holds a comma', () => build({ logger: { url: 'http://sink', metadataAnnotations: { team: 'ml,ops' } } }),
      `InferenceService 'iris': predictor.logger.metadataAnnotations ('team=ml,ops') cannot be passed as name=value in a comma-separated flag; use a name without ',' or '=' and a value without ','`],
    ['OTLP endpoint without a scheme', () => build({}, { observability: { runtimeTracing: { otlpEndpoint: 'otel-collector:4318' } } }),
      `InferenceService 'iris': observability.runtimeTracing.otlpEndpoint ('otel-collector:4318') is not an http:// or https:// URL; write it as e.g. 'http://broker-ingress.knative-eventing.svc.cluster.local/ml/default'`],
    ['service name with a line break', () => build({}, { observability: { runtimeTracing: { otlpEndpoint: 'http://c:4318', serviceName: 'a\nb' } } }),
      `InferenceService 'iris': observability.runtimeTracing.serviceName ('a\nb') is not a service name; use 1 to 255 printable characters, e.g. 'fraud-model'`],
    ['sample ratio above 1', () => build({}, { observability: { runtimeTracing: { otlpEndpoint: 'http://c:4318', sampleRatio: 2 } } }),
      `InferenceService 'iris': observability.runtimeTracing.sampleRatio (2) is not between 0 and 1; use a number from 0 (no request) to 1 (every request), e.g. 0.1`],
  ])('%s', (_name, construct, message) => {
    expect(errorOf(construct)).toBe(message);
  });
});
