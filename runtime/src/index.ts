/**
 * kfs-runtime's programmatic API: start the model server in-process, or build its pieces.
 * The `kfs-runtime` executable (cli.ts) is a thin layer over `startServer`.
 */
export { startServer, DEFAULT_HTTP_PORT, DEFAULT_GRPC_PORT, type ServeOptions, type RunningServer } from './start-server';
export { buildServer, DEFAULT_BODY_LIMIT_BYTES, type ServerOptions, type LogLevel } from './server/build-server';
export { buildGrpcServer, DEFAULT_GRPC_MAX_MESSAGE_BYTES, type GrpcServerOptions } from './server/grpc/build-grpc-server';
export { SUPPORTED_EXTENSIONS } from './server/server-metadata';
export { ModelRepository, type ModelEntry, type ModelStateListener } from './models/model-repository';
export { ModelState, type Model, type ModelSource } from './models/model';
export { loadModel, type ModelLoader } from './models/load-model';
export { ErrorKind, InferenceServerError } from './errors';
export type { Tensor, TensorMetadata, ModelSignature } from './codec/tensor';
export type { Datatype, TensorData } from './codec/datatypes';
export { RUNTIME_NAME, RUNTIME_VERSION } from './version';
