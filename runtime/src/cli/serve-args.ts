import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { assertValidModelName } from '../models/model-name';
import type { ModelSource } from '../models/model';
import { normalizeModelUri } from '../models/storage';
import type { ServeOptions } from '../start-server';
import { UsageError } from './usage';

/** What `kfs-runtime serve …` asked for: help, or a server to start. */
export type ServeCommand = { readonly help: true } | { readonly help: false; readonly options: ServeOptions };

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
  const options: ServeOptions = {
    models: parseModels(values, env, cwd, modelRepository !== undefined),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(httpPort === undefined ? {} : { httpPort: parsePort(httpPort.flag, httpPort.value) }),
    ...(grpcPort === undefined ? {} : { grpcPort: parsePort(grpcPort.flag, grpcPort.value) }),
    ...(bodyLimit === undefined ? {} : { bodyLimitBytes: parsePositiveInteger('--http-max-input-size', bodyLimit) }),
    ...(grpcLimit === undefined ? {} : { grpcMaxMessageBytes: parsePositiveInteger('--grpc-max-message-size', grpcLimit) }),
    ...(modelRepository === undefined ? {} : { modelRepository: toRepositoryUri(modelRepository.flag, modelRepository.value, cwd) }),
    ...(explainerUrl === undefined ? {} : { explainerUrl: parseHttpUrl('--explainer-url', explainerUrl) }),
    storage: parseStorageOptions(values, env, cwd),
  };
  return { help: false, options };
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
        host: { type: 'string' },
        'http-max-input-size': { type: 'string' },
        'model-cache-dir': { type: 'string' },
        'storage-concurrency': { type: 'string' },
        'storage-max-attempts': { type: 'string' },
        'storage-ca-bundle': { type: 'string' },
        'max-unpacked-size': { type: 'string' },
        'pvc-mount-root': { type: 'string' },
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

function parseModels(values: ParsedValues, env: NodeJS.ProcessEnv, cwd: string, hasModelRepository: boolean): ModelSource[] {
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
  // With a model repository the server may start empty: models arrive through the repository API.
  if (models.length === 0 && !hasModelRepository) {
    throw new UsageError('no model to serve: give --model NAME=PATH_OR_URI (or --model-dir, or KFS_MODELS, or --model-repository)');
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
