import { extractPropagation, type HeaderReader } from '../../../runtime/src/tracing/trace-propagation';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function headers(values: Record<string, string | string[]>): HeaderReader {
  return (name) => values[name];
}

function extracted(values: Record<string, string | string[]>) {
  const { parent, sampled } = extractPropagation(headers(values));
  return { traceId: parent?.traceId.toString('hex'), spanId: parent?.spanId.toString('hex'), traceState: parent?.traceState, sampled };
}

describe('W3C traceparent and tracestate', () => {
  test('a valid traceparent gives the parent and its sampled flag', () => {
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01` })).toEqual({ traceId: TRACE, spanId: SPAN, traceState: undefined, sampled: true });
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-00` })).toMatchObject({ traceId: TRACE, sampled: false });
    // Only bit 0 is "sampled"; other flags are ignored.
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-02` }).sampled).toBe(false);
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-03` }).sampled).toBe(true);
  });

  test('a later version may add fields; version 00 may not, and ff is invalid', () => {
    expect(extracted({ traceparent: `01-${TRACE}-${SPAN}-01-future` })).toMatchObject({ traceId: TRACE, sampled: true });
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01-future` }).traceId).toBeUndefined();
    expect(extracted({ traceparent: `ff-${TRACE}-${SPAN}-01` }).traceId).toBeUndefined();
  });

  test.each([
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${TRACE.slice(2)}-${SPAN}-01`],
    ['missing flags', `00-${TRACE}-${SPAN}`],
    ['garbage', 'not a traceparent'],
  ])('a traceparent with %s is ignored: a new trace starts, no decision taken', (_, traceparent) => {
    expect(extracted({ traceparent })).toEqual({ traceId: undefined, spanId: undefined, traceState: undefined, sampled: undefined });
  });

  test('two traceparent headers are ambiguous and ignored', () => {
    expect(extracted({ traceparent: [`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-00`] }).traceId).toBeUndefined();
  });

  test('tracestate is carried as one list, several headers joined, empty members dropped', () => {
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7' }).traceState).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: ['a=1', ',b@tenant=2,'] }).traceState).toBe('a=1,b@tenant=2');
  });

  test.each([
    ['a member without =', 'a=1,b'],
    ['an upper-case key', 'Vendor=1'],
    ['a value containing =', 'a=b=c'],
    ['a repeated key', 'a=1,a=2'],
    ['more than 32 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
  ])('a tracestate with %s is dropped whole, the traceparent kept', (_, tracestate) => {
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate })).toMatchObject({ traceId: TRACE, traceState: undefined });
  });

  test('tracestate without a valid traceparent is ignored', () => {
    expect(extracted({ tracestate: 'a=1' }).traceState).toBeUndefined();
  });
});

describe('B3', () => {
  test('single header: ids, decision and optional parent span id', () => {
    expect(extracted({ b3: `${TRACE}-${SPAN}-1` })).toEqual({ traceId: TRACE, spanId: SPAN, traceState: undefined, sampled: true });
    expect(extracted({ b3: `${TRACE}-${SPAN}-0-05e3ac9a4f6e3b90` })).toMatchObject({ traceId: TRACE, sampled: false });
    // Debug means sampled.
    expect(extracted({ b3: `${TRACE}-${SPAN}-d` }).sampled).toBe(true);
    // No decision: ours to take.
    expect(extracted({ b3: `${TRACE}-${SPAN}` })).toMatchObject({ traceId: TRACE, sampled: undefined });
  });

  test('a 64-bit trace id is padded on the left to 128 bits', () => {
    expect(extracted({ b3: `a3ce929d0e0e4736-${SPAN}-1` }).traceId).toBe(`0000000000000000a3ce929d0e0e4736`);
    expect(extracted({ 'x-b3-traceid': 'a3ce929d0e0e4736', 'x-b3-spanid': SPAN }).traceId).toBe(`0000000000000000a3ce929d0e0e4736`);
  });

  test('a decision alone ("b3: 0") is followed without a parent', () => {
    expect(extracted({ b3: '0' })).toEqual({ traceId: undefined, spanId: undefined, traceState: undefined, sampled: false });
    expect(extracted({ b3: 'd' }).sampled).toBe(true);
    expect(extracted({ 'x-b3-sampled': '0' })).toMatchObject({ traceId: undefined, sampled: false });
  });

  test('multi header: sampled as 1/0 or true/false, debug flag means sampled, absent means ours to decide', () => {
    const ids = { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN };
    expect(extracted({ ...ids, 'x-b3-sampled': '1' })).toEqual({ traceId: TRACE, spanId: SPAN, traceState: undefined, sampled: true });
    expect(extracted({ ...ids, 'x-b3-sampled': 'false' }).sampled).toBe(false);
    expect(extracted({ ...ids, 'x-b3-sampled': 'true' }).sampled).toBe(true);
    expect(extracted({ ...ids, 'x-b3-flags': '1' }).sampled).toBe(true);
    expect(extracted(ids)).toMatchObject({ traceId: TRACE, sampled: undefined });
    // Envoy and some Zipkin clients send upper-case hex.
    expect(extracted({ 'x-b3-traceid': TRACE.toUpperCase(), 'x-b3-spanid': SPAN.toUpperCase(), 'x-b3-sampled': '1' }).traceId).toBe(TRACE);
  });

  test('malformed B3 ids are ignored', () => {
    expect(extracted({ b3: `${TRACE}-xyz-1` }).traceId).toBeUndefined();
    expect(extracted({ 'x-b3-traceid': 'abc', 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' })).toMatchObject({ traceId: undefined, sampled: true });
  });

  test('a valid traceparent wins over B3; an invalid one falls back to B3', () => {
    const other = 'a'.repeat(32);
    expect(extracted({ traceparent: `00-${TRACE}-${SPAN}-01`, b3: `${other}-${SPAN}-1` }).traceId).toBe(TRACE);
    expect(extracted({ traceparent: 'garbage', b3: `${other}-${SPAN}-1` }).traceId).toBe(other);
  });
});
