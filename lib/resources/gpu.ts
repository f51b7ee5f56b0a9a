import { ValidationError, quote } from '../_validation';

/**
 * GPUs for a container, as an extended resource limit (`nvidia.com/gpu: 1`).
 *
 * Built through the typed API on purpose: a JSON patch that adds an extended-resource limit to a
 * generated Knative object is silently dropped by its converters.
 */
export class Gpu {
  /** NVIDIA GPUs (`nvidia.com/gpu`), scheduled by the NVIDIA device plugin. */
  public static nvidia(count: number): Gpu {
    return new Gpu('nvidia.com/gpu', count);
  }

  /** AMD GPUs (`amd.com/gpu`). */
  public static amd(count: number): Gpu {
    return new Gpu('amd.com/gpu', count);
  }

  /** Intel GPUs (`gpu.intel.com/i915`). */
  public static intel(count: number): Gpu {
    return new Gpu('gpu.intel.com/i915', count);
  }

  /** Any other device-plugin resource, e.g. `nvidia.com/mig-1g.10gb`. */
  public static of(resourceName: string, count: number): Gpu {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(resourceName)) {
      throw new ValidationError(`Gpu.of: resourceName (${quote(resourceName)}) is not an extended resource name; write it as <vendor-domain>/<resource>, e.g. 'nvidia.com/gpu'`);
    }
    return new Gpu(resourceName, count);
  }

  private constructor(
    /** The extended resource name, e.g. `nvidia.com/gpu`. */
    public readonly resourceName: string,
    /** How many devices. */
    public readonly count: number,
  ) {
    if (!Number.isInteger(count) || count < 1) {
      throw new ValidationError(`Gpu: count (${quote(count)}) is not a positive whole number; request at least 1 GPU, or leave gpu unset for none`);
    }
  }
}
