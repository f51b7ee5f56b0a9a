import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ErrorKind, InferenceServerError } from '../../errors';

/** The gRPC twin of Triton's HTTP mapping (Triton's grpc_utils.cc). */
const GRPC_STATUS: Readonly<Record<ErrorKind, GrpcStatus>> = {
  [ErrorKind.INVALID_ARG]: GrpcStatus.INVALID_ARGUMENT,
  [ErrorKind.NOT_FOUND]: GrpcStatus.NOT_FOUND,
  [ErrorKind.UNAVAILABLE]: GrpcStatus.UNAVAILABLE,
  [ErrorKind.UNSUPPORTED]: GrpcStatus.UNIMPLEMENTED,
  [ErrorKind.INTERNAL]: GrpcStatus.INTERNAL,
};

/** A gRPC status error for any thrown value; unexpected errors become INTERNAL. */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  if (error instanceof InferenceServerError) return { code: GRPC_STATUS[error.kind], details: error.message };
  return { code: GrpcStatus.INTERNAL, details: `internal error: ${(error as Error).message}` };
}
