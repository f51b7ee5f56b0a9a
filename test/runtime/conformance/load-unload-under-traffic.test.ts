/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { RunningServer } from '../../../runtime/src';
import { PROTO_LOADER_OPTIONS } from '../../../runtime/src/server/grpc/proto';
import { IRIS_DIR, MODELS_DIR } from '../helpers/paths';
import { request, startTestServer } from '../helpers/test-server';

const CYCLES = 50;
const IRIS_BODY = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] }));

type InferClient = grpc.Client & {
  ModelInfer(request: unknown, callback: (error: grpc.ServiceError | null, response?: { model_name: string }) => void): void;
};

/**
 * Model B (the 2 MB MLP, from the model repository folder) is loaded and unloaded 50 times while
 * clients stream requests to model A (iris) over HTTP and gRPC: not one request to A may fail.
 */
describe('load and unload under traffic', () => {
  let server: RunningServer;
  let client: InferClient;

  beforeAll(async () => {
    server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { modelRepository: MODELS_DIR });
    const definition = protoLoader.loadSync('grpc_service.proto', PROTO_LOADER_OPTIONS);
    const { inference } = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (target: string, credentials: grpc.ChannelCredentials) => InferClient } };
    client = new inference.GRPCInferenceService(server.grpcTarget, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it(`loads and unloads B ${CYCLES} times while A serves every request`, async () => {
    let done = false;
    const outcomes = { ok: 0, failed: [] as string[] };
    const httpStream = async () => {
      while (!done) {
        const response = await request(server, 'POST', '/v2/models/iris/infer', IRIS_BODY).catch((error: Error) => ({ status: 0, body: error.message }));
        if (response.status === 200) outcomes.ok++;
        else outcomes.failed.push(`HTTP ${response.status} ${JSON.stringify(response.body)}`);
      }
    };
    const grpcStream = async () => {
      const message = { model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } }] };
      while (!done) {
        await new Promise<void>((resolve) =>
          client.ModelInfer(message, (error, response) => {
            if (error === null && response?.model_name === 'iris') outcomes.ok++;
            else outcomes.failed.push(`gRPC ${error?.code} ${error?.details}`);
            resolve();
          }),
        );
      }
    };
    const streams = [httpStream(), httpStream(), grpcStream()];

    const cycleStatuses: number[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      cycleStatuses.push((await request(server, 'POST', '/v2/repository/models/mlp/load', Buffer.alloc(0))).status);
      cycleStatuses.push((await request(server, 'GET', '/v2/models/mlp/ready')).status);
      cycleStatuses.push((await request(server, 'POST', '/v2/repository/models/mlp/unload', Buffer.alloc(0))).status);
    }
    done = true;
    await Promise.all(streams);

    expect(cycleStatuses).toEqual(Array.from({ length: CYCLES }, () => [200, 200, 200]).flat());
    expect(outcomes.failed).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(CYCLES);
    // Loading B through the repository API never took the server out of readiness.
    expect((await request(server, 'GET', '/v2/health/ready')).status).toBe(200);
    expect(await request(server, 'GET', '/v2/models/mlp/ready')).toMatchObject({ status: 503 });
  }, 240_000);
});
