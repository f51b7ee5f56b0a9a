import { createServer } from 'node:net';

/**
 * A TCP port that is free on 127.0.0.1 right now. The kernel picks it; there is a small window in
 * which another process could take it before our server binds, which start-up errors then report.
 */
export function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error(`unexpected server address ${String(address)}`));
      });
    });
  });
}
