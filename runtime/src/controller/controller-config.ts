import { parseMemoryQuantity } from './quantity';

/**
 * What the controller knows about one multi-model InferenceService. There is no InferenceService
 * object in the cluster (cdk8s synth output is what runs), so the `ModelController` construct writes
 * this into the controller's configuration file (lib/multi-model/_controller-config.ts, same shape).
 */
export interface InferenceServiceConfig {
  readonly namespace: string;
  readonly name: string;
  /** The ConfigMap its predictor pods mount, `modelconfig-<name>-0`. */
  readonly modelConfigMap: string;
  /** The predictor container's memory limit in bytes. */
  readonly memoryLimitBytes: number;
  /** As written, e.g. `2Gi`, for messages. */
  readonly memoryLimit: string;
  /** Model formats the predictor's runtime serves. */
  readonly frameworks: readonly string[];
  readonly url: string;
  readonly clusterLocalUrl: string;
}

export interface ControllerConfig {
  readonly inferenceServices: readonly InferenceServiceConfig[];
}

/** `namespace/name`, the key of an InferenceService in the work queue and in maps. */
export function inferenceServiceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * Parses and checks the configuration file's JSON.
 *
 * @throws Error naming the file, the field and what is wrong.
 */
export function parseControllerConfig(text: string, source: string): ControllerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  if (!isObject(raw) || !Array.isArray(raw.inferenceServices)) {
    throw new Error(`${source}: expected an object with an 'inferenceServices' array`);
  }
  const seen = new Set<string>();
  const inferenceServices = raw.inferenceServices.map((entry: unknown, index: number) => {
    const where = `${source}: inferenceServices[${index}]`;
    if (!isObject(entry)) throw new Error(`${where} is not an object`);
    const text = (field: string): string => {
      const value = entry[field];
      if (typeof value !== 'string' || value === '') throw new Error(`${where}.${field} must be a non-empty string`);
      return value;
    };
    const frameworks = entry.frameworks;
    if (!Array.isArray(frameworks) || frameworks.length === 0 || !frameworks.every((f) => typeof f === 'string' && f !== '')) {
      throw new Error(`${where}.frameworks must be a non-empty list of format names`);
    }
    const memoryLimit = text('memoryLimit');
    let memoryLimitBytes: number;
    try {
      memoryLimitBytes = parseMemoryQuantity(memoryLimit);
    } catch (error) {
      throw new Error(`${where}.memoryLimit: ${(error as Error).message}`);
    }
    const config: InferenceServiceConfig = {
      namespace: text('namespace'),
      name: text('name'),
      modelConfigMap: text('modelConfigMap'),
      memoryLimit,
      memoryLimitBytes,
      frameworks: frameworks as string[],
      url: text('url').replace(/\/+$/, ''),
      clusterLocalUrl: text('clusterLocalUrl').replace(/\/+$/, ''),
    };
    const key = inferenceServiceKey(config.namespace, config.name);
    if (seen.has(key)) throw new Error(`${where}: InferenceService ${key} is listed twice`);
    seen.add(key);
    return config;
  });
  return { inferenceServices };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
