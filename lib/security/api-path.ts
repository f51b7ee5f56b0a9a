import { ValidationError, quote } from '../_validation';

/**
 * A set of request paths an authorization rule applies to, in Istio's path syntax (exact, `prefix*` or
 * `*suffix`). The constants cover the v1 and v2 inference protocols over HTTP and gRPC.
 */
export class ApiPath {
  /** Inference: v1 `…:predict`, v2 `…/infer` and the v2 gRPC `ModelInfer` method. */
  public static readonly PREDICT = new ApiPath('predict', ['*:predict', '*/infer', '/inference.GRPCInferenceService/ModelInfer']);
  /** Explanations: v1 `…:explain`. */
  public static readonly EXPLAIN = new ApiPath('explain', ['*:explain']);
  /**
   * The v2 model-repository extension (load, unload, index) over HTTP and gRPC — the paths that change
   * what a server serves, and so the ones to lock down first.
   */
  public static readonly REPOSITORY = new ApiPath('repository', [
    '/v2/repository/*',
    '/inference.GRPCInferenceService/RepositoryIndex',
    '/inference.GRPCInferenceService/RepositoryModelLoad',
    '/inference.GRPCInferenceService/RepositoryModelUnload',
  ]);
  /** Server and model health: v2 `/v2/health/…` and the gRPC `ServerLive`, `ServerReady`, `ModelReady` methods. */
  public static readonly HEALTH = new ApiPath('health', [
    '/v2/health/*',
    '/inference.GRPCInferenceService/ServerLive',
    '/inference.GRPCInferenceService/ServerReady',
    '/inference.GRPCInferenceService/ModelReady',
  ]);

  /** One exact path, e.g. `/v1/models/iris`. */
  public static exact(path: string): ApiPath {
    checkPath(path);
    return new ApiPath(path, [path]);
  }

  /** Every path under a prefix, e.g. `/v2/models/` → `/v2/models/*`. */
  public static prefix(prefix: string): ApiPath {
    checkPath(prefix);
    return new ApiPath(`${prefix}*`, [`${prefix}*`]);
  }

  /** Every path ending in a suffix, e.g. `:predict` → `*:predict`. */
  public static suffix(suffix: string): ApiPath {
    if (suffix.length === 0 || suffix.includes('*')) {
      throw new ValidationError(`ApiPath.suffix: suffix (${quote(suffix)}) must be non-empty and contain no '*'; use e.g. ':predict'`);
    }
    return new ApiPath(`*${suffix}`, [`*${suffix}`]);
  }

  private constructor(
    /** A short description for messages and docs. */
    public readonly description: string,
    /** The Istio path patterns. */
    public readonly patterns: string[],
  ) {}
}

function checkPath(path: string): void {
  if (!path.startsWith('/') || path.includes('*') || /\s/.test(path)) {
    throw new ValidationError(`ApiPath: path (${quote(path)}) must start with '/' and contain no '*' or spaces; use ApiPath.prefix or ApiPath.suffix for wildcards`);
  }
}
