import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DESCRIPTOR_FILE as SCRIPT_DESCRIPTOR_FILE, SERVED_PROTOS, grpcDescriptorJson } from '../../../scripts/grpc-descriptor';
import { DESCRIPTOR_FILE, PROTO_LOADER_OPTIONS, loadServiceDefinitions } from '../../../runtime/src/server/grpc/proto';

// The server loads precompiled descriptors (runtime/protocol/grpc-services.json); the vendored .proto
// files are the source of truth. These checks fail when the two drift apart or when the server's
// (de)serializers stop matching what @grpc/proto-loader builds from the .proto files.

/** proto-loader's definitions straight from the .proto files, as clients build them. */
function fromProtoFiles(): { inference: grpc.ServiceDefinition; health: grpc.ServiceDefinition } {
  const definition = protoLoader.loadSync([...SERVED_PROTOS], PROTO_LOADER_OPTIONS);
  return {
    inference: definition['inference.GRPCInferenceService'] as grpc.ServiceDefinition,
    health: definition['grpc.health.v1.Health'] as grpc.ServiceDefinition,
  };
}

const INFER_REQUEST = {
  model_name: 'iris',
  model_version: '1',
  id: 'r1',
  parameters: { binary_data: { bool_param: true }, priority: { uint64_param: '18446744073709551615' } },
  inputs: [
    {
      name: 'input',
      datatype: 'FP32',
      shape: ['1', '4'],
      parameters: {},
      contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] },
    },
  ],
  outputs: [{ name: 'label', parameters: {} }],
  raw_input_contents: [Buffer.from([1, 2, 3])],
};

describe('precompiled gRPC descriptors', () => {
  it('are what the vendored .proto files compile to (npm run grpc-descriptor rewrites them)', () => {
    expect(SCRIPT_DESCRIPTOR_FILE).toBe(DESCRIPTOR_FILE);
    expect(readFileSync(DESCRIPTOR_FILE, 'utf8')).toBe(grpcDescriptorJson());
  });

  it('give every method the path, streaming flags and handler name proto-loader gives it', () => {
    const ours = loadServiceDefinitions();
    const reference = fromProtoFiles();
    for (const service of ['inference', 'health'] as const) {
      const shape = (definition: grpc.ServiceDefinition) =>
        Object.fromEntries(Object.entries(definition).map(([name, method]) => [name, [method.path, method.requestStream, method.responseStream, method.originalName]]));
      expect(shape(ours[service])).toEqual(shape(reference[service]));
    }
    expect(Object.keys(ours.inference)).toContain('ModelStreamInfer');
    expect(ours.inference.ModelStreamInfer.requestStream).toBe(true);
  });

  it('serialize and deserialize messages byte for byte and field for field as proto-loader does', () => {
    const ours = loadServiceDefinitions().inference.ModelInfer;
    const reference = fromProtoFiles().inference.ModelInfer;
    const bytes = ours.requestSerialize(INFER_REQUEST);
    expect(bytes.length).toBeGreaterThan(40);
    expect(Buffer.compare(bytes, reference.requestSerialize(INFER_REQUEST))).toBe(0);
    const decoded = ours.requestDeserialize(bytes) as typeof INFER_REQUEST;
    expect(decoded).toEqual(reference.requestDeserialize(bytes));
    // 64-bit integers as strings, oneof member names, defaults filled in: the mapping the handlers rely on.
    expect(decoded.inputs[0].shape).toEqual(['1', '4']);
    expect(decoded.parameters.priority).toEqual({ uint64_param: '18446744073709551615', parameter_choice: 'uint64_param' });
    expect(decoded.inputs[0].contents).toMatchObject({ int_contents: [], fp32_contents: [5.1, 3.5, 1.4, 0.2].map((value) => expect.closeTo(value, 5)) });
  });

  it('decode a health answer with its enum by name, as proto-loader does', () => {
    const ours = loadServiceDefinitions().health.Check;
    const reference = fromProtoFiles().health.Check;
    const bytes = reference.responseSerialize({ status: 'SERVING' });
    expect(ours.responseDeserialize(bytes)).toEqual({ status: 'SERVING' });
    expect(Buffer.compare(ours.responseSerialize({ status: 'SERVING' }), bytes)).toBe(0);
  });
});
