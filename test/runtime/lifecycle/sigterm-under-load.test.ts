import { type CliServer, logLines, startCliServer } from '../helpers/cli-server';
import { GrpcInferClient } from '../helpers/grpc-client';

const CONCURRENCY = 200;
const DRAIN_SECONDS = 6;
const MLP_ROWS = 4;
const MLP_DATA = Array.from({ length: MLP_ROWS * 784 }, (_, i) => (i % 97) / 97);
const MLP_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [MLP_ROWS, 784], data: MLP_DATA }] });
const MLP_GRPC_REQUEST = { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [String(MLP_ROWS), '784'], contents: { fp32_contents: MLP_DATA } }] };
const GRPC_CALLERS = 60;
const GRPC_CHANNELS = 3;

/** What happened to the callers of {@link terminateUnderLoad}. */
interface DrainOutcome {
  readonly failures: readonly string[];
  /** Calls started after the SIGTERM (while the load balancer still routed). */
  readonly startedAfterSigterm: number;
  /** Calls that ended after the SIGTERM, the ones in flight at the signal included. */
  readonly finishedAfterSigterm: number;
  /** SIGTERM → the first 503 from readiness that the simulated load balancer saw. */
  readonly notReadyAfterMs: number | undefined;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * `callers` loops of `call` (which resolves with a failure's description, or undefined on
 * success) against the server; once they have made two calls each, SIGTERM. A simulated load
 * balancer polls readiness and stops the callers when it fails, as the endpoints controller (or
 * Knative's activator) stops routing to a terminating pod. Resolves once the process has exited.
 */
async function terminateUnderLoad(server: CliServer, callers: number, call: (caller: number) => Promise<string | undefined>): Promise<DrainOutcome> {
  let routing = true;
  let sigtermAt = 0;
  let notReadyAfterMs: number | undefined;
  const poller = (async () => {
    while (routing) {
      const status = await fetch(`${server.url}/v2/health/ready`).then((response) => response.status, () => 0);
      if (sigtermAt > 0 && status === 503) {
        notReadyAfterMs = Date.now() - sigtermAt;
        routing = false;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  let succeeded = 0;
  let startedAfterSigterm = 0;
  let finishedAfterSigterm = 0;
  const failures: string[] = [];
  const loop = async (caller: number) => {
    while (routing) {
      if (sigtermAt > 0) startedAfterSigterm++;
      const failure = await call(caller).catch((error: unknown) => `${(error as Error).message}: ${String((error as { cause?: unknown }).cause)}`);
      if (failure === undefined) succeeded++;
      else failures.push(failure);
      if (sigtermAt > 0) finishedAfterSigterm++;
    }
  };
  const loops = Array.from({ length: callers }, (_, caller) => loop(caller));
  // Let every caller have a call in flight, then terminate.
  while (succeeded < 2 * callers && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  sigtermAt = Date.now();
  server.child.kill('SIGTERM');
  await Promise.all(loops);
  routing = false;
  await poller;
  return { failures, startedAfterSigterm, finishedAfterSigterm, notReadyAfterMs, exit: await server.exit };
}

describe('SIGTERM under load', () => {
  it('loses none of 200 concurrent callers: readiness fails first, in-flight requests finish, the process exits 0', async () => {
    // The drain must outlast the load balancer's reaction; the simulated one polls readiness
    // through a server busy with 200 callers on a machine busy with the rest of the suite.
    const server = await startCliServer(['--model', 'mlp=models/mlp', '--disable-metrics', '--drain-seconds', `${DRAIN_SECONDS}`, '--shutdown-timeout-seconds', '30']);
    try {
      const outcome = await terminateUnderLoad(server, CONCURRENCY, async () => {
        const response = await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', body: MLP_BODY, headers: { 'content-type': 'application/json' } });
        const body = (await response.json()) as { outputs?: { shape: number[] }[]; error?: string };
        return response.status === 200 && body.outputs?.[0]?.shape[0] === MLP_ROWS ? undefined : `HTTP ${response.status}: ${body.error}`;
      });

      // Readiness failed, and the balancer saw it, while the server was still draining.
      expect(outcome.notReadyAfterMs).toBeLessThan(DRAIN_SECONDS * 1000);
      expect(outcome.failures).toEqual([]);
      // At least the 200 requests in flight at the signal were answered, plus those sent while draining.
      expect(outcome.finishedAfterSigterm).toBeGreaterThanOrEqual(CONCURRENCY);
      expect(outcome.startedAfterSigterm).toBeGreaterThan(0);
      expect(outcome.exit).toEqual({ code: 0, signal: null });
      const messages = logLines(server.stdout()).map((line) => line.msg);
      expect(messages).toContain('shutting down');
      expect(messages).toContain('stopped');
      expect(messages).not.toContain('shutdown timeout reached: open connections were cut off');
    } finally {
      await server.kill();
    }
  }, 120_000);

  it('loses none of 60 concurrent gRPC callers, whose first call loaded the gRPC server: in-flight calls finish, the process exits 0', async () => {
    const server = await startCliServer(['--model', 'mlp=models/mlp', '--disable-metrics', '--drain-seconds', `${DRAIN_SECONDS}`, '--shutdown-timeout-seconds', '30']);
    const clients = Array.from({ length: GRPC_CHANNELS }, () => new GrpcInferClient(server.grpcTarget));
    try {
      const outcome = await terminateUnderLoad(server, GRPC_CALLERS, async (caller) => {
        const response = await clients[caller % GRPC_CHANNELS]!.infer(MLP_GRPC_REQUEST);
        return response.outputs[0]?.shape[0] === String(MLP_ROWS) ? undefined : `unexpected outputs ${JSON.stringify(response.outputs)}`;
      });

      expect(outcome.failures).toEqual([]);
      expect(outcome.finishedAfterSigterm).toBeGreaterThanOrEqual(GRPC_CALLERS);
      expect(outcome.exit).toEqual({ code: 0, signal: null });
      const messages = logLines(server.stdout()).map((line) => line.msg);
      expect(messages).toContain('gRPC server loaded for the first connection');
      expect(messages).toContain('stopped');
      expect(messages).not.toContain('shutdown timeout reached: open connections were cut off');
    } finally {
      for (const client of clients) client.close();
      await server.kill();
    }
  }, 120_000);
});
