import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../../../runtime/src/server/grpc/proto';

/** A ModelInfer response as proto-loader decodes it (proto field names, raw contents as Buffers). */
export interface GrpcInferResponse {
  model_name: string;
  id: string;
  outputs: { name: string; datatype: string; shape: string[] }[];
  raw_output_contents: Buffer[];
}

/** A ModelStreamInfer response: an inference response, or the error of that request, in-band. */
export interface GrpcStreamInferResponse {
  error_message: string;
  infer_response: GrpcInferResponse | null;
}

type RawClient = grpc.Client & {
  ModelInfer(request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: GrpcInferResponse) => void): void;
  ModelStreamInfer(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, GrpcStreamInferResponse>;
};

function metadataOf(values: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(values)) metadata.set(key, value);
  return metadata;
}

/** A real gRPC client of `inference.GRPCInferenceService` over the vendored protos. */
export class GrpcInferClient {
  readonly #client: RawClient;

  constructor(target: string) {
    const definition = protoLoader.loadSync('grpc_service.proto', PROTO_LOADER_OPTIONS);
    const { inference } = grpc.loadPackageDefinition(definition) as unknown as {
      inference: { GRPCInferenceService: new (target: string, credentials: grpc.ChannelCredentials) => RawClient };
    };
    this.#client = new inference.GRPCInferenceService(target, grpc.credentials.createInsecure());
  }

  /** ModelInfer; resolves with the response, rejects with the ServiceError. */
  infer(request: unknown, metadata: Record<string, string> = {}): Promise<GrpcInferResponse> {
    return new Promise((resolve, reject) =>
      this.#client.ModelInfer(request, metadataOf(metadata), (error, response) => (error !== null || response === undefined ? reject(error) : resolve(response))),
    );
  }

  /** ModelStreamInfer: writes every request, half-closes, resolves with every response once the server ends the stream. */
  streamInfer(requests: readonly unknown[], metadata: Record<string, string> = {}): Promise<GrpcStreamInferResponse[]> {
    const stream = this.#client.ModelStreamInfer(metadataOf(metadata));
    const responses: GrpcStreamInferResponse[] = [];
    return new Promise((resolve, reject) => {
      stream.on('data', (response: GrpcStreamInferResponse) => responses.push(response));
      stream.on('error', reject);
      stream.on('end', () => resolve(responses));
      for (const request of requests) stream.write(request);
      stream.end();
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** FP32 values of a raw output. */
export function rawFloats(raw: Buffer): number[] {
  return Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)));
}

/** INT64 values of a raw output, as numbers. */
export function rawInt64s(raw: Buffer): number[] {
  return Array.from(new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), Number);
}
