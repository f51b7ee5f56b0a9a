/**
 * Path-based routing on a shared host, as KServe's `pathTemplate` does: requests to
 * `https://<host><pathPrefix>/v2/models/iris/infer` reach the InferenceService as `/v2/models/iris/infer`.
 */
export interface PathRouting {
  /** The shared external host, e.g. `models.example.com`. */
  readonly host: string;

  /**
   * The path prefix of this InferenceService on the host (no trailing `/`).
   * @default '/serving/<namespace>/<name>' (KServe's documented pathTemplate)
   */
  readonly pathPrefix?: string;
}
