import { Duration } from 'cdk8s';

/**
 * Tuning of Knative's autoscaler for one component, written as `autoscaling.knative.dev/*`
 * annotations on the revision template (where Knative reads them; on the Service they are ignored).
 * Knative mode only. Every option left unset falls back to the cluster's `config-autoscaler`.
 *
 * @see https://knative.dev/docs/serving/autoscaling/
 */
export interface KnativeScalingOptions {
  /**
   * Replicas a new revision starts with before the autoscaler takes over (`initial-scale`).
   * `0` needs `allow-zero-initial-scale: "true"` in config-autoscaler.
   * @default - config-autoscaler `initial-scale` (1)
   */
  readonly initialReplicas?: number;

  /**
   * Fraction of the target the autoscaler actually aims for, as a percentage from 1 to 100
   * (`target-utilization-percentage`); headroom for bursts. KPA metrics (concurrency, rps) only.
   * @default - config-autoscaler `container-concurrency-target-percentage` (70)
   */
  readonly targetUtilizationPercentage?: number;

  /**
   * How long load must stay low before the replica count goes down (`scale-down-delay`), from 0 to
   * 1 hour in whole seconds. Avoids cold starts for bursty traffic. KPA metrics only.
   * @default - config-autoscaler `scale-down-delay` (0s)
   */
  readonly scaleDownDelay?: Duration;

  /**
   * How long the last replica is kept after the revision decided to scale to zero
   * (`scale-to-zero-pod-retention-period`), from 0 to 1 hour in whole seconds: a per-revision grace
   * before scale to zero. KPA metrics only.
   * @default - config-autoscaler `scale-to-zero-pod-retention-period` (0s)
   */
  readonly scaleToZeroPodRetentionPeriod?: Duration;

  /**
   * The stable window the autoscaler averages the metric over (`window`), from 6 seconds to 1 hour
   * in whole seconds. KPA metrics only.
   * @default - config-autoscaler `stable-window` (60s)
   */
  readonly stableWindow?: Duration;

  /**
   * The panic window as a percentage of the stable window (`panic-window-percentage`), from 1 to 100.
   * KPA metrics only.
   * @default - config-autoscaler `panic-window-percentage` (10)
   */
  readonly panicWindowPercentage?: number;

  /**
   * Load, as a percentage of what the current replicas can take, above which the autoscaler panics
   * and scales up at once (`panic-threshold-percentage`), from 110 to 1000. KPA metrics only.
   * @default - config-autoscaler `panic-threshold-percentage` (200)
   */
  readonly panicThresholdPercentage?: number;
}
