/**
 * Failure kinds shared by every protocol front end. They follow Triton's server error codes so the
 * HTTP mapping (and the gRPC one a later front end adds) is one table each, not one per call site.
 */
export enum ErrorKind {
  /** Bad request content: HTTP 400, gRPC INVALID_ARGUMENT. */
  INVALID_ARG = 'INVALID_ARG',
  /** Unknown model or version: HTTP 404, gRPC NOT_FOUND. */
  NOT_FOUND = 'NOT_FOUND',
  /** Known but not ready (loading or failed): HTTP 503, gRPC UNAVAILABLE. */
  UNAVAILABLE = 'UNAVAILABLE',
  /** Valid request this build cannot serve: HTTP 501, gRPC UNIMPLEMENTED. */
  UNSUPPORTED = 'UNSUPPORTED',
  /** A fault on our side: HTTP 500, gRPC INTERNAL. */
  INTERNAL = 'INTERNAL',
}

/** An error whose message is safe and useful to return to the client verbatim. */
export class InferenceServerError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceServerError';
  }
}

/** Shorthand for the most common failure: the request itself is wrong. */
export function invalidArgument(message: string): InferenceServerError {
  return new InferenceServerError(ErrorKind.INVALID_ARG, message);
}

/**
 * The message Triton returns for an unknown model; clients and Triton's own tests match on this text.
 */
export function unknownModel(name: string, version?: string): InferenceServerError {
  const versionPart = version === undefined ? '' : ` version ${version}`;
  return new InferenceServerError(ErrorKind.NOT_FOUND, `Request for unknown model: '${name}'${versionPart} is not found`);
}
