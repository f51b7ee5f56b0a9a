import { ValidationError, isLabelValue, isQualifiedName, quote } from '../_validation';

/** Which GPUs a component may be scheduled on. */
export interface GpuOptions {
  /**
   * Only nodes whose GPU product label has one of these values, e.g. `NVIDIA-A100-SXM4-80GB` or
   * `Tesla-T4` for NVIDIA (the values GPU feature discovery writes to `nvidia.com/gpu.product`).
   * Rendered as required node affinity.
   * @default - any GPU of the resource
   */
  readonly products?: string[];
}

/** GPU options for a device-plugin resource the library does not know. */
export interface CustomGpuOptions extends GpuOptions {
  /**
   * Node label that carries the GPU product, needed when `products` is set.
   * @default - none; `products` cannot be used
   */
  readonly productLabel?: string;
}

/** NVIDIA GPU feature discovery's product label (part of the NVIDIA GPU operator / device plugin). */
const NVIDIA_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** The AMD GPU node labeller's product label. */
const AMD_PRODUCT_LABEL = 'amd.com/gpu.product-name';

/**
 * GPUs for a container, as an extended resource limit (`nvidia.com/gpu: 1`), optionally restricted to
 * some GPU products through node affinity on the vendor's standard node label.
 *
 * Built through the typed API on purpose: a JSON patch that adds an extended-resource limit to a
 * generated Knative object is silently dropped by its converters.
 */
export class Gpu {
  /** NVIDIA GPUs (`nvidia.com/gpu`), scheduled by the NVIDIA device plugin. */
  public static nvidia(count: number, options: GpuOptions = {}): Gpu {
    return new Gpu('nvidia.com/gpu', count, options.products ?? [], NVIDIA_PRODUCT_LABEL);
  }

  /** AMD GPUs (`amd.com/gpu`). */
  public static amd(count: number, options: GpuOptions = {}): Gpu {
    return new Gpu('amd.com/gpu', count, options.products ?? [], AMD_PRODUCT_LABEL);
  }

  /** Intel GPUs (`gpu.intel.com/i915`). */
  public static intel(count: number): Gpu {
    return new Gpu('gpu.intel.com/i915', count, []);
  }

  /** Any other device-plugin resource, e.g. `nvidia.com/mig-1g.10gb`. */
  public static of(resourceName: string, count: number, options: CustomGpuOptions = {}): Gpu {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(resourceName)) {
      throw new ValidationError(`Gpu.of: resourceName (${quote(resourceName)}) is not an extended resource name; write it as <vendor-domain>/<resource>, e.g. 'nvidia.com/gpu'`);
    }
    if (options.productLabel !== undefined && !isQualifiedName(options.productLabel)) {
      throw new ValidationError(`Gpu.of: productLabel (${quote(options.productLabel)}) is not a label key; write it as [prefix/]name, e.g. 'nvidia.com/gpu.product'`);
    }
    if ((options.products ?? []).length > 0 && options.productLabel === undefined) {
      throw new ValidationError(`Gpu.of: products (${quote(options.products)}) need productLabel, the node label that carries the product; set productLabel, e.g. 'nvidia.com/gpu.product'`);
    }
    return new Gpu(resourceName, count, options.products ?? [], options.productLabel);
  }

  /** GPU products the component may run on; empty means any. */
  public readonly products: string[];

  private constructor(
    /** The extended resource name, e.g. `nvidia.com/gpu`. */
    public readonly resourceName: string,
    /** How many devices. */
    public readonly count: number,
    products: string[],
    /** The node label that names the GPU product, when the vendor has one. */
    public readonly productLabel?: string,
  ) {
    if (!Number.isInteger(count) || count < 1) {
      throw new ValidationError(`Gpu: count (${quote(count)}) is not a positive whole number; request at least 1 GPU, or leave gpu unset for none`);
    }
    for (const product of products) {
      if (product === '' || !isLabelValue(product)) {
        throw new ValidationError(`Gpu: products (${quote(product)}) is not a node label value; use the label's value as the node shows it, e.g. 'NVIDIA-A100-SXM4-80GB'`);
      }
    }
    this.products = [...new Set(products)].sort();
  }
}
