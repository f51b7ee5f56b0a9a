/** The inference protocol a model server speaks (KServe `protocolVersion`). */
export enum ProtocolVersion {
  /** KServe v1 (TF-Serving style `:predict` / `:explain`) over HTTP. */
  V1 = 'v1',
  /** Open Inference Protocol (v2) over HTTP. */
  V2 = 'v2',
  /** KServe v1 over gRPC. */
  GRPC_V1 = 'grpc-v1',
  /** Open Inference Protocol (v2) over gRPC. */
  GRPC_V2 = 'grpc-v2',
}

/** True for the gRPC protocols, which need an HTTP/2 (`h2c`) port on Knative. */
export function isGrpc(protocol: ProtocolVersion): boolean {
  return protocol === ProtocolVersion.GRPC_V1 || protocol === ProtocolVersion.GRPC_V2;
}
