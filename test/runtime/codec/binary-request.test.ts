import { BinaryLayoutCache, MAX_CACHED_HEADER_LENGTH, MAX_LAYOUTS_PER_MODEL } from '../../../runtime/src/codec/binary-layout-cache';
import { decodeRestInferRequest } from '../../../runtime/src/codec/binary-request';
import type { InferRequest } from '../../../runtime/src/codec/inference';
import type { ModelSignature } from '../../../runtime/src/codec/tensor';
import { InferenceServerError } from '../../../runtime/src/errors';

const MIXED: ModelSignature = {
  name: 'mixed',
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 2] },
    { name: 'flag', datatype: 'BOOL', shape: [-1, 1] },
    { name: 'text', datatype: 'BYTES', shape: [-1, 1] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 2] },
    { name: 'z', datatype: 'INT64', shape: [-1] },
  ],
};

/** A BYTES section: uint32 LE length, then the bytes, per element. */
function bytesSection(...elements: Buffer[]): Buffer {
  return Buffer.concat(elements.flatMap((element) => [Buffer.from(new Uint32Array([element.length]).buffer), element]));
}

interface Sections {
  readonly x: Buffer;
  readonly flag: Buffer;
  readonly text: Buffer;
}

function sections(x: number[], flag: number, text: string): Sections {
  return { x: Buffer.from(new Float32Array(x).buffer), flag: Buffer.from([flag]), text: bytesSection(Buffer.from(text)) };
}

/** A binary-extension request for MIXED whose header declares the sizes of `declared`, with `binary` after it. */
function mixedBody(declared: Sections, binary: Buffer = Buffer.concat([declared.x, declared.flag, declared.text]), extra: Record<string, unknown> = {}) {
  const header = Buffer.from(
    JSON.stringify({
      id: 'r1',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: declared.x.length } },
        { name: 'flag', datatype: 'BOOL', shape: [1, 1], parameters: { binary_data_size: declared.flag.length } },
        { name: 'text', datatype: 'BYTES', shape: [1, 1], parameters: { binary_data_size: declared.text.length } },
      ],
      outputs: [{ name: 'z', parameters: { binary_data: true } }, { name: 'y' }],
      ...extra,
    }),
  );
  return { body: Buffer.concat([header, binary]), headerLength: String(header.length) };
}

/** The request's fields as plain values, for comparing decodes. */
function plain(request: InferRequest) {
  return {
    id: request.id,
    inputs: request.inputs.map((input) => ({ name: input.name, datatype: input.datatype, shape: [...input.shape], data: Array.from(input.data as ArrayLike<unknown>) })),
    outputNames: [...request.outputNames],
    binaryOutputNames: [...request.binaryOutputNames],
  };
}

function thrownMessage(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InferenceServerError);
    return (error as Error).message;
  }
  throw new Error('expected the call to throw');
}

describe('decodeRestInferRequest with a layout cache', () => {
  it('a repeated header decodes its own binary sections, exactly as an uncached decode does', () => {
    const layouts = new BinaryLayoutCache();
    const first = mixedBody(sections([1, 2], 1, 'iris'));
    decodeRestInferRequest(first.body, first.headerLength, MIXED, layouts);
    const second = mixedBody(sections([3.5, -4], 0, 'rose'));
    const cached = decodeRestInferRequest(second.body, second.headerLength, MIXED, layouts);
    expect(plain(cached)).toEqual(plain(decodeRestInferRequest(second.body, second.headerLength, MIXED)));
    expect(plain(cached)).toEqual({
      id: 'r1',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], data: [3.5, -4] },
        { name: 'flag', datatype: 'BOOL', shape: [1, 1], data: [0] },
        { name: 'text', datatype: 'BYTES', shape: [1, 1], data: ['rose'] },
      ],
      outputNames: ['z', 'y'],
      binaryOutputNames: ['z'],
    });
  });

  it('a repeated header is parsed once', () => {
    const layouts = new BinaryLayoutCache();
    const { body, headerLength } = mixedBody(sections([1, 2], 1, 'iris'));
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (let call = 0; call < 3; call++) decodeRestInferRequest(body, headerLength, MIXED, layouts);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('bad bytes under a known header fail with the message of a first decode', () => {
    const layouts = new BinaryLayoutCache();
    const good = mixedBody(sections([1, 2], 1, 'iris'));
    decodeRestInferRequest(good.body, good.headerLength, MIXED, layouts);
    const badBool = mixedBody(sections([1, 2], 2, 'iris'));
    expect(thrownMessage(() => decodeRestInferRequest(badBool.body, badBool.headerLength, MIXED, layouts))).toBe(
      "input 'flag': BOOL element 0 is byte 2; expected 0 or 1",
    );
    const notUtf8 = sections([1, 2], 1, 'iris');
    const badText = mixedBody(notUtf8, Buffer.concat([notUtf8.x, notUtf8.flag, bytesSection(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]))]));
    expect(thrownMessage(() => decodeRestInferRequest(badText.body, badText.headerLength, MIXED, layouts))).toBe(
      "input 'text': BYTES element 0 is not valid UTF-8, which onnxruntime string tensors require",
    );
  });

  it('a known header with binary data of another length takes the full path and its error', () => {
    const layouts = new BinaryLayoutCache();
    const declared = sections([1, 2], 1, 'iris');
    const good = mixedBody(declared);
    decodeRestInferRequest(good.body, good.headerLength, MIXED, layouts);
    const extra = mixedBody(declared, Buffer.concat([declared.x, declared.flag, declared.text, Buffer.alloc(3)]));
    expect(thrownMessage(() => decodeRestInferRequest(extra.body, extra.headerLength, MIXED, layouts))).toBe(
      "request body has 3 bytes of binary data after the last input's binary_data_size",
    );
    const short = mixedBody(declared, Buffer.concat([declared.x, declared.flag]));
    expect(thrownMessage(() => decodeRestInferRequest(short.body, short.headerLength, MIXED, layouts))).toBe(
      `input 'text' declares binary_data_size ${declared.text.length} but only 0 bytes of binary data remain in the request body`,
    );
  });

  it('what requests share is frozen: shapes, output names and the binary output set', () => {
    const layouts = new BinaryLayoutCache();
    const { body, headerLength } = mixedBody(sections([1, 2], 1, 'iris'));
    decodeRestInferRequest(body, headerLength, MIXED, layouts);
    const shared = decodeRestInferRequest(body, headerLength, MIXED, layouts);
    expect(() => (shared.inputs[0]!.shape as number[]).push(3)).toThrow(TypeError);
    expect(() => (shared.outputNames as string[]).push('y')).toThrow(TypeError);
    expect(() => (shared.binaryOutputNames as Set<string>).add('y')).toThrow('the output names of a shared request layout cannot change');
    expect(() => (shared.binaryOutputNames as Set<string>).delete('z')).toThrow(TypeError);
    expect(() => (shared.binaryOutputNames as Set<string>).clear()).toThrow(TypeError);
    expect([...decodeRestInferRequest(body, headerLength, MIXED, layouts).binaryOutputNames]).toEqual(['z']);
  });

  it('headers with JSON data are not kept; their next decode parses again', () => {
    const layouts = new BinaryLayoutCache();
    const model: ModelSignature = { name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }] };
    const header = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] });
    decodeRestInferRequest(Buffer.from(header), String(header.length), model, layouts);
    expect(layouts.get(model, header)).toBeUndefined();
  });

  it('a layout belongs to the model it was checked against', () => {
    const layouts = new BinaryLayoutCache();
    const { body, headerLength } = mixedBody(sections([1, 2], 1, 'iris'));
    decodeRestInferRequest(body, headerLength, MIXED, layouts);
    const reloaded: ModelSignature = { ...MIXED, inputs: MIXED.inputs.slice(0, 2) };
    expect(thrownMessage(() => decodeRestInferRequest(body, headerLength, reloaded, layouts))).toBe("unexpected inference input 'text' for model 'mixed'");
  });

  it(`keeps at most ${MAX_LAYOUTS_PER_MODEL} layouts per model, dropping the oldest, and no header over ${MAX_CACHED_HEADER_LENGTH} characters`, () => {
    const layouts = new BinaryLayoutCache();
    const headers: string[] = [];
    for (let index = 0; index <= MAX_LAYOUTS_PER_MODEL; index++) {
      const { body, headerLength } = mixedBody(sections([1, 2], 1, 'iris'), undefined, { id: `request-${index}` });
      decodeRestInferRequest(body, headerLength, MIXED, layouts);
      headers.push(body.toString('utf8', 0, Number(headerLength)));
    }
    expect(layouts.get(MIXED, headers[0]!)).toBeUndefined();
    expect(layouts.get(MIXED, headers[1]!)?.id).toBe('request-1');
    expect(layouts.get(MIXED, headers[MAX_LAYOUTS_PER_MODEL]!)?.id).toBe(`request-${MAX_LAYOUTS_PER_MODEL}`);
    const long = mixedBody(sections([1, 2], 1, 'iris'), undefined, { parameters: { note: 'n'.repeat(MAX_CACHED_HEADER_LENGTH) } });
    decodeRestInferRequest(long.body, long.headerLength, MIXED, layouts);
    expect(layouts.get(MIXED, long.body.toString('utf8', 0, Number(long.headerLength)))).toBeUndefined();
  });
});
