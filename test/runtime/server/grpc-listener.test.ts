/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
/**
 * The gRPC port's listener (runtime/src/server/grpc/grpc-listener.ts): the gRPC server behind it is
 * loaded on the port's first connection, serves that connection and every later one, and a failed
 * load closes the waiting connections and is tried again on the next.
 */
import { type Socket, connect, createServer } from 'node:net';
import type { RunningServer } from '../../../runtime/src';
import { type GrpcConnectionHandler, GrpcListener } from '../../../runtime/src/server/grpc/grpc-listener';
import { GrpcInferClient, rawInt64s } from '../helpers/grpc-client';
import { IRIS_DIR } from '../helpers/paths';
import { postJson, startTestServer } from '../helpers/test-server';

const IRIS_ROWS = { model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: ['2', '4'], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] } }] };

describe('the gRPC server of a running model server', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }]);
  });

  afterAll(async () => {
    await server?.close();
  });

  test('is not loaded by REST traffic, is loaded by the first gRPC call, and then serves every gRPC client', async () => {
    expect(await postJson(server, '/v2/models/iris/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] })).toMatchObject({ status: 200 });
    expect(server.grpc.loaded).toBe(false);

    // Two clients at once: both connections arrive while the stack loads, and both are served.
    const clients = [new GrpcInferClient(server.grpcTarget), new GrpcInferClient(server.grpcTarget)];
    try {
      const responses = await Promise.all(clients.map((client) => client.infer(IRIS_ROWS)));
      expect(server.grpc.loaded).toBe(true);
      for (const response of responses) {
        const label = response.outputs.findIndex((output) => output.name === 'label');
        expect(rawInt64s(response.raw_output_contents[label])).toEqual([0, 2]);
      }
      const later = new GrpcInferClient(server.grpcTarget);
      try {
        expect((await later.infer(IRIS_ROWS)).model_name).toBe('iris');
      } finally {
        later.close();
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
});

/** Resolves when the server closes `socket` (or rejects on a socket error other than a reset). */
function closedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
    socket.on('close', () => resolve());
  });
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('GrpcListener', () => {
  // A load that fails is a fault a working install cannot produce (the stack is part of the
  // package), so these loaders are named stand-ins; the success path runs the real stack above.
  test('a failed load closes the connections waiting for it, is reported, and is tried again on the next connection', async () => {
    const errors: unknown[] = [];
    let attempts = 0;
    const listener = await GrpcListener.listen({
      host: '127.0.0.1',
      port: 0,
      load: () => {
        attempts += 1;
        return Promise.reject(new Error(`stand-in load failure ${attempts}`));
      },
      onLoadError: (error) => errors.push(error),
    });
    try {
      const first = await connectTo(listener.port);
      await closedByServer(first);
      expect(errors.map((error) => (error as Error).message)).toEqual(['stand-in load failure 1']);
      expect(listener.loaded).toBe(false);

      const second = await connectTo(listener.port);
      await closedByServer(second);
      expect(attempts).toBe(2);
      expect(errors).toHaveLength(2);
    } finally {
      await listener.shutdown(0);
    }
  });

  test('shutdown closes connections still waiting for the load, stops accepting, and shuts the loaded server down', async () => {
    let finishLoad!: (handler: GrpcConnectionHandler) => void;
    const injected: Socket[] = [];
    const shutdowns: number[] = [];
    const handler: GrpcConnectionHandler = {
      injectConnection: (socket) => injected.push(socket),
      shutdown: async (graceMs) => {
        shutdowns.push(graceMs);
      },
      forceShutdown: () => {},
    };
    const listener = await GrpcListener.listen({
      host: '127.0.0.1',
      port: 0,
      load: () => new Promise((resolve) => (finishLoad = resolve)),
      onLoadError: () => {},
    });
    const port = listener.port;
    const waiting = await connectTo(port);
    const waitingClosed = closedByServer(waiting);
    await new Promise((resolve) => setImmediate(resolve));

    const shutdown = listener.shutdown(1234);
    await waitingClosed;
    finishLoad(handler);
    await shutdown;
    expect(injected).toEqual([]); // the waiting connection was closed, not handed over
    expect(shutdowns).toEqual([1234]);
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('binding a port in use fails as listen does', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    const port = (occupant.address() as { port: number }).port;
    try {
      await expect(GrpcListener.listen({ host: '127.0.0.1', port, load: () => Promise.reject(new Error('unused')), onLoadError: () => {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      occupant.close();
    }
  });
});
