import { Reader } from 'protobufjs';
import { ProtobufWriter, WireType } from '../../../runtime/src/tracing/otlp/protobuf-writer';

/** Decoded with protobufjs's reader: an independent implementation of the wire format. */
describe('ProtobufWriter', () => {
  test('varints, int64, fixed and double values read back as written', () => {
    const writer = new ProtobufWriter(4);
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
    for (const value of values) writer.varint(value);
    writer.int64(-1);
    writer.int64(-300);
    writer.fixed32(0x301);
    writer.fixed64(1_700_000_000_123_456_789n);
    writer.double(0.25);
    writer.bool(true);
    const reader = Reader.create(writer.bytes());
    for (const value of values) expect(Number(reader.uint64().toString())).toBe(value);
    expect(reader.int64().toString()).toBe('-1');
    expect(reader.int64().toString()).toBe('-300');
    expect(reader.fixed32()).toBe(0x301);
    expect(reader.fixed64().toString()).toBe('1700000000123456789');
    expect(reader.double()).toBe(0.25);
    expect(reader.bool()).toBe(true);
    expect(reader.pos).toBe(reader.len);
  });

  test.each([0, 1, 127, 128, 16_383, 16_384, 300_000])('an embedded message of %i bytes gets its length, and what follows it stays intact', (size) => {
    const writer = new ProtobufWriter(8);
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const outer = writer.beginMessage(1);
    writer.stringField(2, text);
    writer.endMessage(outer);
    writer.stringField(3, 'after');
    const reader = Reader.create(writer.bytes());
    expect(reader.uint32()).toBe((1 << 3) | WireType.LENGTH_DELIMITED);
    const inner = Reader.create(reader.bytes());
    expect(inner.uint32()).toBe((2 << 3) | WireType.LENGTH_DELIMITED);
    expect(inner.string()).toBe(text);
    expect(reader.uint32()).toBe((3 << 3) | WireType.LENGTH_DELIMITED);
    expect(reader.string()).toBe('after');
  });

  test.each([
    ['', 'empty'],
    ['POST /v2/models/:model/infer', 'short ASCII'],
    ['a'.repeat(127), 'the longest one-byte length'],
    ['a'.repeat(128), 'a two-byte length'],
    ['naïve', 'non-ASCII'],
    [`${'x'.repeat(40)}é`, 'non-ASCII after an ASCII run'],
    ['日本語 ✓ 🙂', 'multi-byte and astral'],
  ])('string %j (%s) reads back as written, and so does what follows', (text) => {
    const writer = new ProtobufWriter(4);
    writer.stringField(1, text);
    writer.fixed64(2n ** 64n - 1n);
    writer.fixed64(0x0102030405060708n);
    const reader = Reader.create(writer.bytes());
    expect(reader.uint32()).toBe((1 << 3) | WireType.LENGTH_DELIMITED);
    expect(reader.string()).toBe(text);
    expect(reader.fixed64().toString()).toBe('18446744073709551615');
    expect(Buffer.from(writer.bytes().subarray(-8)).toString('hex')).toBe('0807060504030201');
    expect(reader.fixed64().toString()).toBe(String(0x0102030405060708n));
  });

  test('bytes fields and raw bytes', () => {
    const writer = new ProtobufWriter(2);
    const long = Buffer.from(Array.from({ length: 40 }, (_, i) => i * 6));
    writer.bytesField(1, long);
    writer.bytesField(1, Buffer.from('0102ff', 'hex'));
    writer.raw(Buffer.from([0x10, 0x05]));
    const reader = Reader.create(writer.bytes());
    expect(reader.uint32()).toBe(10);
    expect(Buffer.from(reader.bytes()).equals(long)).toBe(true);
    expect(reader.uint32()).toBe(10);
    expect(Buffer.from(reader.bytes()).toString('hex')).toBe('0102ff');
    expect(reader.uint32()).toBe(0x10);
    expect(reader.uint32()).toBe(5);
  });
});
