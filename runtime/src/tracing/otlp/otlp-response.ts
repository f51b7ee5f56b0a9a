import { Reader } from 'protobufjs/minimal';

/**
 * The values of the length-delimited fields numbered `field` in one protobuf message, in order
 * (submessages, strings and bytes, undecoded); other fields are skipped. Throws on malformed bytes.
 */
export function lengthDelimitedFields(message: Uint8Array, field: number): Uint8Array[] {
  const reader = Reader.create(message);
  const values: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) values.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return values;
}

/**
 * What an ExportTraceServiceResponse says about spans the collector did not take: its
 * `partial_success` (field 1) with `rejected_spans` (1, int64) and `error_message` (2). An empty or
 * unreadable body means everything was taken, as OTLP specifies for a 2xx answer.
 */
export function rejectedSpans(body: Buffer): { rejected: number; message: string } {
  let rejected = 0;
  let message = '';
  try {
    for (const partial of lengthDelimitedFields(body, 1)) {
      const reader = Reader.create(partial);
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        if (tag === ((1 << 3) | 0)) rejected = Number(reader.int64().toString());
        else if (tag === ((2 << 3) | 2)) message = reader.string();
        else reader.skipType(tag & 7);
      }
    }
  } catch {
    return { rejected: 0, message: '' };
  }
  return { rejected, message };
}
