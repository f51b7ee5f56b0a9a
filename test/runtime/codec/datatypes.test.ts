import { DATATYPES, datatypeFromOrtType, isDatatype } from '../../../runtime/src/codec/datatypes';

describe('datatype table', () => {
  it('maps every onnxruntime type back to the v2 datatype it came from', () => {
    for (const spec of Object.values(DATATYPES)) {
      if (spec.ortType !== undefined) expect(datatypeFromOrtType(spec.ortType)).toBe(spec.datatype);
    }
  });

  it('has no v2 datatype for onnxruntime types the protocol lacks', () => {
    expect(datatypeFromOrtType('int4')).toBeUndefined();
    expect(datatypeFromOrtType('uint4')).toBeUndefined();
  });

  it('allocates storage whose element size matches the raw wire size', () => {
    for (const spec of Object.values(DATATYPES)) {
      const storage = spec.allocate(3);
      expect(storage).toHaveLength(3);
      if (spec.bytesPerElement !== undefined && !Array.isArray(storage)) {
        expect(storage.BYTES_PER_ELEMENT).toBe(spec.bytesPerElement);
      }
    }
  });

  it('recognises datatype names case-sensitively and ignores inherited keys', () => {
    expect(isDatatype('FP32')).toBe(true);
    expect(isDatatype('fp32')).toBe(false);
    expect(isDatatype('toString')).toBe(false);
    expect(isDatatype(undefined)).toBe(false);
  });
});
