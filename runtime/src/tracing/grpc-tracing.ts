import { type Metadata, type ServerInterceptor, ServerInterceptingCall, status as GrpcStatus } from '@grpc/grpc-js';
import { attachTrace } from '../server/grpc/call-context';
import type { RequestTrace } from './request-trace';
import type { InferenceTracing } from './tracing';

/** A propagation header from gRPC metadata (binary values never carry one). */
function metadataHeader(metadata: Metadata): (name: string) => readonly string[] | undefined {
  return (name) => {
    const values = metadata.get(name).map((value) => value.toString());
    return values.length === 0 ? undefined : values;
  };
}

/** Liveness, readiness and health checks are probes: no span each. */
const UNTRACED = new Set([
  '/inference.GRPCInferenceService/ServerLive',
  '/inference.GRPCInferenceService/ServerReady',
  '/inference.GRPCInferenceService/ModelReady',
  '/grpc.health.v1.Health/Check',
]);

/**
 * The gRPC side of tracing, as a server interceptor: a server span per call from the caller's
 * metadata (`traceparent`, B3), handed to the handler through the request message, ended with the
 * call's status. Any status but OK marks the span failed.
 */
export function grpcTracingInterceptor(tracing: InferenceTracing): ServerInterceptor {
  return (method, call) => {
    if (UNTRACED.has(method.path)) return new ServerInterceptingCall(call);
    let requestTrace: RequestTrace | undefined;
    const [service, rpc] = method.path.slice(1).split('/');
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            requestTrace = tracing.startRequest(metadataHeader(metadata), method.path.slice(1), { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': rpc });
            nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            if (requestTrace !== undefined && typeof message === 'object' && message !== null) attachTrace(message, requestTrace);
            nextMessage(message);
          },
        }),
      sendStatus: (status, next) => {
        if (requestTrace !== undefined) {
          tracing.endRequest(requestTrace, { 'rpc.grpc.status_code': status.code }, status.code === GrpcStatus.OK ? undefined : (status.details ?? `gRPC status ${status.code}`));
        }
        next(status);
      },
    });
  };
}
