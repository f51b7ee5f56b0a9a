import { Size, SizeRoundingBehavior } from 'cdk8s';
import { ValidationError, quote } from '../_validation';

/** What a component scales on. */
export enum ScalingMetricType {
  /** In-flight requests per replica (Knative KPA). */
  CONCURRENCY = 'concurrency',
  /** Requests per second per replica (Knative KPA). */
  RPS = 'rps',
  /** CPU use as a percentage of the CPU request (a HorizontalPodAutoscaler). */
  CPU = 'cpu',
  /** Average memory use per replica (a HorizontalPodAutoscaler). */
  MEMORY = 'memory',
}

/**
 * The metric and target a component scales on (KServe's `scaleMetric` + `scaleTarget` in one value).
 *
 * - `concurrency` and `rps` are request-based, so they work the same on CPU and GPU replicas; Knative's
 *   KPA scales on them, including to and from zero.
 * - `cpu` and `memory` are resource-based: Knative hands them to its HPA class
 *   (`hpa.autoscaling.knative.dev`), raw mode to a Kubernetes HorizontalPodAutoscaler. Neither scales to zero.
 */
export class ScalingMetric {
  /** Target this many in-flight requests per replica (a soft target; `containerConcurrency` is the hard limit). */
  public static concurrency(target: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricType.CONCURRENCY, positive('concurrency', target), String(target));
  }

  /** Target this many requests per second per replica. */
  public static rps(target: number): ScalingMetric {
    return new ScalingMetric(ScalingMetricType.RPS, positive('rps', target), String(target));
  }

  /** Target this average CPU use, as a whole percentage (1–100) of the CPU request. */
  public static cpu(targetPercent: number): ScalingMetric {
    if (!Number.isInteger(targetPercent) || targetPercent < 1 || targetPercent > 100) {
      throw new ValidationError(`ScalingMetric.cpu: targetPercent (${quote(targetPercent)}) is not a whole percentage from 1 to 100; use e.g. ScalingMetric.cpu(80)`);
    }
    return new ScalingMetric(ScalingMetricType.CPU, targetPercent, `${targetPercent}%`);
  }

  /** Target this average memory use per replica, in whole mebibytes (Knative's unit for memory targets). */
  public static memory(target: Size): ScalingMetric {
    const mebibytes = target.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mebibytes) || mebibytes < 1) {
      throw new ValidationError(`ScalingMetric.memory: target (${quote(`${mebibytes}Mi`)}) is not a whole number of mebibytes of at least 1; use e.g. ScalingMetric.memory(Size.mebibytes(512))`);
    }
    return new ScalingMetric(ScalingMetricType.MEMORY, mebibytes, `${mebibytes}Mi`);
  }

  private constructor(
    /** The metric. */
    public readonly type: ScalingMetricType,
    /** The target: requests for concurrency, requests per second for rps, percent for cpu, mebibytes for memory. */
    public readonly target: number,
    /** The target as messages quote it, e.g. `10`, `80%` or `512Mi`. */
    public readonly targetString: string,
  ) {}

  /** Whether Knative's KPA (request-based, can scale to zero) handles this metric. */
  public get isRequestBased(): boolean {
    return this.type === ScalingMetricType.CONCURRENCY || this.type === ScalingMetricType.RPS;
  }

  /** How messages quote the metric, e.g. `rps 5`. */
  public toString(): string {
    return `${this.type} ${this.targetString}`;
  }
}

function positive(factory: string, target: number): number {
  // Knative's smallest target is 0.01 (autoscaling.TargetMin).
  if (!Number.isFinite(target) || target < 0.01) {
    throw new ValidationError(`ScalingMetric.${factory}: target (${quote(target)}) is not a positive number of at least 0.01; use e.g. ScalingMetric.${factory}(10)`);
  }
  return target;
}
