/** 2^56: trace ids' last 56 bits are random (W3C Trace Context level 2), read as a fraction of this. */
const RANDOM_SPAN = 2 ** 56;

/**
 * Whether to trace a request: the caller's decision when it made one, else a share `ratio` (0 to 1)
 * of traces, chosen by the trace id's random last 56 bits, so every process that samples a trace
 * by ratio this way agrees about the same trace (OpenTelemetry's consistent probability sampling).
 */
export function isSampled(callerDecision: boolean | undefined, traceId: Buffer, ratio: number): boolean {
  if (callerDecision !== undefined) return callerDecision;
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  const random = traceId.readUIntBE(9, 3) * 2 ** 32 + traceId.readUInt32BE(12);
  return random < ratio * RANDOM_SPAN;
}
