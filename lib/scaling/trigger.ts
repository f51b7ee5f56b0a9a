import { Cron, Size, SizeRoundingBehavior } from 'cdk8s';
import { ValidationError, quote } from '../_validation';
import { PrometheusAuthentication } from './prometheus-authentication';

/** What a KEDA trigger reacts to. */
export enum TriggerType {
  CPU = 'cpu',
  MEMORY = 'memory',
  PROMETHEUS = 'prometheus',
  /** GPU utilization from the NVIDIA DCGM exporter, read through Prometheus. */
  GPU_UTILIZATION = 'gpuUtilization',
  CRON = 'cron',
}

/** A Prometheus query KEDA scales on. */
export interface PrometheusTriggerOptions {
  /** Prometheus' HTTP address, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly serverAddress: string;

  /** A PromQL query returning one number, e.g. the component's request rate. */
  readonly query: string;

  /**
   * The query's value one replica should take (KEDA `threshold`; replicas = ceil(value / threshold)).
   */
  readonly threshold: number;

  /**
   * The value above which the component wakes from zero (KEDA `activationThreshold`). Required to scale
   * to zero, and only meaningful then.
   * @default - none; the component cannot scale to zero on this trigger
   */
  readonly activationThreshold?: number;

  /**
   * Credentials for Prometheus.
   * @default - none
   */
  readonly authentication?: PrometheusAuthentication;
}

/** GPU utilization of the component's pods, from the NVIDIA DCGM exporter's `DCGM_FI_DEV_GPU_UTIL`. */
export interface GpuUtilizationTriggerOptions {
  /** Prometheus' HTTP address where the DCGM exporter's metrics are scraped. */
  readonly serverAddress: string;

  /** Average GPU utilization to aim for, as a whole percentage from 1 to 100. */
  readonly targetPercent: number;

  /**
   * Label that carries the pod name on DCGM series. kube-prometheus-stack scrapes may rename it to
   * `exported_pod`.
   * @default 'pod'
   */
  readonly podLabel?: string;

  /**
   * Label that carries the pod's namespace on DCGM series (`exported_namespace` in some setups).
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;

  /**
   * Credentials for Prometheus.
   * @default - none
   */
  readonly authentication?: PrometheusAuthentication;
}

/** A schedule during which KEDA keeps at least `desiredReplicas` replicas. */
export interface CronTriggerOptions {
  /** IANA time zone of the schedule, e.g. `Europe/Berlin` or `UTC`. */
  readonly timezone: string;
  /** When the window opens. */
  readonly start: Cron;
  /** When the window closes. */
  readonly end: Cron;
  /** Replicas to keep while the window is open. */
  readonly desiredReplicas: number;
}

/**
 * One KEDA trigger of `Autoscaler.keda(...)`.
 *
 * `cpu`, `memory` and `gpuUtilization` have no value while no pod runs, so they never wake a component
 * from zero; scale to zero needs a `prometheus` trigger with an activation threshold, or a `cron` window.
 */
export class Trigger {
  /** Average CPU use as a whole percentage (1–100) of the CPU request. */
  public static cpu(targetPercent: number): Trigger {
    percent('cpu', 'targetPercent', targetPercent);
    return new Trigger(TriggerType.CPU, { value: String(targetPercent) }, 'Utilization');
  }

  /** Average memory use per replica. */
  public static memory(target: Size): Trigger {
    const mebibytes = target.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mebibytes) || mebibytes < 1) {
      throw new ValidationError(`Trigger.memory: target (${quote(`${mebibytes}Mi`)}) is not a whole number of mebibytes of at least 1; use e.g. Trigger.memory(Size.gibibytes(1))`);
    }
    return new Trigger(TriggerType.MEMORY, { value: mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi` }, 'AverageValue');
  }

  /** A Prometheus query, e.g. the request rate from the runtime's own metrics. */
  public static prometheus(options: PrometheusTriggerOptions): Trigger {
    serverAddress('prometheus', options.serverAddress);
    if (options.query.trim() === '') {
      throw new ValidationError(`Trigger.prometheus: query (${quote(options.query)}) is empty; write a PromQL query that returns one number`);
    }
    positive('prometheus', 'threshold', options.threshold);
    if (options.activationThreshold !== undefined && (!Number.isFinite(options.activationThreshold) || options.activationThreshold < 0)) {
      throw new ValidationError(`Trigger.prometheus: activationThreshold (${quote(options.activationThreshold)}) is negative; use 0 or more`);
    }
    const metadata: { [key: string]: string } = {
      serverAddress: options.serverAddress,
      query: options.query,
      threshold: String(options.threshold),
    };
    if (options.activationThreshold !== undefined) metadata.activationThreshold = String(options.activationThreshold);
    return new Trigger(TriggerType.PROMETHEUS, metadata, undefined, options.authentication, options.activationThreshold);
  }

  /**
   * Average GPU utilization of the component's pods from the NVIDIA DCGM exporter (`DCGM_FI_DEV_GPU_UTIL`),
   * as a Prometheus trigger with metric type `Value`, so replicas follow utilization the way a CPU
   * HorizontalPodAutoscaler follows CPU.
   */
  public static gpuUtilization(options: GpuUtilizationTriggerOptions): Trigger {
    serverAddress('gpuUtilization', options.serverAddress);
    percent('gpuUtilization', 'targetPercent', options.targetPercent);
    const labels = { pod: options.podLabel ?? 'pod', namespace: options.namespaceLabel ?? 'namespace' };
    for (const [prop, label] of [['podLabel', labels.pod], ['namespaceLabel', labels.namespace]]) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) {
        throw new ValidationError(`Trigger.gpuUtilization: ${prop} (${quote(label)}) is not a Prometheus label name; use letters, digits and "_", e.g. 'exported_pod'`);
      }
    }
    return new Trigger(TriggerType.GPU_UTILIZATION, {
      serverAddress: options.serverAddress,
      threshold: String(options.targetPercent),
    }, 'Value', options.authentication, undefined, labels);
  }

  /** Keep `desiredReplicas` replicas between `start` and `end`, e.g. office hours. */
  public static cron(options: CronTriggerOptions): Trigger {
    if (!/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(options.timezone)) {
      throw new ValidationError(`Trigger.cron: timezone (${quote(options.timezone)}) is not an IANA time zone; use e.g. 'Europe/Berlin' or 'UTC'`);
    }
    if (!Number.isInteger(options.desiredReplicas) || options.desiredReplicas < 1) {
      throw new ValidationError(`Trigger.cron: desiredReplicas (${quote(options.desiredReplicas)}) is not a positive whole number; use 1 or more`);
    }
    return new Trigger(TriggerType.CRON, {
      timezone: options.timezone,
      start: options.start.expressionString,
      end: options.end.expressionString,
      desiredReplicas: String(options.desiredReplicas),
    });
  }

  private constructor(
    /** What the trigger reacts to. */
    public readonly type: TriggerType,
    /** KEDA metadata (without the query of `gpuUtilization`, which depends on the component). @internal */
    public readonly _metadata: { [key: string]: string },
    /** KEDA `metricType`, when not the scaler's default. @internal */
    public readonly _metricType?: string,
    /** Credentials for Prometheus. */
    public readonly authentication?: PrometheusAuthentication,
    /** The activation threshold of a `prometheus` trigger. */
    public readonly activationThreshold?: number,
    /** DCGM label names of a `gpuUtilization` trigger. @internal */
    public readonly _dcgmLabels?: { pod: string; namespace: string },
  ) {}

  /** Whether this trigger can wake a component from zero replicas. */
  public get canActivateFromZero(): boolean {
    return (this.type === TriggerType.PROMETHEUS && this.activationThreshold !== undefined) || this.type === TriggerType.CRON;
  }
}

function percent(factory: string, prop: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new ValidationError(`Trigger.${factory}: ${prop} (${quote(value)}) is not a whole percentage from 1 to 100; use e.g. 80`);
  }
}

function positive(factory: string, prop: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`Trigger.${factory}: ${prop} (${quote(value)}) is not a positive number; use e.g. 10`);
  }
}

function serverAddress(factory: string, address: string): void {
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(address)) {
    throw new ValidationError(`Trigger.${factory}: serverAddress (${quote(address)}) is not an http(s) URL; use e.g. 'http://prometheus.monitoring.svc:9090'`);
  }
}
