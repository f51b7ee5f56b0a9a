/** An attribute's value, as the runtime's spans use them (OTLP AnyValue: string, int or double, bool). */
export type AttributeValue = string | number | boolean;

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** OTLP's Span.SpanKind values. */
export const enum SpanKind {
  INTERNAL = 1,
  SERVER = 2,
}

/** OTLP's Status.StatusCode values. */
export const enum StatusCode {
  UNSET = 0,
  OK = 1,
  ERROR = 2,
}

/** A span's place in a trace: 16-byte trace id, 8-byte span id (both random, never all zero). */
export interface SpanIdentity {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
}

export interface SpanEvent {
  readonly name: string;
  /** Unix epoch, nanoseconds. */
  readonly timeNs: bigint;
  readonly attributes: Attributes;
}

/** A span that has ended, as it is exported. Times are Unix epoch nanoseconds. */
export interface FinishedSpan extends SpanIdentity {
  /** Absent for a trace's root span. */
  readonly parentSpanId?: Buffer;
  /** Whether the parent is the caller's span (from propagation headers) rather than one of ours. */
  readonly parentIsRemote: boolean;
  /** The caller's W3C `tracestate`, carried unchanged. */
  readonly traceState?: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes?: Attributes;
  readonly events?: readonly SpanEvent[];
  /** Spans this one relates to without being their child (a batch run and the requests it served). */
  readonly links?: readonly SpanIdentity[];
  readonly status?: { readonly code: StatusCode; readonly message?: string };
}
