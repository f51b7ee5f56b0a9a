import { randomUUID } from 'node:crypto';
import { type Metadata, type ServerInterceptor, ServerInterceptingCall } from '@grpc/grpc-js';
import type { PayloadLogger } from './payload-logger';

const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';
const REQUEST_CONTENT_TYPE = 'application/x-protobuf; messageType=inference.ModelInferRequest';
const RESPONSE_CONTENT_TYPE = 'application/x-protobuf; messageType=inference.ModelInferResponse';

/**
 * The gRPC side of request/response logging, as a server interceptor on ModelInfer: the request
 * and response messages are logged in their protobuf wire form (re-serialized only when logging
 * is on), with the `ce-id` metadata value as the event id when the caller sent one. A response
 * message is only sent on success, the gRPC twin of KServe's "200 only". grpc-js hands server
 * interceptors the request deserializer only, so the service definition's serializer is passed in.
 */
export function grpcPayloadLoggingInterceptor(logger: PayloadLogger, serializeRequest: (message: unknown) => Buffer): ServerInterceptor {
  return (method, call) => {
    if (method.path !== MODEL_INFER) return new ServerInterceptingCall(call);
    let metadata: Metadata | undefined;
    let id: string | undefined;
    const header = (name: string) => {
      const values = metadata?.get(name).map((value) => value.toString()) ?? [];
      return values.length === 0 ? undefined : values;
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (received, nextMetadata) => {
            metadata = received;
            nextMetadata(received);
          },
          onReceiveMessage: (message, nextMessage) => {
            const given = header('ce-id')?.[0];
            id = given !== undefined && given !== '' ? given : randomUUID();
            logger.logRequest(id, new Date(), REQUEST_CONTENT_TYPE, serializeRequest(message), logger.metadataOf(header));
            nextMessage(message);
          },
        }),
      sendMessage: (message, next) => {
        if (id !== undefined && logger.logsResponses) {
          logger.logResponse(id, RESPONSE_CONTENT_TYPE, method.responseSerialize(message), logger.metadataOf(header));
        }
        next(message);
      },
    });
  };
}
