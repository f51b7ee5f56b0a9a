/** Reads one request header (lower-case name) from whatever carries them: HTTP headers, gRPC metadata. */
export type HeaderReader = (name: string) => string | readonly string[] | undefined;

/** The caller's span, from its propagation headers. */
export interface RemoteSpan {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
  /** W3C `tracestate`, carried unchanged into our spans. */
  readonly traceState?: string;
}

/** What a request's headers say about its trace. */
export interface Propagated {
  /** The caller's span, when it sent a valid one. */
  readonly parent?: RemoteSpan;
  /** The caller's sampling decision; undefined when it left the decision to us. */
  readonly sampled?: boolean;
}

const NOTHING: Propagated = {};

/**
 * The caller's trace from W3C Trace Context (`traceparent`, `tracestate`) or, failing that, B3 in
 * its single-header (`b3`) or multi-header (`x-b3-*`) form, which Istio's Zipkin setup emits.
 * Malformed headers are ignored, as both specifications ask: the request starts a new trace.
 */
export function extractPropagation(header: HeaderReader): Propagated {
  return fromTraceparent(header) ?? fromB3Single(header) ?? fromB3Multi(header) ?? NOTHING;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** https://www.w3.org/TR/trace-context/#traceparent-header */
function fromTraceparent(header: HeaderReader): Propagated | undefined {
  const value = single(header('traceparent'));
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has exactly four fields; later versions may add some.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const parent = remoteSpan(traceId, spanId, traceStateOf(header('tracestate')));
  if (parent === undefined) return undefined;
  return { parent, sampled: (Number.parseInt(flags, 16) & 0x01) === 0x01 };
}

const B3_SINGLE = /^([0-9a-f]{16}|[0-9a-f]{32})-([0-9a-f]{16})(?:-([01d]))?(?:-[0-9a-f]{16})?$/;

/** https://github.com/openzipkin/b3-propagation#single-header */
function fromB3Single(header: HeaderReader): Propagated | undefined {
  const value = single(header('b3'))?.toLowerCase();
  if (value === undefined) return undefined;
  // A decision alone ("b3: 0" is how a caller says: do not trace this).
  if (value === '0' || value === '1' || value === 'd') return { sampled: value !== '0' };
  const match = B3_SINGLE.exec(value);
  if (match === null) return undefined;
  const parent = remoteSpan(match[1]!.padStart(32, '0'), match[2]!, undefined);
  if (parent === undefined) return undefined;
  return match[3] === undefined ? { parent } : { parent, sampled: match[3] !== '0' };
}

const B3_TRACE_ID = /^([0-9a-f]{16}|[0-9a-f]{32})$/;
const B3_SPAN_ID = /^[0-9a-f]{16}$/;

/** https://github.com/openzipkin/b3-propagation#multiple-headers */
function fromB3Multi(header: HeaderReader): Propagated | undefined {
  const flags = single(header('x-b3-flags'));
  const sampledHeader = single(header('x-b3-sampled'))?.toLowerCase();
  // Debug implies sampled; "true" and "false" are what older Zipkin clients sent.
  const sampled = flags === '1' || sampledHeader === '1' || sampledHeader === 'true' ? true : sampledHeader === '0' || sampledHeader === 'false' ? false : undefined;
  const traceId = single(header('x-b3-traceid'))?.toLowerCase();
  const spanId = single(header('x-b3-spanid'))?.toLowerCase();
  if (traceId === undefined || spanId === undefined || !B3_TRACE_ID.test(traceId) || !B3_SPAN_ID.test(spanId)) {
    return sampled === undefined ? undefined : { sampled };
  }
  const parent = remoteSpan(traceId.padStart(32, '0'), spanId, undefined);
  if (parent === undefined) return sampled === undefined ? undefined : { sampled };
  return sampled === undefined ? { parent } : { parent, sampled };
}

/** An all-zero trace or span id is invalid in both formats. */
function remoteSpan(traceIdHex: string, spanIdHex: string, traceState: string | undefined): RemoteSpan | undefined {
  if (/^0+$/.test(traceIdHex) || /^0+$/.test(spanIdHex)) return undefined;
  const ids = { traceId: Buffer.from(traceIdHex, 'hex'), spanId: Buffer.from(spanIdHex, 'hex') };
  return traceState === undefined ? ids : { ...ids, traceState };
}

/** A header sent once; one sent several times is ambiguous and ignored. */
function single(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value.length === 1 ? value[0] : undefined;
}

const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * https://www.w3.org/TR/trace-context/#tracestate-header: several headers are one list; a list
 * with a malformed member, a repeated key or more than 32 members is dropped whole.
 */
function traceStateOf(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(',');
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of joined.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const equals = member.indexOf('=');
    const key = member.slice(0, equals);
    if (equals <= 0 || !TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(equals + 1)) || keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
  }
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  return members.join(',');
}
