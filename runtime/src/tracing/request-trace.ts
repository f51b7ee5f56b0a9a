import type { AttributeValue, SpanEvent, SpanIdentity } from './span';

/**
 * One traced request's server span while the request runs: created by the HTTP hook or the gRPC
 * interceptor (only for requests that are sampled), carried through the inference path, which
 * hangs its phase spans under it, and ended by them. Untraced requests carry no RequestTrace at all.
 */
export class RequestTrace implements SpanIdentity {
  /** Set on the span as the request goes (model name, status code). */
  readonly attributes: Record<string, AttributeValue>;
  /** Exceptions recorded on the span. */
  events: SpanEvent[] | undefined;

  constructor(
    readonly traceId: Buffer,
    readonly spanId: Buffer,
    /** The caller's span, when it sent one. */
    readonly parentSpanId: Buffer | undefined,
    readonly traceState: string | undefined,
    readonly name: string,
    /** process.hrtime.bigint() at the start. */
    readonly started: bigint,
    attributes: Record<string, AttributeValue>,
  ) {
    this.attributes = attributes;
  }
}
