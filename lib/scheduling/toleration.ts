import { Duration } from 'cdk8s';
import { TaintEffect } from 'cdk8s-plus-27';
import { ValidationError, isLabelValue, isQualifiedName, quote } from '../_validation';

/** Options of a toleration. */
export interface TolerationOptions {
  /**
   * The taint effect tolerated.
   * @default - every effect
   */
  readonly effect?: TaintEffect;

  /**
   * With `TaintEffect.NO_EXECUTE`: how long the pod stays on a node after the taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: Duration;
}

/**
 * A toleration of a node taint, e.g. the `nvidia.com/gpu` taint many clusters put on GPU nodes so
 * that only GPU workloads land there.
 */
export class Toleration {
  /** Tolerates a taint `key=value`. */
  public static equal(key: string, value: string, options: TolerationOptions = {}): Toleration {
    if (!isLabelValue(value)) {
      throw new ValidationError(`Toleration.equal: value (${quote(value)}) is not a label value; use at most 63 letters, digits, "-", "_" and "."`);
    }
    return new Toleration(checkKey(key), 'Equal', value, options);
  }

  /** Tolerates a taint with `key`, whatever its value. */
  public static exists(key: string, options: TolerationOptions = {}): Toleration {
    return new Toleration(checkKey(key), 'Exists', undefined, options);
  }

  /** The `nvidia.com/gpu:NoSchedule` taint GPU node pools commonly carry (GKE, AKS, the NVIDIA GPU operator docs). */
  public static nvidiaGpu(): Toleration {
    return Toleration.exists('nvidia.com/gpu', { effect: TaintEffect.NO_SCHEDULE });
  }

  private constructor(
    /** The taint key. */
    public readonly key: string,
    /** `Equal` or `Exists`. */
    public readonly operator: string,
    /** The taint value, for `Equal`. */
    public readonly value: string | undefined,
    private readonly options: TolerationOptions,
  ) {
    if (options.tolerationSeconds !== undefined && options.effect !== TaintEffect.NO_EXECUTE) {
      throw new ValidationError(`Toleration: tolerationSeconds (${quote(options.tolerationSeconds.toHumanString())}) applies only to the NoExecute effect; set effect: TaintEffect.NO_EXECUTE or remove tolerationSeconds`);
    }
  }

  /** The Kubernetes toleration. @internal */
  public _toKube(): { key: string; operator: string; value?: string; effect?: string; tolerationSeconds?: number } {
    // No undefined fields: Knative's schema types tolerations as `any`, so nothing would strip them.
    return JSON.parse(JSON.stringify({
      key: this.key,
      operator: this.operator,
      value: this.value,
      effect: this.options.effect,
      tolerationSeconds: this.options.tolerationSeconds?.toSeconds(),
    }));
  }
}

function checkKey(key: string): string {
  if (!isQualifiedName(key)) {
    throw new ValidationError(`Toleration: key (${quote(key)}) is not a taint key; write it as [prefix/]name, e.g. 'nvidia.com/gpu'`);
  }
  return key;
}
