'use strict';
// Jest environment for tests that run onnxruntime-node sessions. Opt in per file with
//   /** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
//
// Why: Jest runs each test file in its own vm realm, whose Float32Array etc. differ from Node's
// main realm. onnxruntime-node's native binding creates output arrays in the main realm, and
// onnxruntime-common's Tensor checks `data instanceof Float32Array` against the realm it was loaded
// in, so every run() fails under Jest ("A float32 tensor's data must be type of ..."). A plain Node
// process has one realm and never hits this. Sharing the main realm's typed-array constructors
// with the test realm makes both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxRuntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxRuntimeEnvironment;
