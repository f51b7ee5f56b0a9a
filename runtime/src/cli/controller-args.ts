import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { ControllerOptions } from '../controller/controller';
import { type ControllerConfig, parseControllerConfig } from '../controller/controller-config';
import { type ControllerLogLevel, LOG_LEVELS } from '../controller/logger';
import { UsageError } from './usage';

/**
 * What `kfs-runtime controller …` asked for, before anything connects to a cluster: the controller's
 * own options as they are, and what becomes the rest of them once there is a cluster to talk to.
 */
export interface ControllerCommand extends Pick<ControllerOptions, TimingAndIdentity> {
  readonly help: boolean;
  /** Undefined only with `--help`. */
  readonly config?: ControllerConfig;
  readonly kubeconfigFile?: string;
  /** Undefined when neither the flag, POD_NAMESPACE nor the in-cluster namespace file says it. */
  readonly leaseNamespace?: string;
  readonly logLevel: ControllerLogLevel;
}

type TimingAndIdentity = 'leaseName' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'resyncPeriodMs' | 'workers' | 'healthPort' | 'healthHost';

const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Parses the arguments after `controller` (and POD_NAME, POD_NAMESPACE, KUBECONFIG), reading and
 * checking the configuration file.
 *
 * @throws UsageError naming the flag and the bad value.
 */
export function parseControllerArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ControllerCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        kubeconfig: { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        'resync-period': { type: 'string' },
        workers: { type: 'string' },
        'health-port': { type: 'string' },
        'health-host': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const quoted = /'([^']*)'/.exec((error as Error).message)?.[1];
    throw new UsageError((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option '${quoted}'` : (error as Error).message);
  }
  const string = (name: string) => values[name] as string | undefined;
  const leaseDurationMs = parseDuration('--lease-duration', string('lease-duration') ?? '15s');
  const renewDeadlineMs = string('renew-deadline') === undefined ? Math.round((leaseDurationMs * 2) / 3) : parseDuration('--renew-deadline', string('renew-deadline')!);
  const retryPeriodMs = string('retry-period') === undefined ? Math.round((leaseDurationMs * 2) / 15) : parseDuration('--retry-period', string('retry-period')!);
  const common = {
    leaseName: string('lease-name') ?? 'kfs-model-controller',
    identity: string('identity') ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    resyncPeriodMs: parseDuration('--resync-period', string('resync-period') ?? '60s'),
    workers: parseWholeNumber('--workers', string('workers') ?? '4', 1),
    healthHost: string('health-host') ?? '0.0.0.0',
    logLevel: parseLogLevel(string('log-level') ?? 'info'),
  };
  if (values.help === true) return { help: true, ...common };
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new UsageError(`--renew-deadline (${renewDeadlineMs}ms) must be shorter than --lease-duration (${leaseDurationMs}ms)`);
  }
  if (retryPeriodMs >= renewDeadlineMs) {
    throw new UsageError(`--retry-period (${retryPeriodMs}ms) must be shorter than --renew-deadline (${renewDeadlineMs}ms)`);
  }
  const configFile = string('config');
  if (configFile === undefined) throw new UsageError('--config is required: the controller configuration file (written by the ModelController construct)');
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read '${configFile}': ${(error as Error).message}`);
  }
  let config: ControllerConfig;
  try {
    config = parseControllerConfig(text, configFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const healthPort = string('health-port');
  return {
    help: false,
    ...common,
    config,
    kubeconfigFile: string('kubeconfig') ?? (env.KUBECONFIG || undefined),
    leaseNamespace: string('lease-namespace') ?? (env.POD_NAMESPACE || readInClusterNamespace()),
    ...(healthPort === undefined ? {} : { healthPort: parseWholeNumber('--health-port', healthPort, 0, 65535) }),
  };
}

/** `500ms`, `15s`, `2m`, `1h`. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (match === null) throw new UsageError(`${flag} must be a duration like 500ms, 15s or 2m, got '${value}'`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new UsageError(`${flag} must be longer than zero, got '${value}'`);
  return Math.round(ms);
}

function parseWholeNumber(flag: string, value: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= minimum && number <= maximum)) throw new UsageError(`${flag} must be a whole number from ${minimum} to ${maximum}, got '${value}'`);
  return number;
}

function parseLogLevel(value: string): ControllerLogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  return value as ControllerLogLevel;
}

function readInClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
