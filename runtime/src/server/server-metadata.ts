/**
 * Protocol extensions this build implements, by the names Triton's docs give them. Clients such as
 * perf_analyzer switch features on from this list, so it names exactly what works, on REST and gRPC:
 * - `binary_tensor_data`: HTTP binary tensor data extension (gRPC has raw contents);
 * - `model_repository`: index, load, unload;
 * - `model_configuration`: `…/config` and ModelConfig;
 * - `statistics`: `…/stats` and ModelStatistics.
 * Not implemented (so not listed): classification, sequence, schedule_policy, shared memory, trace, logging.
 */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics'];

/** The v2 server metadata object (`GET /v2`, gRPC ServerMetadata). */
export function serverMetadata(name: string, version: string) {
  return { name, version, extensions: SUPPORTED_EXTENSIONS };
}
