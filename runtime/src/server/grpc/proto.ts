import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';

/** runtime/protocol/, the vendored protos; the same relative path from src/ and build/. */
export const PROTOCOL_DIR = path.resolve(__dirname, '../../../protocol');

/**
 * How messages are mapped to JS objects: proto field names kept (so the objects match the REST
 * JSON and Triton's docs), 64-bit integers as strings (exact beyond 2^53), enums by name, absent
 * fields filled with defaults, and the name of the set member on each oneof.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTOCOL_DIR],
};

/** `inference.GRPCInferenceService` (Triton's grpc_service.proto) and `grpc.health.v1.Health`. */
export function loadServiceDefinitions(): { inference: grpc.ServiceDefinition; health: grpc.ServiceDefinition } {
  const definition = protoLoader.loadSync(['grpc_service.proto', 'health.proto'], PROTO_LOADER_OPTIONS);
  const loaded = loadPackageDefinition(definition) as unknown as {
    inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return { inference: loaded.inference.GRPCInferenceService.service, health: loaded.grpc.health.v1.Health.service };
}
