import { parseServeArgs, type ServeCommand } from '../../../runtime/src/cli/serve-args';
import { UsageError } from '../../../runtime/src/cli/usage';

const MODEL = ['--model', 'iris=/m/iris'];

function command(args: string[], env: NodeJS.ProcessEnv = {}): Extract<ServeCommand, { help: false }> {
  const parsed = parseServeArgs([...MODEL, ...args], env, '/srv/app');
  if (parsed.help) throw new Error('expected options, got help');
  return parsed;
}

function usageError(args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseServeArgs([...MODEL, ...args], env, '/srv/app');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('serve flags for batching, logging, metrics, tracing, onnxruntime and shutdown', () => {
  it('defaults: metrics on 8082, no batching, logging or tracing, drain 5 s within 25 s', () => {
    const { options, shutdown } = command([]);
    expect(options).toEqual({ models: [{ name: 'iris', uri: '/m/iris' }], storage: { env: {} }, metricsPort: 8082 });
    expect(shutdown).toEqual({ drainMs: 5000, timeoutMs: 25000 });
  });

  it('reads every flag by the name the issue fixed', () => {
    const { options, shutdown } = command([
      '--max-batch-size', '16', '--max-latency-ms', '20', '--preferred-batch-sizes', '4, 8',
      '--log-url', 'http://sink.logging:8080/events', '--log-mode', 'response', '--log-metadata-headers', 'x-user, x-tenant',
      '--log-inference-service', 'iris', '--log-namespace', 'ml', '--log-component', 'predictor', '--log-endpoint', 'canary',
      '--log-source-uri', 'iris-predictor-0', '--log-queue-size', '50', '--log-metadata-annotations', 'team=ml, url=http://a/?b=c',
      '--log-pipeline-depth', '1', '--log-batch-delay-ms', '0',
      '--metrics-port', '9100', '--otlp-endpoint', 'http://otel:4318', '--trace-sample-ratio', '0.25',
      '--execution-provider', 'cuda', '--intra-op-threads', '2', '--inter-op-threads', '1', '--thread-spinning', 'true',
      '--drain-seconds', '1.5', '--shutdown-timeout-seconds', '10',
    ]);
    expect(options).toEqual({
      models: [{ name: 'iris', uri: '/m/iris' }],
      storage: { env: {} },
      metricsPort: 9100,
      batching: { maxBatchSize: 16, maxLatencyMs: 20, preferredBatchSizes: [4, 8] },
      payloadLogging: {
        url: 'http://sink.logging:8080/events', mode: 'response', metadataHeaders: ['x-user', 'x-tenant'], inferenceService: 'iris',
        namespace: 'ml', component: 'predictor', endpoint: 'canary', sourceUri: 'iris-predictor-0', queueSize: 50,
        pipelineDepth: 1, batchDelayMs: 0, metadataAnnotations: { team: 'ml', url: 'http://a/?b=c' },
      },
      tracing: { otlpEndpoint: 'http://otel:4318', sampleRatio: 0.25 },
      session: { executionProvider: 'cuda', intraOpThreads: 2, interOpThreads: 1, threadSpinning: true },
    });
    expect(shutdown).toEqual({ drainMs: 1500, timeoutMs: 10000 });
  });

  it('reads the KFS_* environment twins, flags winning', () => {
    const { options, shutdown } = command(['--max-batch-size', '8'], {
      KFS_MAX_BATCH_SIZE: '64', KFS_MAX_LATENCY_MS: '7', KFS_LOG_URL: 'https://sink.example.com', KFS_LOG_MODE: 'request',
      KFS_METRICS_PORT: '0', KFS_OTLP_ENDPOINT: 'http://otel:4318', KFS_TRACE_SAMPLE_RATIO: '1', KFS_EXECUTION_PROVIDER: 'cpu',
      KFS_INTRA_OP_THREADS: '1', KFS_THREAD_SPINNING: 'false', KFS_DRAIN_SECONDS: '0', KFS_SHUTDOWN_TIMEOUT_SECONDS: '3',
    });
    expect(options).toMatchObject({
      metricsPort: 0,
      batching: { maxBatchSize: 8, maxLatencyMs: 7 },
      payloadLogging: { url: 'https://sink.example.com', mode: 'request' },
      tracing: { otlpEndpoint: 'http://otel:4318', sampleRatio: 1 },
      session: { executionProvider: 'cpu', intraOpThreads: 1, threadSpinning: false },
    });
    expect(shutdown).toEqual({ drainMs: 0, timeoutMs: 3000 });
  });

  it("fills in KServe's agent default for the batching flag not given", () => {
    expect(command(['--max-batch-size', '4']).options.batching).toEqual({ maxBatchSize: 4, maxLatencyMs: 5000 });
    expect(command(['--max-latency-ms', '3']).options.batching).toEqual({ maxBatchSize: 32, maxLatencyMs: 3 });
  });

  it('turns metrics off with --disable-metrics or KFS_DISABLE_METRICS=true', () => {
    expect(command(['--disable-metrics']).options.metricsPort).toBeUndefined();
    expect(command([], { KFS_DISABLE_METRICS: 'true' }).options.metricsPort).toBeUndefined();
  });

  it("takes OpenTelemetry's own OTEL_EXPORTER_OTLP_ENDPOINT", () => {
    expect(command([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).options.tracing).toEqual({ otlpEndpoint: 'http://collector:4318' });
  });

  it("names the spans' service from --trace-service-name, else OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' service.name, else Knative's K_SERVICE", () => {
    const tracing = (args: string[], env: NodeJS.ProcessEnv) => command(['--otlp-endpoint', 'http://otel:4318', ...args], env).options.tracing;
    const env = { OTEL_SERVICE_NAME: 'from-otel', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,team=ml', K_SERVICE: 'iris-predictor' };
    expect(tracing(['--trace-service-name', 'from-flag'], env)).toMatchObject({ serviceName: 'from-flag', resourceAttributes: { team: 'ml' } });
    expect(tracing([], env)?.serviceName).toBe('from-otel');
    expect(tracing([], { ...env, OTEL_SERVICE_NAME: '' })?.serviceName).toBe('from-attributes');
    expect(tracing([], { K_SERVICE: 'iris-predictor' })).toEqual({ otlpEndpoint: 'http://otel:4318', serviceName: 'iris-predictor' });
    expect(tracing([], {})).toEqual({ otlpEndpoint: 'http://otel:4318' });
    // service.name is the resource's name, not one more attribute.
    expect(tracing([], env)?.resourceAttributes).toEqual({ team: 'ml' });
  });

  it('reads the export headers, compression and timeout from the OpenTelemetry environment', () => {
    const env = { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr%3Dt', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TIMEOUT: '2500' };
    expect(command(['--otlp-endpoint', 'http://otel:4318'], env).options.tracing).toEqual({
      otlpEndpoint: 'http://otel:4318',
      headers: { 'api-key': 's3cr=t' },
      compression: 'gzip',
      exportTimeoutMs: 2500,
    });
  });

  it.each<[string[], NodeJS.ProcessEnv, string]>([
    [['--trace-service-name', 'iris'], {}, '--trace-service-name needs --otlp-endpoint (tracing is off without one)'],
    [['--otlp-endpoint', 'http://otel:4318', '--trace-service-name', 'a\nb'], {}, '--trace-service-name must be at most 255 characters without control characters, got "a\\nb"'],
    [['--otlp-endpoint', 'http://otel:4318'], { OTEL_RESOURCE_ATTRIBUTES: 'team' }, "OTEL_RESOURCE_ATTRIBUTES: 'team' is not key=value (use key=value pairs separated by commas, with values percent-encoded)"],
    [['--otlp-endpoint', 'http://otel:4318'], { OTEL_EXPORTER_OTLP_HEADERS: 'host=x' }, "OTEL_EXPORTER_OTLP_HEADERS: the exporter sets 'host' itself; remove it"],
    [['--otlp-endpoint', 'http://otel:4318'], { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'br' }, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION must be gzip or none, got 'br'"],
    [['--max-batch-size', '0'], {}, "--max-batch-size must be a positive whole number, got '0'"],
    [['--max-latency-ms', 'soon'], {}, "--max-latency-ms must be a positive whole number, got 'soon'"],
    [[], { KFS_MAX_BATCH_SIZE: '-1' }, "KFS_MAX_BATCH_SIZE must be a positive whole number, got '-1'"],
    [['--preferred-batch-sizes', '8'], {}, '--preferred-batch-sizes needs batching: give --max-batch-size (and --max-latency-ms)'],
    [['--max-batch-size', '8', '--preferred-batch-sizes', '4,16'], {}, '--preferred-batch-sizes: 16 is larger than --max-batch-size (8); list sizes up to the maximum'],
    [['--log-url', 'kafka://broker'], {}, "--log-url must be an http:// or https:// URL, got 'kafka://broker'"],
    [['--log-url', 'http://sink', '--log-mode', 'everything'], {}, "--log-mode must be one of all, request, response, got 'everything'"],
    [['--log-mode', 'all'], {}, '--log-mode needs --log-url (the CloudEvents sink)'],
    [['--log-url', 'http://sink', '--log-metadata-annotations', 'team'], {}, "--log-metadata-annotations: 'team' is not key=value; give annotations as name=value,name=value"],
    [[], { KFS_LOG_METADATA_ANNOTATIONS: 'team=ml' }, 'KFS_LOG_METADATA_ANNOTATIONS needs --log-url (the CloudEvents sink)'],
    [['--log-url', 'http://sink', '--log-pipeline-depth', '0'], {}, "--log-pipeline-depth must be a positive whole number, got '0'"],
    [['--log-url', 'http://sink'], { KFS_LOG_BATCH_DELAY_MS: '-5' }, "KFS_LOG_BATCH_DELAY_MS must be a non-negative whole number, got '-5'"],
    [['--log-batch-delay-ms', '5'], {}, '--log-batch-delay-ms needs --log-url (the CloudEvents sink)'],
    [['--metrics-port', '70000'], {}, "--metrics-port must be a port number from 0 to 65535, got '70000'"],
    [['--trace-sample-ratio', '0.5'], {}, '--trace-sample-ratio needs --otlp-endpoint (tracing is off without one)'],
    [['--otlp-endpoint', 'http://otel:4318', '--trace-sample-ratio', '1.5'], {}, "--trace-sample-ratio must be a number from 0 to 1, got '1.5'"],
    [['--otlp-endpoint', 'otel:4318'], {}, "--otlp-endpoint must be an http:// or https:// URL, got 'otel:4318'"],
    [['--execution-provider', 'tensorrt'], {}, "--execution-provider must be one of cpu, cuda, got 'tensorrt'"],
    [['--intra-op-threads', '0'], {}, "--intra-op-threads must be a positive whole number, got '0'"],
    [['--drain-seconds', '30'], {}, '--shutdown-timeout-seconds (25) must be longer than --drain-seconds (30), which it includes; raise the timeout or shorten the drain'],
    [['--drain-seconds', 'x'], {}, "--drain-seconds must be a number of seconds (0 or more), got 'x'"],
    [[], { KFS_DISABLE_METRICS: 'yes' }, "KFS_DISABLE_METRICS must be true or false, got 'yes'"],
  ])('rejects %p %p', (args, env, message) => {
    expect(usageError(args, env)).toBe(message);
  });
});
