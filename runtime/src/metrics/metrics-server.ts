import { createServer, type Server } from 'node:http';
import type { RuntimeMetrics } from './runtime-metrics';

/**
 * `GET /metrics` on a port of its own (`--metrics-port`, 8082 by default, as MLServer and Triton
 * keep metrics away from inference traffic), so scrapes never queue behind inferences in a proxy
 * and the metrics port can be opened to Prometheus alone.
 */
export async function startMetricsServer(metrics: RuntimeMetrics, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: `no such endpoint: ${request.method} ${path}; metrics are at GET /metrics` }));
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(request.method === 'HEAD' ? undefined : body),
      (error: Error) => response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: `metrics failed: ${error.message}` })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}
