import * as grpc from '@grpc/grpc-js';
import { grpcPayloadLoggingInterceptor } from '../../logging/grpc-payload-logging';
import type { PayloadLogger } from '../../logging/payload-logger';
import { grpcTracingInterceptor } from '../../tracing/grpc-tracing';
import type { InferenceTracing } from '../../tracing/tracing';
import { type GrpcServerOptions, buildGrpcServer, shutdownGrpcServer } from './build-grpc-server';
import type { GrpcConnectionHandler } from './grpc-listener';
import { loadServiceDefinitions } from './proto';

/** Options of {@link createGrpcStack}: the gRPC server's, plus the features that intercept its calls. */
export interface GrpcStackOptions extends Omit<GrpcServerOptions, 'interceptors'> {
  /** @default - no spans for gRPC calls */
  readonly tracing?: InferenceTracing;
  /** @default - gRPC calls are not logged */
  readonly payloadLogger?: PayloadLogger;
}

/**
 * The gRPC server, serving connections the listener accepted (grpc-listener.ts). In one module that
 * nothing else imports statically: the model server loads it on the port's first connection, so a
 * server whose clients speak REST never loads grpc-js, protobufjs or node:http2.
 */
export function createGrpcStack(options: GrpcStackOptions): GrpcConnectionHandler {
  const interceptors: grpc.ServerInterceptor[] = [];
  if (options.tracing !== undefined) interceptors.push(grpcTracingInterceptor(options.tracing));
  if (options.payloadLogger !== undefined) {
    const serialize = loadServiceDefinitions().inference.ModelInfer!.requestSerialize as (message: unknown) => Buffer;
    interceptors.push(grpcPayloadLoggingInterceptor(options.payloadLogger, serialize));
  }
  const { tracing: _tracing, payloadLogger: _payloadLogger, ...serverOptions } = options;
  const server = buildGrpcServer({ ...serverOptions, interceptors });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  return {
    injectConnection: (socket) => injector.injectConnection(socket),
    shutdown: (graceMs) => shutdownGrpcServer(server, graceMs),
    forceShutdown: () => server.forceShutdown(),
  };
}
