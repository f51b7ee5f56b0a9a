import { logLines, startCliServer } from '../helpers/cli-server';
import { GrpcInferClient } from '../helpers/grpc-client';

const CONCURRENCY = 200;
const DRAIN_SECONDS = 6;
const MLP_ROWS = 4;
const MLP_DATA = Array.from({ length: MLP_ROWS * 784 }, (_, i) => (i % 97) / 97);
const MLP_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [MLP_ROWS, 784], data: MLP_DATA }] });
const MLP_GRPC_REQUEST = { model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [String(MLP_ROWS), '784'], contents: { fp32_contents: MLP_DATA } }] };
const GRPC_CALLERS = 60;
const GRPC_CHANNELS = 3;

describe('SIGTERM under load', () => {
  it('loses none of 200 concurrent callers: readiness fails first, in-flight requests finish, the process exits 0', async () => {
    // The drain must outlast the load balancer's reaction; the simulated one below polls readiness
    // through a server busy with 200 callers on a machine busy with the rest of the suite.
    const server = await startCliServer(['--model', 'mlp=models/mlp', '--disable-metrics', '--drain-seconds', `${DRAIN_SECONDS}`, '--shutdown-timeout-seconds', '30']);
    try {
      // The load balancer's view: it stops sending new requests once readiness fails, as the
      // endpoints controller (or Knative's activator) does for a terminating pod.
      let routing = true;
      let notReadyAfterMs: number | undefined;
      let sigtermAt = 0;
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
      const caller = async () => {
        while (routing) {
          if (sigtermAt > 0) startedAfterSigterm++;
          try {
            const response = await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', body: MLP_BODY, headers: { 'content-type': 'application/json' } });
            const body = (await response.json()) as { outputs?: { shape: number[] }[]; error?: string };
            if (response.status === 200 && body.outputs?.[0]?.shape[0] === MLP_ROWS) succeeded++;
            else failures.push(`HTTP ${response.status}: ${body.error}`);
          } catch (error) {
            failures.push(`${(error as Error).message}: ${String((error as { cause?: unknown }).cause)}`);
          }
          if (sigtermAt > 0) finishedAfterSigterm++;
        }
      };
      const callers = Array.from({ length: CONCURRENCY }, caller);
      // Let every caller have a request in flight, then terminate.
      while (succeeded < 2 * CONCURRENCY && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      sigtermAt = Date.now();
      server.child.kill('SIGTERM');
      await Promise.all(callers);
      routing = false;
      await poller;
      const exit = await server.exit;

      // Readiness failed, and the balancer saw it, while the server was still draining.
      expect(notReadyAfterMs).toBeLessThan(DRAIN_SECONDS * 1000);
      expect(failures).toEqual([]);
      // At least the 200 requests in flight at the signal were answered, plus those sent while draining.
      expect(finishedAfterSigterm).toBeGreaterThanOrEqual(CONCURRENCY);
      expect(startedAfterSigterm).toBeGreaterThan(0);
      expect(exit).toEqual({ code: 0, signal: null });
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
      let routing = true;
      let sigtermAt = 0;
      const poller = (async () => {
        while (routing) {
          const status = await fetch(`${server.url}/v2/health/ready`).then((response) => response.status, () => 0);
          if (sigtermAt > 0 && status === 503) routing = false;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      let succeeded = 0;
      let finishedAfterSigterm = 0;
      const failures: string[] = [];
      const caller = async (client: GrpcInferClient) => {
        while (routing) {
          try {
            const response = await client.infer(MLP_GRPC_REQUEST);
            if (response.outputs[0]?.shape[0] === String(MLP_ROWS)) succeeded++;
            else failures.push(`unexpected outputs ${JSON.stringify(response.outputs)}`);
          } catch (error) {
            failures.push((error as Error).message);
          }
          if (sigtermAt > 0) finishedAfterSigterm++;
        }
      };
      const callers = Array.from({ length: GRPC_CALLERS }, (_, i) => caller(clients[i % GRPC_CHANNELS]!));
      while (succeeded < 2 * GRPC_CALLERS && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      sigtermAt = Date.now();
      server.child.kill('SIGTERM');
      await Promise.all(callers);
      routing = false;
      await poller;
      const exit = await server.exit;

      expect(failures).toEqual([]);
      expect(finishedAfterSigterm).toBeGreaterThanOrEqual(GRPC_CALLERS);
      expect(exit).toEqual({ code: 0, signal: null });
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
