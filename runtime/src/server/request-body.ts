import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { invalidArgument } from '../errors';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/**
 * Replaces fastify's parsers with one that hands every body over as a Buffer, whatever the
 * Content-Type: tritonclient sends none on infer calls, perf_analyzer sends
 * application/octet-stream, and the binary tensor extension needs the raw bytes anyway.
 * Bodies with `Content-Encoding: gzip` or `deflate` (tritonclient's request compression) are
 * inflated off the main thread, capped at the same body limit as plain bodies.
 */
export function acceptAnyBodyAsBuffer(app: FastifyInstance, bodyLimitBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') {
      done(null, body);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      done(invalidArgument(`unsupported Content-Encoding '${encoding}'; send gzip, deflate or an uncompressed body`));
      return;
    }
    const decompress = encoding === 'gzip' ? gunzip : inflate;
    decompress(body as Buffer, { maxOutputLength: bodyLimitBytes }).then(
      (inflated) => done(null, inflated),
      (error: NodeJS.ErrnoException) =>
        done(
          invalidArgument(
            error.code === 'ERR_BUFFER_TOO_LARGE'
              ? `${encoding} request body inflates to more than the ${bodyLimitBytes}-byte limit`
              : `${encoding} request body cannot be decompressed: ${error.message}`,
          ),
        ),
    );
  });
}

/** Parses a request body as JSON, answering 400 for an empty or malformed body. */
export function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw invalidArgument('request body is empty; expected a JSON inference request');
  }
  return parseJsonText(body);
}

/** Like parseJsonBody, but an absent or empty body is `undefined` (tritonclient sends none to index). */
export function parseOptionalJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  return parseJsonText(body);
}

function parseJsonText(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalidArgument(`malformed JSON in request body: ${(error as Error).message}`);
  }
}
