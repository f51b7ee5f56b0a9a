import type { Context, Span } from '@opentelemetry/api';

/**
 * One traced request: its server span and the context its child spans hang from. Created by the
 * HTTP hook or the gRPC interceptor, carried through the inference path untouched, ended by them.
 */
export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
}
