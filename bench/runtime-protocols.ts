/**
 * Benchmark: the same inference over the three wire formats of kfs-runtime — REST with JSON data
 * (the baseline), REST with the binary tensor data extension, and gRPC with raw contents — for a
 * 1 MB FP32 tensor (the identity model's FP32 pass-through) and for one iris row. The server runs
 * in its own process, as in production; the client here encodes each request once up front and
 * decodes every response fully, so the numbers are server + transport + response decoding.
 * Prints requests/s and each format's ratio to REST JSON, all measured in this one run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../runtime/src/server/grpc/proto';

const ROOT = path.resolve(__dirname, '..');
const DURATION_MS = 3000;
const WARMUP_MS = 500;
const CONCURRENCY = 4;
const FP32_ELEMENTS = 262_144; // 1 MiB of FP32

interface Case {
  readonly label: string;
  readonly model: string;
  readonly inputs: { name: string; datatype: string; shape: number[]; values: ArrayLike<number | bigint | string | boolean>; bytes: Buffer }[];
  readonly output: string;
}

/** The identity model needs every input; all but FP32 are one element. */
function identityCase(): Case {
  const fp32 = new Float32Array(FP32_ELEMENTS).map((_, index) => (index % 1000) / 7);
  const small: [string, string, ArrayLike<number | bigint | string | boolean>, Buffer][] = [
    ['in_bool', 'BOOL', [true], Buffer.from([1])],
    ['in_uint8', 'UINT8', [1], Buffer.from([1])],
    ['in_uint16', 'UINT16', [1], Buffer.from(new Uint16Array([1]).buffer)],
    ['in_uint32', 'UINT32', [1], Buffer.from(new Uint32Array([1]).buffer)],
    ['in_uint64', 'UINT64', [1], Buffer.from(new BigUint64Array([1n]).buffer)],
    ['in_int8', 'INT8', [1], Buffer.from([1])],
    ['in_int16', 'INT16', [1], Buffer.from(new Int16Array([1]).buffer)],
    ['in_int32', 'INT32', [1], Buffer.from(new Int32Array([1]).buffer)],
    ['in_int64', 'INT64', [1], Buffer.from(new BigInt64Array([1n]).buffer)],
    ['in_fp64', 'FP64', [1], Buffer.from(new Float64Array([1]).buffer)],
    ['in_bytes', 'BYTES', ['a'], Buffer.from([1, 0, 0, 0, 0x61])],
  ];
  return {
    label: '1 MB FP32 tensor (identity)',
    model: 'identity',
    output: 'out_fp32',
    inputs: [
      { name: 'in_fp32', datatype: 'FP32', shape: [1, FP32_ELEMENTS], values: fp32, bytes: Buffer.from(fp32.buffer) },
      ...small.map(([name, datatype, values, bytes]) => ({ name, datatype, shape: [1, 1], values, bytes })),
    ],
  };
}

function irisCase(): Case {
  const row = new Float32Array([6.0, 2.9, 4.9, 1.6]);
  return { label: 'iris, 1 row', model: 'iris', output: 'probabilities', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], values: row, bytes: Buffer.from(row.buffer) }] };
}

type Sender = () => Promise<void>;

function restJson(base: string, test: Case): Sender {
  const body = JSON.stringify({
    inputs: test.inputs.map(({ name, datatype, shape, values }) => ({ name, datatype, shape, data: Array.from(values as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v)) })),
    outputs: [{ name: test.output }],
  });
  return async () => {
    const response = await fetch(`${base}/v2/models/${test.model}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const parsed = (await response.json()) as { outputs?: unknown[] };
    if (response.status !== 200 || parsed.outputs === undefined) throw new Error(`REST JSON: ${response.status} ${JSON.stringify(parsed).slice(0, 200)}`);
  };
}

function restBinary(base: string, test: Case): Sender {
  const header = Buffer.from(
    JSON.stringify({
      inputs: test.inputs.map(({ name, datatype, shape, bytes }) => ({ name, datatype, shape, parameters: { binary_data_size: bytes.length } })),
      outputs: [{ name: test.output, parameters: { binary_data: true } }],
    }),
  );
  const body = Buffer.concat([header, ...test.inputs.map((input) => input.bytes)]);
  return async () => {
    const response = await fetch(`${base}/v2/models/${test.model}/infer`, { method: 'POST', body, headers: { 'inference-header-content-length': String(header.length) } });
    const bytes = Buffer.from(await response.arrayBuffer());
    const jsonLength = Number(response.headers.get('inference-header-content-length'));
    if (response.status !== 200 || !(jsonLength > 0)) throw new Error(`REST binary: ${response.status} ${bytes.toString('utf8', 0, 200)}`);
    JSON.parse(bytes.toString('utf8', 0, jsonLength));
    new Float32Array(bytes.buffer.slice(bytes.byteOffset + jsonLength, bytes.byteOffset + bytes.length));
  };
}

type InferClient = grpc.Client & { ModelInfer(request: unknown, callback: (error: grpc.ServiceError | null, response?: { raw_output_contents: Buffer[] }) => void): void };

function grpcRaw(client: InferClient, test: Case): Sender {
  const message = {
    model_name: test.model,
    inputs: test.inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    outputs: [{ name: test.output }],
    raw_input_contents: test.inputs.map((input) => input.bytes),
  };
  return () =>
    new Promise((resolve, reject) =>
      client.ModelInfer(message, (error, response) => {
        if (error !== null || response === undefined) return reject(new Error(`gRPC: ${error?.details}`));
        const raw = response.raw_output_contents[0]!;
        new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
        resolve();
      }),
    );
}

/** Requests per second with CONCURRENCY callers for DURATION_MS, after a warm-up. */
async function throughput(send: Sender): Promise<number> {
  const run = async (ms: number) => {
    const deadline = performance.now() + ms;
    let count = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          await send();
          count++;
        }
      }),
    );
    return count;
  };
  await run(WARMUP_MS);
  const started = performance.now();
  const count = await run(DURATION_MS);
  return count / ((performance.now() - started) / 1000);
}

async function startServer(): Promise<{ child: ChildProcess; http: string; grpc: string }> {
  const httpPort = 18000 + Math.floor(Math.random() * 2000);
  const grpcPort = httpPort + 1;
  const args = ['serve', '--model', 'iris=models/iris', '--model', 'identity=models/identity', '--http-port', String(httpPort), '--grpc-port', String(grpcPort), '--metrics-port', '0', '--drain-seconds', '0', '--host', '127.0.0.1'];
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `require('./runtime/src/cli').main(${JSON.stringify(args)}).then((code) => process.exit(code))`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const http = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${http}/v2/health/ready`).then((response) => response.status === 200, () => false);
    if (ready) return { child, http, grpc: `127.0.0.1:${grpcPort}` };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error('kfs-runtime did not become ready');
}

export async function runRuntimeProtocolBenchmark(): Promise<void> {
  const server = await startServer();
  const definition = protoLoader.loadSync('grpc_service.proto', PROTO_LOADER_OPTIONS);
  const { inference } = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (target: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => InferClient } };
  const client = new inference.GRPCInferenceService(server.grpc, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  try {
    console.log(`\nkfs-runtime protocols: requests/s over ${DURATION_MS / 1000} s, ${CONCURRENCY} concurrent callers, server in its own process`);
    for (const test of [identityCase(), irisCase()]) {
      const json = await throughput(restJson(server.http, test));
      const binary = await throughput(restBinary(server.http, test));
      const raw = await throughput(grpcRaw(client, test));
      console.log(`  ${test.label}`);
      console.log(`    REST JSON    ${json.toFixed(1).padStart(9)} req/s  1.00x (baseline)`);
      console.log(`    REST binary  ${binary.toFixed(1).padStart(9)} req/s  ${(binary / json).toFixed(2)}x`);
      console.log(`    gRPC raw     ${raw.toFixed(1).padStart(9)} req/s  ${(raw / json).toFixed(2)}x`);
    }
  } finally {
    client.close();
    server.child.kill('SIGTERM');
  }
}
