import type { RequestTrace } from '../../tracing/request-trace';

/**
 * Per-message context the gRPC interceptors hand to the service handlers. grpc-js gives handlers
 * only the deserialized message, so interceptors key what they learned by that message object.
 */
const traces = new WeakMap<object, RequestTrace>();

export function attachTrace(message: object, requestTrace: RequestTrace): void {
  traces.set(message, requestTrace);
}

/** The trace an interceptor started for this request message, if tracing is on. */
export function traceOf(message: object): RequestTrace | undefined {
  return traces.get(message);
}
