import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `/healthz` (the process answers) and `/readyz` (its caches are synced, so it could lead) for the
 * kubelet's probes; a standby replica is ready too. Plain node:http: two routes need no framework.
 */
export async function startHealthServer(host: string, port: number, ready: () => boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(body);
    };
    if (path === '/healthz') return answer(200, 'ok\n');
    if (path === '/readyz') return ready() ? answer(200, 'ok\n') : answer(503, 'caches not synced\n');
    return answer(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
