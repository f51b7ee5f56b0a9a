import { propError } from '../_validation';
import { ModelRuntime } from '../model/model-runtime';
import { RuntimeTracingOptions } from '../observability/runtime-tracing-options';
import { BatcherOptions } from './batcher-options';
import { LoggerMode, LoggerOptions } from './logger-options';
import { ComponentContext } from './_resolve';

/**
 * The serving features kfs-runtime implements in-process (KServe runs an agent sidecar for the
 * first two): dynamic batching, CloudEvents logging, OpenTelemetry tracing and the CUDA execution
 * provider, turned into its command-line flags. Pure; throws for props no runtime here can serve.
 * @internal
 */
export interface ServingFeatures {
  readonly batcher?: BatcherOptions;
  readonly logger?: LoggerOptions;
  readonly gpu: boolean;
}

/** KServe's agent defaults, written out so the manifest shows what runs. */
const DEFAULT_MAX_BATCH_SIZE = 32;
const DEFAULT_MAX_LATENCY_MS = 5000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The runtime's flags for the features asked for; [] when none is. */
export function kfsRuntimeArgs(ctx: ComponentContext, runtime: ModelRuntime | undefined, features: ServingFeatures): string[] {
  const served = runtime?.kfsRuntimeFlags === true;
  const refuse = (prop: string, value: unknown) => {
    const who = runtime ? `runtime '${runtime.name}'` : 'a custom container';
    return propError(ctx.owner, prop, value, `is served by kfs-runtime in-process, not by ${who} (KServe's agent sidecar is not deployed)`,
      `serve the model with ModelRuntime.KFS_RUNTIME, or remove ${prop}`);
  };
  if (!served) {
    if (features.batcher) throw refuse('predictor.batcher', features.batcher);
    if (features.logger) throw refuse('predictor.logger', features.logger);
    if (ctx.runtimeTracing) throw refuse('observability.runtimeTracing', ctx.runtimeTracing);
    return [];
  }
  return [
    ...batcherArgs(ctx, features.batcher),
    ...loggerArgs(ctx, features.logger),
    ...tracingArgs(ctx, ctx.runtimeTracing),
    ...(features.gpu ? ['--execution-provider=cuda'] : []),
  ];
}

function positiveInteger(ctx: ComponentContext, prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw propError(ctx.owner, prop, value, 'is not a positive integer', 'use a whole number of 1 or more');
  return value;
}

function batcherArgs(ctx: ComponentContext, batcher: BatcherOptions | undefined): string[] {
  if (!batcher) return [];
  const maxBatchSize = positiveInteger(ctx, 'predictor.batcher.maxBatchSize', batcher.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
  const maxLatency = positiveInteger(ctx, 'predictor.batcher.maxLatency', batcher.maxLatency ?? DEFAULT_MAX_LATENCY_MS);
  return [`--max-batch-size=${maxBatchSize}`, `--max-latency-ms=${maxLatency}`];
}

/** http(s) URLs only: the runtime posts with an HTTP client, as KServe's logger does. */
export function checkHttpUrl(owner: string, prop: string, url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw propError(owner, prop, url, 'is not an http:// or https:// URL', "write it as e.g. 'http://broker-ingress.knative-eventing.svc.cluster.local/ml/default'");
  }
}

function loggerArgs(ctx: ComponentContext, logger: LoggerOptions | undefined): string[] {
  if (!logger) return [];
  checkHttpUrl(ctx.owner, 'predictor.logger.url', logger.url);
  const mode = logger.mode ?? LoggerMode.ALL;
  const args = [
    `--log-url=${logger.url}`,
    `--log-mode=${mode}`,
    `--log-inference-service=${ctx.isvcName}`,
    `--log-namespace=${ctx.namespace}`,
    '--log-component=predictor',
  ];
  const headers = logger.metadataHeaders ?? [];
  for (const header of headers) {
    if (!HEADER_NAME.test(header)) {
      throw propError(ctx.owner, 'predictor.logger.metadataHeaders', header, 'is not an HTTP header name', "use a token such as 'x-request-id'");
    }
  }
  if (headers.length > 0) args.push(`--log-metadata-headers=${headers.join(',')}`);
  const annotations = Object.entries(logger.metadataAnnotations ?? {});
  for (const [name, value] of annotations) {
    if (name === '' || /[,=]/.test(name) || value.includes(',')) {
      throw propError(ctx.owner, 'predictor.logger.metadataAnnotations', `${name}=${value}`, 'cannot be passed as name=value in a comma-separated flag', "use a name without ',' or '=' and a value without ','");
    }
  }
  if (annotations.length > 0) args.push(`--log-metadata-annotations=${annotations.map(([name, value]) => `${name}=${value}`).join(',')}`);
  if (logger.pipelining === false) args.push('--log-pipeline-depth=1');
  return args;
}

function tracingArgs(ctx: ComponentContext, tracing: RuntimeTracingOptions | undefined): string[] {
  if (!tracing) return [];
  checkHttpUrl(ctx.owner, 'observability.runtimeTracing.otlpEndpoint', tracing.otlpEndpoint);
  const args = [`--otlp-endpoint=${tracing.otlpEndpoint}`];
  if (tracing.sampleRatio !== undefined) {
    if (!(tracing.sampleRatio >= 0 && tracing.sampleRatio <= 1)) {
      throw propError(ctx.owner, 'observability.runtimeTracing.sampleRatio', tracing.sampleRatio, 'is not between 0 and 1', `use a number from 0 (no request) to 1 (every request), e.g. 0.1`);
    }
    args.push(`--trace-sample-ratio=${tracing.sampleRatio}`);
  }
  const serviceName = tracing.serviceName ?? `${ctx.isvcName}-predictor`;
  if (serviceName.trim() === '' || serviceName.length > 255 || /[\x00-\x1f\x7f]/.test(serviceName)) {
    throw propError(ctx.owner, 'observability.runtimeTracing.serviceName', serviceName, 'is not a service name', 'use 1 to 255 printable characters, e.g. \'fraud-model\'');
  }
  args.push(`--trace-service-name=${serviceName}`);
  return args;
}
