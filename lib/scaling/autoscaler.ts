import { Duration } from 'cdk8s';
import { Trigger } from './trigger';

/** Which autoscaler runs a raw-mode component (KServe's `serving.kserve.io/autoscalerClass`). */
export enum AutoscalerClass {
  /** A Kubernetes HorizontalPodAutoscaler on CPU or memory. */
  HPA = 'hpa',
  /** A KEDA ScaledObject with triggers. */
  KEDA = 'keda',
  /** No autoscaler: a fixed `minReplicas` replicas. */
  NONE = 'none',
}

/** A KEDA ScaledObject for a raw-mode component. */
export interface KedaAutoscalerOptions {
  /** What to scale on; at least one. */
  readonly triggers: Trigger[];

  /**
   * How often KEDA checks the triggers.
   * @default - KEDA's default (30 seconds)
   */
  readonly pollingInterval?: Duration;

  /**
   * How long after the last active trigger KEDA waits before scaling to zero (only with `minReplicas: 0`).
   * @default - KEDA's default (300 seconds)
   */
  readonly cooldownPeriod?: Duration;

  /**
   * How long the HorizontalPodAutoscaler KEDA drives waits before acting on a lower replica count.
   * @default Duration.seconds(300) (KServe's `autoscaler.scaleDownStabilizationWindowSeconds`)
   */
  readonly scaleDownStabilizationWindow?: Duration;

  /**
   * How long it waits before acting on a higher replica count.
   * @default Duration.seconds(0) (KServe's `autoscaler.scaleUpStabilizationWindowSeconds`)
   */
  readonly scaleUpStabilizationWindow?: Duration;
}

/**
 * The autoscaler of a component in raw deployment mode (`DeploymentMode.RAW`). Knative mode has its
 * own autoscaler, steered by `scaleMetric` and `knativeScaling`.
 */
export class Autoscaler {
  /**
   * A Kubernetes HorizontalPodAutoscaler (`autoscaling/v2`) on the component's `scaleMetric`
   * (`ScalingMetric.cpu` or `.memory`; CPU at 80 % when unset, as KServe does). Never scales to zero.
   */
  public static hpa(): Autoscaler {
    return new Autoscaler(AutoscalerClass.HPA);
  }

  /** A KEDA ScaledObject; with a trigger that can wake the component it can scale to zero. */
  public static keda(options: KedaAutoscalerOptions): Autoscaler {
    return new Autoscaler(AutoscalerClass.KEDA, options);
  }

  /** No autoscaler: the Deployment runs `minReplicas` replicas. */
  public static none(): Autoscaler {
    return new Autoscaler(AutoscalerClass.NONE);
  }

  private constructor(
    /** Which autoscaler. */
    public readonly autoscalerClass: AutoscalerClass,
    /** KEDA options, for `keda`. */
    public readonly kedaOptions?: KedaAutoscalerOptions,
  ) {}
}
