import type { Attributes, FinishedSpan, SpanIdentity } from '../span';
import { ProtobufWriter, varintSize, WireType } from './protobuf-writer';

// Field numbers of opentelemetry-proto's trace/v1/trace.proto, common/v1/common.proto,
// resource/v1/resource.proto and collector/trace/v1/trace_service.proto (OTLP 1.x, stable).
const EXPORT_REQUEST = { resourceSpans: 1 } as const;
const RESOURCE_SPANS = { resource: 1, scopeSpans: 2 } as const;
const RESOURCE = { attributes: 1 } as const;
const SCOPE_SPANS = { scope: 1, spans: 2 } as const;
const SCOPE = { name: 1, version: 2 } as const;
const SPAN = {
  traceId: 1,
  spanId: 2,
  traceState: 3,
  parentSpanId: 4,
  name: 5,
  kind: 6,
  startTimeUnixNano: 7,
  endTimeUnixNano: 8,
  attributes: 9,
  events: 11,
  links: 13,
  status: 15,
  flags: 16,
} as const;
const EVENT = { timeUnixNano: 1, name: 2, attributes: 3 } as const;
const LINK = { traceId: 1, spanId: 2, flags: 6 } as const;
const STATUS = { message: 2, code: 3 } as const;
const KEY_VALUE = { key: 1, value: 2 } as const;
const ANY_VALUE = { string: 1, bool: 2, int: 3, double: 4 } as const;

/** W3C trace flags: sampled (only sampled spans are ever exported). */
const SAMPLED = 0x01;
/** SpanFlags: the is-remote bit below is meaningful. */
const HAS_IS_REMOTE = 0x100;
/** SpanFlags: the parent (or linked) span came from another process. */
const IS_REMOTE = 0x200;

/**
 * Appends one span to a ScopeSpans' `spans` (a tagged, length-delimited Span): spans of one export
 * are written back to back as they end, and framed by {@link exportRequestHead} when sent.
 */
export function writeSpan(writer: ProtobufWriter, span: FinishedSpan): void {
  const spanAt = writer.beginMessage(SCOPE_SPANS.spans);
  writer.bytesField(SPAN.traceId, span.traceId);
  writer.bytesField(SPAN.spanId, span.spanId);
  if (span.traceState !== undefined && span.traceState !== '') writer.stringField(SPAN.traceState, span.traceState);
  if (span.parentSpanId !== undefined) writer.bytesField(SPAN.parentSpanId, span.parentSpanId);
  writer.stringField(SPAN.name, span.name);
  writer.tag(SPAN.kind, WireType.VARINT);
  writer.varint(span.kind);
  writer.tag(SPAN.startTimeUnixNano, WireType.FIXED64);
  writer.fixed64(span.startNs);
  writer.tag(SPAN.endTimeUnixNano, WireType.FIXED64);
  writer.fixed64(span.endNs);
  if (span.attributes !== undefined) writeAttributes(writer, SPAN.attributes, span.attributes);
  for (const event of span.events ?? []) {
    const eventAt = writer.beginMessage(SPAN.events);
    writer.tag(EVENT.timeUnixNano, WireType.FIXED64);
    writer.fixed64(event.timeNs);
    writer.stringField(EVENT.name, event.name);
    writeAttributes(writer, EVENT.attributes, event.attributes);
    writer.endMessage(eventAt);
  }
  for (const link of span.links ?? []) writeLink(writer, link);
  if (span.status !== undefined) {
    const statusAt = writer.beginMessage(SPAN.status);
    if (span.status.message !== undefined && span.status.message !== '') writer.stringField(STATUS.message, span.status.message);
    writer.tag(STATUS.code, WireType.VARINT);
    writer.varint(span.status.code);
    writer.endMessage(statusAt);
  }
  writer.tag(SPAN.flags, WireType.FIXED32);
  writer.fixed32(SAMPLED | HAS_IS_REMOTE | (span.parentIsRemote ? IS_REMOTE : 0));
  writer.endMessage(spanAt);
}

/** A link to a span of this process (the request spans a batch run served). */
function writeLink(writer: ProtobufWriter, link: SpanIdentity): void {
  const linkAt = writer.beginMessage(SPAN.links);
  writer.bytesField(LINK.traceId, link.traceId);
  writer.bytesField(LINK.spanId, link.spanId);
  writer.tag(LINK.flags, WireType.FIXED32);
  writer.fixed32(SAMPLED | HAS_IS_REMOTE);
  writer.endMessage(linkAt);
}

/** Repeated KeyValue in `field`; integers as int_value, other numbers as double_value. */
export function writeAttributes(writer: ProtobufWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key]!;
    const pairAt = writer.beginMessage(field);
    writer.stringField(KEY_VALUE.key, key);
    const valueAt = writer.beginMessage(KEY_VALUE.value);
    if (typeof value === 'string') {
      writer.stringField(ANY_VALUE.string, value);
    } else if (typeof value === 'boolean') {
      writer.tag(ANY_VALUE.bool, WireType.VARINT);
      writer.bool(value);
    } else if (Number.isSafeInteger(value)) {
      writer.tag(ANY_VALUE.int, WireType.VARINT);
      writer.int64(value);
    } else {
      writer.tag(ANY_VALUE.double, WireType.FIXED64);
      writer.double(value);
    }
    writer.endMessage(valueAt);
    writer.endMessage(pairAt);
  }
}

/** Who made the spans: the process (resource) and the instrumentation (scope). */
export interface SpanOrigin {
  readonly resource: Attributes;
  readonly scope: { readonly name: string; readonly version: string };
}

/**
 * The frame around an export's spans: an ExportTraceServiceRequest with one ResourceSpans holding
 * one ScopeSpans, whose `spans` are the bytes {@link writeSpan} wrote. The resource and scope
 * never change, so they are encoded once.
 */
export class ExportRequestFrame {
  readonly #resourceField: Buffer;
  readonly #scopeField: Buffer;

  constructor(origin: SpanOrigin) {
    const resource = new ProtobufWriter(256);
    const resourceAt = resource.beginMessage(RESOURCE_SPANS.resource);
    writeAttributes(resource, RESOURCE.attributes, origin.resource);
    resource.endMessage(resourceAt);
    this.#resourceField = Buffer.from(resource.bytes());
    const scope = new ProtobufWriter(256);
    const scopeAt = scope.beginMessage(SCOPE_SPANS.scope);
    scope.stringField(SCOPE.name, origin.scope.name);
    scope.stringField(SCOPE.version, origin.scope.version);
    scope.endMessage(scopeAt);
    this.#scopeField = Buffer.from(scope.bytes());
  }

  /** The request's bytes before `spansLength` bytes of spans; the spans end the request. */
  head(spansLength: number): Buffer {
    const scopeSpansLength = this.#scopeField.length + spansLength;
    const resourceSpansLength = this.#resourceField.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength;
    const head = new ProtobufWriter(32 + this.#resourceField.length + this.#scopeField.length);
    head.tag(EXPORT_REQUEST.resourceSpans, WireType.LENGTH_DELIMITED);
    head.varint(resourceSpansLength);
    head.raw(this.#resourceField);
    head.tag(RESOURCE_SPANS.scopeSpans, WireType.LENGTH_DELIMITED);
    head.varint(scopeSpansLength);
    head.raw(this.#scopeField);
    return Buffer.from(head.bytes());
  }
}
