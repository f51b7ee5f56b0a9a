import { ValidationError, quote } from '../_validation';

// An OCI image reference: optional registry host[:port], a repository path, then a tag, a digest or both.
const IMAGE_REFERENCE = /^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A container image reference for a model server, validated at synth time. */
export class RuntimeImage {
  /**
   * An image by reference, e.g. `ghcr.io/acme/kfs-runtime:0.1.0` or `…@sha256:<digest>`.
   */
  public static fromRegistry(reference: string): RuntimeImage {
    if (!IMAGE_REFERENCE.test(reference) || reference.length > 255) {
      throw new ValidationError(`RuntimeImage.fromRegistry: reference (${quote(reference)}) is not an image reference; write it as [registry/]repository[:tag][@sha256:digest], e.g. 'ghcr.io/acme/kfs-runtime:0.1.0'`);
    }
    return new RuntimeImage(reference);
  }

  /**
   * An image pinned by content digest, so every pod runs exactly the bytes you tested.
   * @param repository e.g. `ghcr.io/acme/kfs-runtime`
   * @param digest `sha256:` followed by 64 hex digits
   */
  public static fromDigest(repository: string, digest: string): RuntimeImage {
    if (!SHA256_DIGEST.test(digest)) {
      throw new ValidationError(`RuntimeImage.fromDigest: digest (${quote(digest)}) is not a sha256 digest; write it as 'sha256:' followed by 64 lowercase hex digits`);
    }
    return RuntimeImage.fromRegistry(`${repository.replace(/:[\w][\w.-]*$/, '')}@${digest}`);
  }

  private constructor(
    /** The full image reference, as it goes into the pod spec. */
    public readonly reference: string,
  ) {}

  /** True when the reference pins a digest. */
  public get isPinned(): boolean {
    return this.reference.includes('@sha256:');
  }

  /** The same repository with `suffix` appended to its tag (KServe's `-gpu` image variants). */
  public withTagSuffix(suffix: string): RuntimeImage {
    if (this.isPinned) return this;
    const tagged = /:[\w][\w.-]*$/.test(this.reference.split('/').pop() ?? '') ? this.reference : `${this.reference}:latest`;
    return RuntimeImage.fromRegistry(`${tagged}${suffix}`);
  }

  public toString(): string {
    return this.reference;
  }
}

/** The release of this library; the bundled runtime image carries the same version. */
export const KFS_RUNTIME_VERSION = '0.1.0';

/** The bundled model server image that `ModelFormat.ONNX` predictors run by default. */
export const DEFAULT_KFS_RUNTIME_IMAGE = RuntimeImage.fromRegistry(`ghcr.io/cdk8s-kfserving/kfs-runtime:${KFS_RUNTIME_VERSION}`);
