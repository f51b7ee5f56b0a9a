import { Construct } from 'constructs';
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

  /**
   * Makes `image` the kfs-runtime image of every InferenceService created below `scope` that does
   * not pick its own with `ModelRuntime.withImage`: a mirror, or the digest `npm run image` printed.
   * Call it on the App (or a Chart) before adding children; it stores the reference as construct
   * context under {@link KFS_RUNTIME_IMAGE_CONTEXT_KEY}, so `app.node.setContext(key, '<reference>')`
   * does the same.
   */
  public static setKfsRuntimeDefault(scope: Construct, image: RuntimeImage): void {
    scope.node.setContext(KFS_RUNTIME_IMAGE_CONTEXT_KEY, image.reference);
  }

  /**
   * The kfs-runtime image in effect at `scope`: the construct context set by
   * {@link RuntimeImage.setKfsRuntimeDefault} on it or an ancestor, else {@link DEFAULT_KFS_RUNTIME_IMAGE}.
   */
  public static kfsRuntimeDefaultAt(scope: Construct): RuntimeImage {
    const value: unknown = scope.node.tryGetContext(KFS_RUNTIME_IMAGE_CONTEXT_KEY);
    if (value === undefined) return DEFAULT_KFS_RUNTIME_IMAGE;
    if (typeof value !== 'string' || !IMAGE_REFERENCE.test(value) || value.length > 255) {
      throw new ValidationError(`construct context '${KFS_RUNTIME_IMAGE_CONTEXT_KEY}' (${quote(value)}) is not an image reference; set it to [registry/]repository[:tag][@sha256:digest], e.g. 'registry.example.com/kfs-runtime@sha256:<digest printed by npm run image>'`);
    }
    return new RuntimeImage(value);
  }

  private constructor(
    /** The full image reference, as it goes into the pod spec. */
    public readonly reference: string,
  ) {}

  /** True when the reference pins a digest. */
  public get isPinned(): boolean {
    return this.reference.includes('@sha256:');
  }

  /** The pinned digest (`sha256:…`), or undefined for a tag-only reference. */
  public get digest(): string | undefined {
    const at = this.reference.indexOf('@');
    return at === -1 ? undefined : this.reference.slice(at + 1);
  }

  /**
   * The same image pinned to `digest`, keeping the tag as a readable hint (`repo:0.1.0@sha256:…`;
   * runtimes pull by the digest and ignore the tag). Replaces a digest already there.
   * @param digest `sha256:` followed by 64 hex digits, e.g. what `npm run image` printed
   */
  public withDigest(digest: string): RuntimeImage {
    if (!SHA256_DIGEST.test(digest)) {
      throw new ValidationError(`RuntimeImage.withDigest: digest (${quote(digest)}) is not a sha256 digest; write it as 'sha256:' followed by 64 lowercase hex digits`);
    }
    const unpinned = this.reference.split('@')[0];
    return RuntimeImage.fromRegistry(`${unpinned}@${digest}`);
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

/** Construct context key read by {@link RuntimeImage.kfsRuntimeDefaultAt}: an image reference string. */
export const KFS_RUNTIME_IMAGE_CONTEXT_KEY = 'cdk8s-kfserving:kfsRuntimeImage';

/** The release of this library; the bundled runtime image carries the same version. */
export const KFS_RUNTIME_VERSION = '0.1.0';

/**
 * The bundled model server image that `ModelFormat.ONNX` predictors run by default (built by
 * `npm run image`). Replace it for a whole app with {@link RuntimeImage.setKfsRuntimeDefault}, or for
 * one predictor with `ModelRuntime.KFS_RUNTIME.withImage(...)`.
 */
export const DEFAULT_KFS_RUNTIME_IMAGE = RuntimeImage.fromRegistry(`ghcr.io/cdk8s-kfserving/kfs-runtime:${KFS_RUNTIME_VERSION}`);
