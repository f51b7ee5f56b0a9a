import * as grpc from '@grpc/grpc-js';
import type { ModelRepository } from '../../models/model-repository';
import { ServerLifecycle } from '../lifecycle';
import { RepositoryExtension } from '../repository-extension';
import { InferencePipeline } from '../run-inference';
import { healthServiceHandlers, inferenceServiceHandlers } from './inference-service';
import { loadServiceDefinitions } from './proto';

/**
 * Default gRPC message limit, both ways: the same 64 MiB as the HTTP body limit. grpc-js receives
 * only 4 MiB by default, which a single 1024×1024 FP32 tensor already exceeds.
 */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Options of {@link buildGrpcServer}. */
export interface GrpcServerOptions {
  readonly repository: ModelRepository;
  /** @default - see ServerOptions.modelRepository */
  readonly modelRepository?: string;
  /**
   * Largest message received or sent, in bytes; bigger ones fail with RESOURCE_EXHAUSTED.
   * @default 64 MiB (DEFAULT_GRPC_MAX_MESSAGE_BYTES)
   */
  readonly maxMessageBytes?: number;
  /** @default - see ServerOptions.pipeline */
  readonly pipeline?: InferencePipeline;
  /** @default - see ServerOptions.lifecycle */
  readonly lifecycle?: ServerLifecycle;
  /**
   * Cross-cutting concerns (tracing, request logging), outermost first.
   * @default []
   */
  readonly interceptors?: grpc.ServerInterceptor[];
}

/**
 * Builds the gRPC server (`inference.GRPCInferenceService` and `grpc.health.v1.Health`) over the
 * same repository the HTTP server uses, without binding it.
 */
export function buildGrpcServer(options: GrpcServerOptions): grpc.Server {
  const limit = options.maxMessageBytes ?? DEFAULT_GRPC_MAX_MESSAGE_BYTES;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': limit,
    interceptors: options.interceptors ?? [],
  });
  const lifecycle = options.lifecycle ?? new ServerLifecycle();
  const services = loadServiceDefinitions();
  const extension = new RepositoryExtension(options.repository, options.modelRepository);
  server.addService(services.inference, inferenceServiceHandlers(options.repository, extension, options.pipeline ?? new InferencePipeline(), lifecycle));
  server.addService(services.health, healthServiceHandlers(options.repository, lifecycle));
  return server;
}

/** Binds to `host:port` (port 0 picks a free one) and resolves with the bound port. */
export function bindGrpcServer(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
}

/** Lets running calls finish for up to `graceMs`, then cancels what is left. */
export function shutdownGrpcServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
