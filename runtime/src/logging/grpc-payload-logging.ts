import { randomUUID } from 'node:crypto';
import { type Metadata, type ServerInterceptor, ServerInterceptingCall } from '@grpc/grpc-js';
import type { PayloadLogger } from './payload-logger';

const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';
const MODEL_STREAM_INFER = '/inference.GRPCInferenceService/ModelStreamInfer';
const REQUEST_CONTENT_TYPE = 'application/x-protobuf; messageType=inference.ModelInferRequest';
const RESPONSE_CONTENT_TYPE = 'application/x-protobuf; messageType=inference.ModelInferResponse';
const STREAM_RESPONSE_CONTENT_TYPE = 'application/x-protobuf; messageType=inference.ModelStreamInferResponse';

/** A ModelStreamInferResponse as the handler writes it: an error travels in-band. */
interface StreamResponse {
  readonly error_message?: string;
}

/**
 * The gRPC side of request/response logging, as a server interceptor on ModelInfer and
 * ModelStreamInfer: the request and response messages are logged in their protobuf wire form
 * (re-serialized only when logging is on). A unary call's events take the `ce-id` metadata value
 * as their id when the caller sent one, else a new UUID. On a stream every request message is its
 * own inference, so each gets its own id (`<ce-id>-<n>` counting from 1 when the caller sent a
 * ce-id, else a new UUID) and the response written for it, which the stream sends in request
 * order, reuses it. Only successes are logged as responses, the gRPC twin of KServe's "200 only": a
 * unary response message is only sent on success, a stream response only without an in-band error.
 * grpc-js hands server interceptors the request deserializer only, so the service definition's
 * serializer is passed in.
 */
export function grpcPayloadLoggingInterceptor(logger: PayloadLogger, serializeRequest: (message: unknown) => Buffer): ServerInterceptor {
  return (method, call) => {
    const streaming = method.path === MODEL_STREAM_INFER;
    if (method.path !== MODEL_INFER && !streaming) return new ServerInterceptingCall(call);
    let metadata: Metadata | undefined;
    /** Ids of the requests not answered yet, oldest first (one at most on a unary call). */
    const unanswered: string[] = [];
    let received = 0;
    const header = (name: string) => {
      const values = metadata?.get(name).map((value) => value.toString()) ?? [];
      return values.length === 0 ? undefined : values;
    };
    const nextId = () => {
      received++;
      const given = header('ce-id')?.[0];
      if (given === undefined || given === '') return randomUUID();
      return streaming ? `${given}-${received}` : given;
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (receivedMetadata, nextMetadata) => {
            metadata = receivedMetadata;
            nextMetadata(receivedMetadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            const id = nextId();
            unanswered.push(id);
            logger.logRequest(id, new Date(), REQUEST_CONTENT_TYPE, serializeRequest(message), logger.metadataOf(header));
            nextMessage(message);
          },
        }),
      sendMessage: (message, next) => {
        const id = unanswered.shift();
        const failed = streaming && ((message as StreamResponse | null)?.error_message ?? '') !== '';
        if (id !== undefined && !failed && logger.logsResponses) {
          logger.logResponse(id, streaming ? STREAM_RESPONSE_CONTENT_TYPE : RESPONSE_CONTENT_TYPE, method.responseSerialize(message), logger.metadataOf(header));
        }
        next(message);
      },
    });
  };
}
