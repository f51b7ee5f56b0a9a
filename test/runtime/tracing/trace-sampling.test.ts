import { randomBytes } from 'node:crypto';
import { isSampled } from '../../../runtime/src/tracing/trace-sampling';

/** A trace id whose random last 56 bits are `fraction` of their range. */
function traceIdAt(fraction: number): Buffer {
  const id = randomBytes(16);
  const value = BigInt(Math.floor(fraction * 2 ** 56));
  for (let byte = 15; byte >= 9; byte--) id[byte] = Number((value >> BigInt((15 - byte) * 8)) & 0xffn);
  return id;
}

describe('isSampled', () => {
  test("the caller's decision wins over any ratio", () => {
    expect(isSampled(true, traceIdAt(0.99), 0)).toBe(true);
    expect(isSampled(false, traceIdAt(0.01), 1)).toBe(false);
  });

  test('without a decision, a trace is sampled when its random bits fall below the ratio', () => {
    expect(isSampled(undefined, traceIdAt(0.1), 0.25)).toBe(true);
    expect(isSampled(undefined, traceIdAt(0.3), 0.25)).toBe(false);
    expect(isSampled(undefined, traceIdAt(0.999999), 1)).toBe(true);
    expect(isSampled(undefined, traceIdAt(0), 0)).toBe(false);
  });

  test('the same trace id always gets the same answer, and the share sampled is the ratio', () => {
    const ids = Array.from({ length: 20_000 }, () => randomBytes(16));
    const share = ids.filter((id) => isSampled(undefined, id, 0.1)).length / ids.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(ids.map((id) => isSampled(undefined, id, 0.1))).toEqual(ids.map((id) => isSampled(undefined, id, 0.1)));
  });
});
