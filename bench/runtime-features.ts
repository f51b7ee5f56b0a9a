/**
 * Benchmarks of kfs-runtime's production features, each against a baseline measured in this run:
 *
 * (a) dynamic batching: the 784-512-256-10 MLP (models/mlp) with 32 concurrent callers sending one
 *     row each (REST, binary tensor extension), batching off vs on (`--max-batch-size 32
 *     --max-latency-ms 10`), one onnxruntime thread on both sides. Goal: ≥ 3× rows/s, with p99
 *     latency under maxLatency + one model run of a full batch (timed here, in this process, with
 *     onnxruntime-node on the same file).
 * (b) observability overhead: iris, 4 concurrent callers, everything off (`--disable-metrics`) vs
 *     metrics + CloudEvents logging (all events, to a sink in this process) + tracing (every request,
 *     OTLP to a receiver in this process). Goal: ≥ 0.8× requests/s. The sink is a raw-socket
 *     endpoint (bench/raw-http-sink.ts): it stands for a sink on another machine, and a node:http
 *     sink took CPU from the shared cores that the server then lacked (two events per request).
 *
 * Servers run in their own processes, one at a time; each configuration runs twice, interleaved with
 * its baseline, and its better run counts, so drift in a shared machine's load hits both sides.
 * The callers are raw keep-alive HTTP/1.1 connections (bench/raw-http-client.ts), the same on both
 * sides: node:http's client cost about as much CPU per request as the server and, sharing the two
 * cores, made the server look slower than it is (batching measured 1.5x with it, 2.4x without).
 * Benchmarks report; they never fail on a number.
 *
 * `npx tsx bench/runtime-features.ts` runs both; `... batching` or `... observability` runs one
 * (`npm run bench` runs everything, this included).
 */
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { lengthDelimitedFields } from '../runtime/src/tracing/otlp/otlp-response';
import { type RuntimeProcess, startRuntimeProcess } from './kfs-runtime-process';
import { RawHttpConnection, rawPost } from './raw-http-client';
import { RawHttpSink } from './raw-http-sink';

const ROOT = path.resolve(__dirname, '..');
const DURATION_MS = 5000;
/**
 * Load before measuring, so the measured part is the steady state. After 1 s V8 was still compiling:
 * the bare iris server took 95 µs of CPU a request then against 70 once warm, and the features'
 * added cost looked larger still (their code is compiled later than the request path).
 */
const WARMUP_MS = 8000;
const MLP_CALLERS = 32;
const MAX_BATCH_SIZE = 32;
const MAX_LATENCY_MS = 10;
const IRIS_CALLERS = 4;

interface Run {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU time per request (user + system, all threads), microseconds. */
  readonly serverCpuUs: number;
  /** The server's main thread (event loop) alone, microseconds per request. */
  readonly eventLoopCpuUs: number;
  /** Rows per model run over the server's life (warm-up included), from its statistics. */
  readonly rowsPerRun?: number;
  /** Requests answered over the whole load, warm-up included. */
  readonly answered: number;
  /** CloudEvents the sink got from this server (its queue flushed at shutdown), when logging was on. */
  readonly eventsDelivered?: number;
  /** Spans the OTLP receiver got from this server (flushed at shutdown), when tracing was on. */
  readonly spansExported?: number;
  /** The server's resident memory right after the load, MB. */
  readonly residentMb?: number;
}

/** inference_count / execution_count of a model: how full its runs were. */
async function rowsPerRun(base: string, model: string): Promise<number> {
  const response = await fetch(new URL(`/v2/models/${model}/stats`, base));
  const stats = ((await response.json()) as { model_stats: { inference_count: number; execution_count: number }[] }).model_stats[0]!;
  return stats.inference_count / stats.execution_count;
}

/** `callers` loops sending `send` back to back for DURATION_MS after a warm-up; latencies of the measured part. */
async function load(callers: number, send: () => Promise<void>, server: Pick<RuntimeProcess, 'cpuSeconds' | 'mainThreadCpuSeconds'>): Promise<Run> {
  let answered = 0;
  const loop = async (ms: number, latencies: number[] | undefined) => {
    const deadline = performance.now() + ms;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          await send();
          answered++;
          latencies?.push(performance.now() - started);
        }
      }),
    );
  };
  await loop(WARMUP_MS, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  const cpuBefore = server.cpuSeconds();
  const eventLoopBefore = server.mainThreadCpuSeconds();
  await loop(DURATION_MS, latencies);
  const seconds = (performance.now() - started) / 1000;
  const serverCpuUs = ((server.cpuSeconds() - cpuBefore) * 1e6) / latencies.length;
  const eventLoopCpuUs = ((server.mainThreadCpuSeconds() - eventLoopBefore) * 1e6) / latencies.length;
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requestsPerSecond: latencies.length / seconds, p50Ms: quantile(0.5), p99Ms: quantile(0.99), serverCpuUs, eventLoopCpuUs, answered };
}

/** A caller's request function over raw keep-alive connections (see RawHttpConnection), and how to close them. */
interface Poster {
  readonly send: () => Promise<void>;
  readonly close: () => void;
}

/**
 * POSTs of one prebuilt request; each concurrent caller gets a connection of its own (opened on
 * first use, reused after), as `callers` keep-alive clients would.
 */
function poster(base: string, path: string, body: Buffer, headers: Record<string, string>): Poster {
  const url = new URL(base);
  const port = Number(url.port);
  const request = rawPost(url.hostname, port, path, headers, body);
  const idle: RawHttpConnection[] = [];
  const all: RawHttpConnection[] = [];
  return {
    send: async () => {
      let connection = idle.pop();
      if (connection === undefined) {
        connection = await RawHttpConnection.open(url.hostname, port);
        all.push(connection);
      }
      const status = await connection.send(request);
      idle.push(connection);
      if (status !== 200) throw new Error(`${path}: HTTP ${status}`);
    },
    close: () => {
      for (const connection of all) connection.close();
    },
  };
}

function binaryInfer(base: string, model: string, input: { name: string; datatype: string; shape: number[]; bytes: Buffer }, output: string): Poster {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: input.name, datatype: input.datatype, shape: input.shape, parameters: { binary_data_size: input.bytes.length } }],
    outputs: [{ name: output, parameters: { binary_data: true } }],
  }));
  return poster(base, `/v2/models/${model}/infer`, Buffer.concat([header, input.bytes]), { 'inference-header-content-length': String(header.length) });
}

/** Median time of one MLP run over `rows` rows, in this process (the p99 goal's "one model run"). */
async function mlpRunMs(rows: number): Promise<number> {
  const session = await ort.InferenceSession.create(path.join(ROOT, 'models', 'mlp', '1', 'model.onnx'), { intraOpNumThreads: 1 });
  const tensor = new ort.Tensor('float32', new Float32Array(rows * 784).map((_, i) => (i % 255) / 255), [rows, 784]);
  const times: number[] = [];
  for (let i = 0; i < 110; i++) {
    const started = performance.now();
    await session.run({ input: tensor });
    if (i >= 10) times.push(performance.now() - started);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function mlpRun(extraArgs: string[]): Promise<Run> {
  // One onnxruntime thread on both sides: on a 2-core machine shared with the callers, onnxruntime's
  // default pool (a spinning thread per core) takes CPU from the event loop and the callers.
  const server = await startRuntimeProcess(['--model', 'mlp=models/mlp', '--disable-metrics', '--intra-op-threads', '1', ...extraArgs]);
  try {
    const row = new Float32Array(784).map((_, i) => (i % 255) / 255);
    const client = binaryInfer(server.http, 'mlp', { name: 'input', datatype: 'FP32', shape: [1, 784], bytes: Buffer.from(row.buffer) }, 'logits');
    try {
      const run = await load(MLP_CALLERS, client.send, server);
      return { ...run, rowsPerRun: await rowsPerRun(server.http, 'mlp') };
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
  }
}

/**
 * A loopback HTTP endpoint answering 200 with an empty body: the OTLP receiver (an empty
 * ExportTraceServiceResponse). It counts the exports and the spans in them, so a run whose spans
 * the SDK dropped (its queue full) shows it: dropped spans cost less than exported ones.
 */
async function acceptingEndpoint(): Promise<{ url: string; received: () => number; spans: () => number; close: () => Promise<void> }> {
  let received = 0;
  let spans = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received++;
      spans += countOtlpSpans(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    spans: () => spans,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Spans in an OTLP ExportTraceServiceRequest (protobuf): resource_spans (field 1) → scope_spans
 * (field 2) → spans (field 2), read by walking the length-delimited fields, nothing decoded.
 */
export function countOtlpSpans(message: Uint8Array): number {
  let count = 0;
  for (const resourceSpans of lengthDelimitedFields(message, 1)) {
    for (const scopeSpans of lengthDelimitedFields(resourceSpans, 2)) count += lengthDelimitedFields(scopeSpans, 2).length;
  }
  return count;
}

/**
 * One iris server under load. With `sink`, the events it got from this server are counted once the
 * server has stopped (shutdown flushes the logger's queue): the logger drops events rather than
 * slow serving when it cannot keep up, and a run that dropped events did less work than it should.
 */
async function irisRun(extraArgs: string[], sink?: { received: () => number }, receiver?: { spans: () => number }): Promise<Run> {
  const server = await startRuntimeProcess(['--model', 'iris=models/iris', ...extraArgs]);
  const receivedBefore = sink?.received() ?? 0;
  const spansBefore = receiver?.spans() ?? 0;
  let run: Run;
  try {
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] }));
    const client = poster(server.http, '/v2/models/iris/infer', body, { 'content-type': 'application/json' });
    try {
      run = { ...(await load(IRIS_CALLERS, client.send, server)), residentMb: server.residentBytes() / 1e6 };
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
  }
  return {
    ...run,
    ...(sink === undefined ? {} : { eventsDelivered: sink.received() - receivedBefore }),
    ...(receiver === undefined ? {} : { spansExported: receiver.spans() - spansBefore }),
  };
}

/**
 * "spans exported N (x per request)": a traced iris request makes four or five spans (request,
 * decode, queue when it waited, inference, encode); fewer per request means the exporter dropped some.
 */
function spansExported(run: Run): string {
  return run.spansExported === undefined ? '' : `  spans exported ${run.spansExported} (${(run.spansExported / Math.max(1, run.answered)).toFixed(2)} per request)`;
}

/** "events delivered N of M": M is two per answered request (request and response, --log-mode all). */
function delivery(run: Run): string {
  return run.eventsDelivered === undefined ? '' : `  events delivered ${run.eventsDelivered} of ${2 * run.answered}`;
}

function line(label: string, run: Run, unit: string, baseline: Run): string {
  const ratio = run.requestsPerSecond / baseline.requestsPerSecond;
  return `    ${label.padEnd(38)} ${run.requestsPerSecond.toFixed(0).padStart(7)} ${unit}  p50 ${run.p50Ms.toFixed(2).padStart(7)} ms  p99 ${run.p99Ms.toFixed(2).padStart(7)} ms  server CPU ${run.serverCpuUs.toFixed(0).padStart(5)} us/req (event loop ${run.eventLoopCpuUs.toFixed(0)})  ${ratio.toFixed(2)}x${run.rowsPerRun === undefined ? '' : `  ${run.rowsPerRun.toFixed(1)} rows/run`}`;
}

/** A feature's line: its run, and the server CPU it adds per request over the baseline. */
function cpuLine(label: string, run: Run, baseline: Run): string {
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(0)}`;
  const memory = run.residentMb === undefined ? '' : `, RSS ${run.residentMb.toFixed(0)} MB`;
  return `${line(label, run, 'req/s', baseline)}  (${signed(run.serverCpuUs - baseline.serverCpuUs)} us/req CPU, event loop ${signed(run.eventLoopCpuUs - baseline.eventLoopCpuUs)}${memory})`;
}

/**
 * The logger's server CPU per delivered event: what logging adds per request over the baseline,
 * divided by the events per request that reached the sink (fewer than two when the queue dropped
 * some: a dropped event costs next to nothing, a sent one all of it).
 */
function loggerCostPerEvent(run: Run, baseline: Run): string {
  if (run.eventsDelivered === undefined || run.eventsDelivered === 0) return '';
  const eventsPerRequest = run.eventsDelivered / run.answered;
  return `  ~${((run.serverCpuUs - baseline.serverCpuUs) / eventsPerRequest).toFixed(0)} us CPU/event`;
}

/** Runs `baseline` and `candidate` twice, interleaved; the better run of each. */
async function interleaved(baseline: () => Promise<Run>, candidate: () => Promise<Run>): Promise<[Run, Run]> {
  const runs: [Run[], Run[]] = [[], []];
  for (let round = 0; round < 2; round++) {
    runs[0].push(await baseline());
    runs[1].push(await candidate());
  }
  const best = (list: Run[]) => list.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return [best(runs[0]), best(runs[1])];
}

export async function runRuntimeFeatureBenchmark(): Promise<void> {
  await runBatchingBenchmark();
  await runObservabilityBenchmark();
}

/** (a) batching on vs off. */
export async function runBatchingBenchmark(): Promise<void> {
  console.log(`\nkfs-runtime dynamic batching: MLP 784-512-256-10, ${MLP_CALLERS} concurrent callers x 1 row (REST binary), best of 2 x ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up`);
  const runMs = await mlpRunMs(MAX_BATCH_SIZE);
  const rowMs = await mlpRunMs(1);
  console.log(`    one model run: 1 row ${(rowMs * 1000).toFixed(0)} us; ${MAX_BATCH_SIZE} rows ${(runMs * 1000).toFixed(0)} us (${((runMs * 1000) / MAX_BATCH_SIZE).toFixed(0)} us/row): the most batching can save is the difference per row`);
  const [off, on] = await interleaved(() => mlpRun([]), () => mlpRun(['--max-batch-size', String(MAX_BATCH_SIZE), '--max-latency-ms', String(MAX_LATENCY_MS)]));
  console.log(line('batching off (baseline)', off, 'rows/s', off));
  console.log(line(`batching on (${MAX_BATCH_SIZE} rows, ${MAX_LATENCY_MS} ms)`, on, 'rows/s', off));
  const speedup = on.requestsPerSecond / off.requestsPerSecond;
  const p99Bound = MAX_LATENCY_MS + runMs;
  console.log(`    goal >= 3x rows/s: ${speedup.toFixed(2)}x ${speedup >= 3 ? 'met' : 'NOT met'}`);
  console.log(`    goal p99 < maxLatency + one ${MAX_BATCH_SIZE}-row run (${MAX_LATENCY_MS} + ${runMs.toFixed(2)} = ${p99Bound.toFixed(2)} ms): p99 ${on.p99Ms.toFixed(2)} ms ${on.p99Ms < p99Bound ? 'met' : 'NOT met'}`);
}

/** (b) metrics + logging + tracing on vs all off. */
export async function runObservabilityBenchmark(): Promise<void> {
  console.log(`\nkfs-runtime observability overhead: iris, ${IRIS_CALLERS} concurrent callers (REST JSON), best of 2 x ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up`);
  const sink = await RawHttpSink.listen();
  // OTLP exports come in batches, a few a second: node:http's cost does not matter there.
  const receiver = await acceptingEndpoint();
  try {
    const metrics = ['--metrics-port', '0'];
    const logging = ['--log-url', sink.url, '--log-mode', 'all'];
    const tracing = ['--otlp-endpoint', receiver.url, '--trace-sample-ratio', '1'];
    const [bare, observed] = await interleaved(() => irisRun(['--disable-metrics']), () => irisRun([...metrics, ...logging, ...tracing], sink, receiver));
    console.log(cpuLine('all off (baseline)', bare, bare));
    console.log(cpuLine('metrics + logging + tracing on', observed, bare) + delivery(observed) + spansExported(observed));
    const ratio = observed.requestsPerSecond / bare.requestsPerSecond;
    // Dropped events mean logging did less than asked: such a run cannot meet the goal.
    const dropped = 2 * observed.answered - (observed.eventsDelivered ?? 0);
    const met = ratio >= 0.8 && dropped <= 0;
    console.log(`    goal >= 0.8x with every event delivered: ${ratio.toFixed(2)}x, ${Math.max(0, dropped)} events dropped, ${met ? 'met' : 'NOT met'}`);
    // One feature at a time, to show where the cost is (one run each, against the same baseline).
    console.log(cpuLine('  metrics only', await irisRun(metrics), bare));
    const loggingOnly = await irisRun(['--disable-metrics', ...logging], sink);
    console.log(cpuLine('  logging only (2 CloudEvents/request)', loggingOnly, bare) + delivery(loggingOnly) + loggerCostPerEvent(loggingOnly, bare));
    const tracingOnly = await irisRun(['--disable-metrics', ...tracing], undefined, receiver);
    console.log(cpuLine('  tracing only (every request)', tracingOnly, bare) + spansExported(tracingOnly));
    if (sink.malformed() > 0) console.log(`    the sink closed ${sink.malformed()} connections on requests without a Content-Length: delivery counts are low`);
  } finally {
    await sink.close();
    await receiver.close();
  }
}

if (require.main === module) {
  const only = process.argv[2];
  const benchmarks: Record<string, () => Promise<void>> = { batching: runBatchingBenchmark, observability: runObservabilityBenchmark };
  const run = only === undefined ? runRuntimeFeatureBenchmark : benchmarks[only];
  if (run === undefined) {
    console.error(`usage: tsx bench/runtime-features.ts [${Object.keys(benchmarks).join('|')}] (no argument: both)`);
    process.exitCode = 2;
  } else {
    run().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
