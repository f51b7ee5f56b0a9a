import type { FastifyInstance } from 'fastify';
import { invalidArgument } from '../errors';

/**
 * Replaces fastify's parsers with one that hands every body over as a Buffer, whatever the
 * Content-Type: tritonclient sends none on infer calls, perf_analyzer sends
 * application/octet-stream, and the binary tensor extension needs the raw bytes anyway.
 */
export function acceptAnyBodyAsBuffer(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** Parses a request body as JSON, answering 400 for an empty or malformed body. */
export function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw invalidArgument('request body is empty; expected a JSON inference request');
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalidArgument(`malformed JSON in request body: ${(error as Error).message}`);
  }
}
