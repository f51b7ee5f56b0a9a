import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchingOptions } from '../batching/batching-options';
import { LOG_MODES, type LogMode, type PayloadLoggingOptions } from '../logging/payload-logging-options';
import { assertValidModelName } from '../models/model-name';
import type { ModelSource } from '../models/model';
import { EXECUTION_PROVIDERS, type ExecutionProvider, type SessionOptions } from '../models/session-options';
import { normalizeModelUri } from '../models/storage';
import type { ServeOptions, ShutdownOptions } from '../start-server';
import { type OtlpCompression, otlpCompression, otlpHeaders, otlpTimeoutMs, resourceAttributes } from '../tracing/otel-environment';
import type { TracingOptions } from '../tracing/tracing-options';
import { UsageError } from './usage';

/** What `kfs-runtime serve …` asked for: help, or a server to start and how to stop it. */
export type ServeCommand =
  | { readonly help: true }
  | { readonly help: false; readonly options: ServeOptions; readonly shutdown: ShutdownOptions };

/** MLServer's and Triton's convention: metrics on a port of their own. */
export const DEFAULT_METRICS_PORT = 8082;

/** KServe's agent defaults (`--max-batchsize 32`, `--max-latency 5000`), used when only one is given. */
export const DEFAULT_MAX_BATCH_SIZE = 32;
export const DEFAULT_MAX_LATENCY_MS = 5000;

/** Time for Kubernetes to stop routing to a terminating pod before connections are refused. */
export const DEFAULT_DRAIN_SECONDS = 5;
/** Below Kubernetes' default termination grace period (30 s), so the process ends on its own. */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25;

/** KServe's custom-runtime convention when only --model_dir is given. */
const KSERVE_DEFAULT_MODEL_NAME = 'model';

/**
 * Parses the arguments after `serve`, and the KFS_* environment variables, into server options.
 * Relative model paths are made absolute against `cwd`.
 *
 * @throws UsageError with a message that names the flag and the bad value.
 */
export function parseServeArgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ServeCommand {
  const { values } = parseOrThrowUsage(args);
  if (values.help) return { help: true };

  const httpPort =
    oneOf(values, 'http-port', 'http_port') ??
    (env.KFS_HTTP_PORT === undefined || env.KFS_HTTP_PORT === '' ? undefined : { flag: 'KFS_HTTP_PORT', value: env.KFS_HTTP_PORT });
  const grpcPort =
    oneOf(values, 'grpc-port', 'grpc_port') ??
    (env.KFS_GRPC_PORT === undefined || env.KFS_GRPC_PORT === '' ? undefined : { flag: 'KFS_GRPC_PORT', value: env.KFS_GRPC_PORT });
  const bodyLimit = values['http-max-input-size'];
  const grpcLimit = values['grpc-max-message-size'];
  const modelRepository = oneOf(values, 'model-repository', 'model_repository');
  const explainerUrl = values['explainer-url'];
  const read = (flag: FlagName, envName: string) => valueOf(values, env, flag, envName);
  const metricsPort = read('metrics-port', 'KFS_METRICS_PORT');
  const metricsDisabled = values['disable-metrics'] === true || parseBoolean('KFS_DISABLE_METRICS', env.KFS_DISABLE_METRICS);
  const batching = parseBatching(read);
  const payloadLogging = parsePayloadLogging(read);
  const tracing = parseTracing(read, env);
  const session = parseSession(read);
  const modelConfig = values['model-config'];
  const options: ServeOptions = {
    models: parseModels(values, env, cwd, modelRepository !== undefined || modelConfig !== undefined),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(httpPort === undefined ? {} : { httpPort: parsePort(httpPort.flag, httpPort.value) }),
    ...(grpcPort === undefined ? {} : { grpcPort: parsePort(grpcPort.flag, grpcPort.value) }),
    ...(bodyLimit === undefined ? {} : { bodyLimitBytes: parsePositiveInteger('--http-max-input-size', bodyLimit) }),
    ...(grpcLimit === undefined ? {} : { grpcMaxMessageBytes: parsePositiveInteger('--grpc-max-message-size', grpcLimit) }),
    ...(modelRepository === undefined ? {} : { modelRepository: toRepositoryUri(modelRepository.flag, modelRepository.value, cwd) }),
    ...(explainerUrl === undefined ? {} : { explainerUrl: parseHttpUrl('--explainer-url', explainerUrl) }),
    storage: parseStorageOptions(values, env, cwd),
    ...(metricsDisabled ? {} : { metricsPort: metricsPort === undefined ? DEFAULT_METRICS_PORT : parsePort(metricsPort.flag, metricsPort.value) }),
    ...(batching === undefined ? {} : { batching }),
    ...(payloadLogging === undefined ? {} : { payloadLogging }),
    ...(tracing === undefined ? {} : { tracing }),
    ...(session === undefined ? {} : { session }),
    ...(modelConfig === undefined ? {} : { modelConfigFile: path.resolve(cwd, modelConfig) }),
  };
  const drain = read('drain-seconds', 'KFS_DRAIN_SECONDS');
  const timeout = read('shutdown-timeout-seconds', 'KFS_SHUTDOWN_TIMEOUT_SECONDS');
  const drainSeconds = drain === undefined ? DEFAULT_DRAIN_SECONDS : parseSeconds(drain.flag, drain.value);
  const timeoutSeconds = timeout === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS : parseSeconds(timeout.flag, timeout.value);
  if (timeoutSeconds <= drainSeconds) {
    throw new UsageError(
      `--shutdown-timeout-seconds (${timeoutSeconds}) must be longer than --drain-seconds (${drainSeconds}), which it includes; raise the timeout or shorten the drain`,
    );
  }
  return { help: false, options, shutdown: { drainMs: drainSeconds * 1000, timeoutMs: timeoutSeconds * 1000 } };
}

/** Flags that have a KFS_* environment variable twin. */
type FlagName =
  | 'metrics-port'
  | 'max-batch-size'
  | 'max-latency-ms'
  | 'preferred-batch-sizes'
  | 'log-url'
  | 'log-mode'
  | 'log-metadata-headers'
  | 'log-metadata-annotations'
  | 'log-source-uri'
  | 'log-inference-service'
  | 'log-namespace'
  | 'log-component'
  | 'log-endpoint'
  | 'log-queue-size'
  | 'log-pipeline-depth'
  | 'log-batch-delay-ms'
  | 'otlp-endpoint'
  | 'trace-sample-ratio'
  | 'trace-service-name'
  | 'execution-provider'
  | 'intra-op-threads'
  | 'inter-op-threads'
  | 'thread-spinning'
  | 'drain-seconds'
  | 'shutdown-timeout-seconds';

type Read = (flag: FlagName, envName: string) => { flag: string; value: string } | undefined;

/** A flag's value, else its environment variable's (an empty variable counts as unset). */
function valueOf(values: ParsedValues, env: NodeJS.ProcessEnv, flag: FlagName, envName: string): { flag: string; value: string } | undefined {
  const given = values[flag];
  if (typeof given === 'string') return { flag: `--${flag}`, value: given };
  const fromEnv = env[envName];
  return fromEnv === undefined || fromEnv === '' ? undefined : { flag: envName, value: fromEnv };
}

function parseBatching(read: Read): BatchingOptions | undefined {
  const size = read('max-batch-size', 'KFS_MAX_BATCH_SIZE');
  const latency = read('max-latency-ms', 'KFS_MAX_LATENCY_MS');
  const preferred = read('preferred-batch-sizes', 'KFS_PREFERRED_BATCH_SIZES');
  if (size === undefined && latency === undefined) {
    if (preferred !== undefined) throw new UsageError(`${preferred.flag} needs batching: give --max-batch-size (and --max-latency-ms)`);
    return undefined;
  }
  const maxBatchSize = size === undefined ? DEFAULT_MAX_BATCH_SIZE : parseWholeNumber(size.flag, size.value);
  const maxLatencyMs = latency === undefined ? DEFAULT_MAX_LATENCY_MS : parseWholeNumber(latency.flag, latency.value);
  const preferredBatchSizes = preferred?.value.split(',').map((part) => parseWholeNumber(preferred.flag, part.trim()));
  for (const preferredSize of preferredBatchSizes ?? []) {
    if (preferredSize > maxBatchSize) {
      throw new UsageError(`${preferred!.flag}: ${preferredSize} is larger than --max-batch-size (${maxBatchSize}); list sizes up to the maximum`);
    }
  }
  return { maxBatchSize, maxLatencyMs, ...(preferredBatchSizes === undefined ? {} : { preferredBatchSizes }) };
}

function parsePayloadLogging(read: Read): PayloadLoggingOptions | undefined {
  const url = read('log-url', 'KFS_LOG_URL');
  const others = (['log-mode', 'log-metadata-headers', 'log-metadata-annotations', 'log-source-uri', 'log-inference-service', 'log-namespace', 'log-component', 'log-endpoint', 'log-queue-size', 'log-pipeline-depth', 'log-batch-delay-ms'] as const).map(
    (flag) => [flag, read(flag, `KFS_${flag.toUpperCase().replaceAll('-', '_')}`)] as const,
  );
  if (url === undefined) {
    const stray = others.find(([, value]) => value !== undefined)?.[1];
    if (stray !== undefined) throw new UsageError(`${stray.flag} needs --log-url (the CloudEvents sink)`);
    return undefined;
  }
  const value = (flag: (typeof others)[number][0]) => others.find(([name]) => name === flag)?.[1];
  const mode = value('log-mode');
  if (mode !== undefined && !LOG_MODES.includes(mode.value as LogMode)) {
    throw new UsageError(`${mode.flag} must be one of ${LOG_MODES.join(', ')}, got '${mode.value}'`);
  }
  const headers = value('log-metadata-headers');
  const annotations = value('log-metadata-annotations');
  const queueSize = value('log-queue-size');
  const pipelineDepth = value('log-pipeline-depth');
  const batchDelay = value('log-batch-delay-ms');
  const text = (flag: (typeof others)[number][0]) => value(flag)?.value;
  const options: PayloadLoggingOptions = {
    url: parseHttpUrl(url.flag, url.value),
    ...(mode === undefined ? {} : { mode: mode.value as LogMode }),
    ...(headers === undefined ? {} : { metadataHeaders: headers.value.split(',').map((name) => name.trim()).filter((name) => name !== '') }),
    ...(annotations === undefined ? {} : { metadataAnnotations: parseAnnotations(annotations.flag, annotations.value) }),
    ...(text('log-source-uri') === undefined ? {} : { sourceUri: text('log-source-uri') }),
    ...(text('log-inference-service') === undefined ? {} : { inferenceService: text('log-inference-service') }),
    ...(text('log-namespace') === undefined ? {} : { namespace: text('log-namespace') }),
    ...(text('log-component') === undefined ? {} : { component: text('log-component') }),
    ...(text('log-endpoint') === undefined ? {} : { endpoint: text('log-endpoint') }),
    ...(queueSize === undefined ? {} : { queueSize: parseWholeNumber(queueSize.flag, queueSize.value) }),
    ...(pipelineDepth === undefined ? {} : { pipelineDepth: parseWholeNumber(pipelineDepth.flag, pipelineDepth.value) }),
    ...(batchDelay === undefined ? {} : { batchDelayMs: parseWholeNumber(batchDelay.flag, batchDelay.value, 0) }),
  };
  return options;
}

/**
 * `key=value,key=value`, the form KServe's webhook hands its logger (`--metadata-annotations`) for
 * the InferenceService annotations named in `logger.metadataAnnotations`.
 */
function parseAnnotations(flag: string, value: string): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    const key = equals < 0 ? '' : pair.slice(0, equals).trim();
    if (key === '') throw new UsageError(`${flag}: '${pair}' is not key=value; give annotations as name=value,name=value`);
    annotations[key] = pair.slice(equals + 1);
  }
  return annotations;
}

function parseTracing(read: Read, env: NodeJS.ProcessEnv): TracingOptions | undefined {
  // OpenTelemetry's own variable works too, as every OpenTelemetry SDK reads it.
  const endpoint =
    read('otlp-endpoint', 'KFS_OTLP_ENDPOINT') ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? { flag: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: env.OTEL_EXPORTER_OTLP_ENDPOINT } : undefined);
  const ratio = read('trace-sample-ratio', 'KFS_TRACE_SAMPLE_RATIO');
  const named = read('trace-service-name', 'KFS_TRACE_SERVICE_NAME');
  if (endpoint === undefined) {
    for (const given of [ratio, named]) if (given !== undefined) throw new UsageError(`${given.flag} needs --otlp-endpoint (tracing is off without one)`);
    return undefined;
  }
  const sampleRatio = ratio === undefined ? undefined : Number(ratio.value);
  if (ratio !== undefined && (!/^\d*\.?\d+$/.test(ratio.value) || !(sampleRatio! >= 0 && sampleRatio! <= 1))) {
    throw new UsageError(`${ratio.flag} must be a number from 0 to 1, got '${ratio.value}'`);
  }
  let headers: Record<string, string>;
  let attributes: Record<string, string>;
  let compression: OtlpCompression | undefined;
  let exportTimeoutMs: number | undefined;
  try {
    headers = otlpHeaders(env);
    attributes = resourceAttributes(env);
    compression = otlpCompression(env);
    exportTimeoutMs = otlpTimeoutMs(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // OpenTelemetry's order: OTEL_SERVICE_NAME, then service.name in OTEL_RESOURCE_ATTRIBUTES; then
  // the Knative Service's name (K_SERVICE, set in every Knative pod), as Istio's spans name it.
  const serviceName = named?.value ?? (env.OTEL_SERVICE_NAME || undefined) ?? attributes['service.name'] ?? (env.K_SERVICE || undefined);
  if (serviceName !== undefined && (serviceName.length > 255 || /[\x00-\x1f\x7f]/.test(serviceName))) {
    throw new UsageError(`${named?.flag ?? 'the service name'} must be at most 255 characters without control characters, got ${JSON.stringify(serviceName.slice(0, 300))}`);
  }
  delete attributes['service.name'];
  return {
    otlpEndpoint: parseHttpUrl(endpoint.flag, endpoint.value),
    ...(sampleRatio === undefined ? {} : { sampleRatio }),
    ...(serviceName === undefined ? {} : { serviceName }),
    ...(Object.keys(attributes).length === 0 ? {} : { resourceAttributes: attributes }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(compression === undefined ? {} : { compression }),
    ...(exportTimeoutMs === undefined ? {} : { exportTimeoutMs }),
  };
}

function parseSession(read: Read): SessionOptions | undefined {
  const provider = read('execution-provider', 'KFS_EXECUTION_PROVIDER');
  const intra = read('intra-op-threads', 'KFS_INTRA_OP_THREADS');
  const inter = read('inter-op-threads', 'KFS_INTER_OP_THREADS');
  const spinning = read('thread-spinning', 'KFS_THREAD_SPINNING');
  if (provider === undefined && intra === undefined && inter === undefined && spinning === undefined) return undefined;
  if (provider !== undefined && !EXECUTION_PROVIDERS.includes(provider.value as ExecutionProvider)) {
    throw new UsageError(`${provider.flag} must be one of ${EXECUTION_PROVIDERS.join(', ')}, got '${provider.value}'`);
  }
  return {
    ...(provider === undefined ? {} : { executionProvider: provider.value as ExecutionProvider }),
    ...(intra === undefined ? {} : { intraOpThreads: parseWholeNumber(intra.flag, intra.value) }),
    ...(inter === undefined ? {} : { interOpThreads: parseWholeNumber(inter.flag, inter.value) }),
    ...(spinning === undefined ? {} : { threadSpinning: parseBoolean(spinning.flag, spinning.value) }),
  };
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`${name} must be true or false, got '${value}'`);
}

function parseWholeNumber(flag: string, value: string, minimum: 0 | 1 = 1): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < minimum) throw new UsageError(`${flag} must be a ${minimum === 1 ? 'positive' : 'non-negative'} whole number, got '${value}'`);
  return number;
}

function parseSeconds(flag: string, value: string): number {
  const number = /^\d*\.?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(number)) throw new UsageError(`${flag} must be a number of seconds (0 or more), got '${value}'`);
  return number;
}

/** Storage flags, each with a KFS_* variable; credentials and endpoints stay in the environment (KServe's names). */
function parseStorageOptions(values: ParsedValues, env: NodeJS.ProcessEnv, cwd: string): NonNullable<ServeOptions['storage']> {
  const pick = (flag: keyof ParsedValues, variable: string) => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { flag: `--${flag}`, value: fromFlag };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : { flag: variable, value: fromEnv };
  };
  const cacheDir = pick('model-cache-dir', 'KFS_MODEL_CACHE_DIR');
  const concurrency = pick('storage-concurrency', 'KFS_STORAGE_CONCURRENCY');
  const maxAttempts = pick('storage-max-attempts', 'KFS_STORAGE_MAX_ATTEMPTS');
  const caBundle = pick('storage-ca-bundle', 'KFS_STORAGE_CA_BUNDLE');
  const maxUnpacked = pick('max-unpacked-size', 'KFS_MAX_UNPACKED_BYTES');
  const pvcRoot = pick('pvc-mount-root', 'KFS_PVC_MOUNT_ROOT');
  return {
    env,
    ...(cacheDir === undefined ? {} : { cacheDir: path.resolve(cwd, cacheDir.value) }),
    ...(concurrency === undefined ? {} : { concurrency: parseCount(concurrency.flag, concurrency.value) }),
    ...(maxAttempts === undefined ? {} : { maxAttempts: parseCount(maxAttempts.flag, maxAttempts.value) }),
    ...(caBundle === undefined ? {} : { caBundleFile: path.resolve(cwd, caBundle.value) }),
    ...(maxUnpacked === undefined ? {} : { maxUnpackedBytes: parsePositiveInteger(maxUnpacked.flag, maxUnpacked.value) }),
    ...(pvcRoot === undefined ? {} : { pvcMountRoot: path.resolve(cwd, pvcRoot.value) }),
  };
}

function parseCount(flag: string, value: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > 1000) {
    throw new UsageError(`${flag} must be a whole number from 1 to 1000, got '${value}'`);
  }
  return number;
}

type ParsedValues = ReturnType<typeof parseOrThrowUsage>['values'];

function parseOrThrowUsage(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string', multiple: true },
        'model-name': { type: 'string' },
        model_name: { type: 'string' },
        'model-dir': { type: 'string' },
        model_dir: { type: 'string' },
        'http-port': { type: 'string' },
        http_port: { type: 'string' },
        'grpc-port': { type: 'string' },
        grpc_port: { type: 'string' },
        'grpc-max-message-size': { type: 'string' },
        'model-repository': { type: 'string' },
        model_repository: { type: 'string' },
        'explainer-url': { type: 'string' },
        'model-config': { type: 'string' },
        host: { type: 'string' },
        'http-max-input-size': { type: 'string' },
        'model-cache-dir': { type: 'string' },
        'storage-concurrency': { type: 'string' },
        'storage-max-attempts': { type: 'string' },
        'storage-ca-bundle': { type: 'string' },
        'max-unpacked-size': { type: 'string' },
        'pvc-mount-root': { type: 'string' },
        'metrics-port': { type: 'string' },
        'disable-metrics': { type: 'boolean' },
        'max-batch-size': { type: 'string' },
        'max-latency-ms': { type: 'string' },
        'preferred-batch-sizes': { type: 'string' },
        'log-url': { type: 'string' },
        'log-mode': { type: 'string' },
        'log-metadata-headers': { type: 'string' },
        'log-metadata-annotations': { type: 'string' },
        'log-source-uri': { type: 'string' },
        'log-inference-service': { type: 'string' },
        'log-namespace': { type: 'string' },
        'log-component': { type: 'string' },
        'log-endpoint': { type: 'string' },
        'log-queue-size': { type: 'string' },
        'log-pipeline-depth': { type: 'string' },
        'log-batch-delay-ms': { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        'trace-sample-ratio': { type: 'string' },
        'trace-service-name': { type: 'string' },
        'execution-provider': { type: 'string' },
        'intra-op-threads': { type: 'string' },
        'inter-op-threads': { type: 'string' },
        'thread-spinning': { type: 'string' },
        'drain-seconds': { type: 'string' },
        'shutdown-timeout-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }));
  }
}

/** node:util's messages name the culprit but advise about positionals, which serve never takes. */
function describeParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'; serve takes only options`;
    default:
      return error.message;
  }
}

type SpelledOption =
  | 'model-name'
  | 'model_name'
  | 'model-dir'
  | 'model_dir'
  | 'http-port'
  | 'http_port'
  | 'grpc-port'
  | 'grpc_port'
  | 'model-repository'
  | 'model_repository';

/** Reads an option that has a dash and a KServe underscore spelling; giving both is ambiguous. */
function oneOf(values: ParsedValues, dashed: SpelledOption, underscored: SpelledOption) {
  const dashedValue = values[dashed];
  const underscoredValue = values[underscored];
  if (dashedValue !== undefined && underscoredValue !== undefined) {
    throw new UsageError(`--${dashed} and --${underscored} are the same option; give it once`);
  }
  if (dashedValue !== undefined) return { flag: `--${dashed}`, value: dashedValue };
  if (underscoredValue !== undefined) return { flag: `--${underscored}`, value: underscoredValue };
  return undefined;
}

function parseModels(values: ParsedValues, env: NodeJS.ProcessEnv, cwd: string, mayStartEmpty: boolean): ModelSource[] {
  const models = (values.model ?? []).map((spec) => parseModelSpec('--model', spec, cwd));
  const modelName = oneOf(values, 'model-name', 'model_name');
  const modelDir = oneOf(values, 'model-dir', 'model_dir');
  if (modelName !== undefined && modelDir === undefined) {
    throw new UsageError(`${modelName.flag} needs --model-dir (the model's path or URI)`);
  }
  if (modelDir !== undefined) {
    models.push(toModelSource(modelDir.flag, modelName?.value ?? KSERVE_DEFAULT_MODEL_NAME, modelDir.value, cwd));
  }
  if (models.length === 0 && env.KFS_MODELS !== undefined) {
    for (const spec of env.KFS_MODELS.split(',')) {
      if (spec.trim() !== '') models.push(parseModelSpec('KFS_MODELS', spec.trim(), cwd));
    }
  }
  // With a model repository or a model config the server may start empty: models arrive through the repository API.
  if (models.length === 0 && !mayStartEmpty) {
    throw new UsageError('no model to serve: give --model NAME=PATH_OR_URI (or --model-dir, or KFS_MODELS, or --model-repository, or --model-config)');
  }
  const seen = new Set<string>();
  for (const { name } of models) {
    if (seen.has(name)) throw new UsageError(`model '${name}' is given more than once`);
    seen.add(name);
  }
  return models;
}

function parseModelSpec(flag: string, spec: string, cwd: string): ModelSource {
  const separator = spec.indexOf('=');
  if (separator <= 0 || separator === spec.length - 1) {
    throw new UsageError(`${flag} expects NAME=PATH_OR_URI, got '${spec}'`);
  }
  return toModelSource(flag, spec.slice(0, separator), spec.slice(separator + 1), cwd);
}

function toModelSource(flag: string, name: string, uri: string, cwd: string): ModelSource {
  try {
    assertValidModelName(name);
    return { name, uri: normalizeModelUri(uri, cwd) };
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function toRepositoryUri(flag: string, uri: string, cwd: string): string {
  try {
    return normalizeModelUri(uri, cwd);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function parseHttpUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${flag} must be an http:// or https:// URL, got '${value}'`);
  }
  return value;
}

function parsePort(flag: string, value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535)) throw new UsageError(`${flag} must be a port number from 0 to 65535, got '${value}'`);
  return port;
}

function parsePositiveInteger(flag: string, value: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number <= 0) {
    throw new UsageError(`${flag} must be a positive whole number of bytes, got '${value}'`);
  }
  return number;
}
