'use strict';
// Runs s3rver (MIT, from npm) in a process of its own, so a test can SIGKILL it mid-download and
// restart it on the same port and folder. It reports over the IPC channel: `listening` once bound,
// and `stats` on request, counted from the HTTP server itself so the numbers are the server's view.
// Usage (via child_process.fork): s3-server-process.js '{"port":0,"directory":"/tmp/x"[,"key":PEM,"cert":PEM]}'
const S3rver = require('s3rver');

const { port, directory, key, cert } = JSON.parse(process.argv[2]);
// With a key and certificate s3rver serves HTTPS.
const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, ...(key && cert ? { key, cert } : {}) });

const stats = { objectGets: 0, listRequests: 0, inFlightObjectGets: 0, maxInFlightObjectGets: 0 };

/** GET /bucket/key is an object download; GET /bucket?list-type=2 a listing. */
function classify(request) {
  if (request.method !== 'GET') return 'other';
  const url = new URL(request.url, 'http://127.0.0.1');
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length >= 2) return 'object';
  if (segments.length === 1 && (url.searchParams.has('list-type') || url.searchParams.has('prefix'))) return 'list';
  return 'other';
}

server.run().then((address) => {
  server.httpServer.on('request', (request, response) => {
    const kind = classify(request);
    if (kind === 'list') stats.listRequests++;
    if (kind !== 'object') return;
    stats.objectGets++;
    stats.inFlightObjectGets++;
    stats.maxInFlightObjectGets = Math.max(stats.maxInFlightObjectGets, stats.inFlightObjectGets);
    response.on('close', () => { stats.inFlightObjectGets--; });
  });
  process.on('message', (message) => {
    if (message.type === 'stats') process.send({ type: 'stats', stats: { ...stats } });
    if (message.type === 'reset-stats') {
      Object.assign(stats, { objectGets: 0, listRequests: 0, maxInFlightObjectGets: stats.inFlightObjectGets });
      process.send({ type: 'stats', stats: { ...stats } });
    }
  });
  process.send({ type: 'listening', port: address.port });
}, (error) => {
  process.stderr.write(`s3rver failed to start: ${error.message}\n`);
  process.exit(1);
});
