import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import * as path from 'node:path';
import { archiveFormatOf } from './archive';
import { trustedCertificates } from './ca-bundle';
import { type HttpClientOptions, connectionError, sendRequest, statusError } from './http-get';
import type { CachedModel, ModelCache } from './model-cache';
import { PullProgress } from './pull-progress';
import { withRetries } from './retry';
import { unsafeRelativePathReason } from './safe-path';
import { StorageError, StorageErrorKind } from './storage-error';
import type { StorageSettings } from './storage-options';
import { scratchPath, unpackIntoStaging } from './unpack-staged';
import { writeDownload } from './write-download';

const MAX_REDIRECTS = 5;

// KServe's content-type rules (kserve_storage.py, _download_from_uri): a model file must come as
// application/octet-stream and an archive as its own type, so an HTML error or login page served
// with 200 is refused instead of being loaded as a model.
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/zip-compressed'];
const TAR_TYPES = ['application/x-tar', 'application/x-gtar', 'application/x-gzip', 'application/gzip'];
const FILE_TYPES = ['application/octet-stream'];

/**
 * Extra request headers for a host, from the environment variable `<hostname>-headers` holding a
 * JSON object (KServe's convention; the constructs fill it from a Secret). Values are never logged.
 */
export function headersForHost(env: NodeJS.ProcessEnv, hostname: string): Record<string, string> {
  const name = `${hostname}-headers`;
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not the parser's message: it quotes the input, which may hold a token.
    throw new StorageError(StorageErrorKind.INVALID, `environment variable ${name} is not valid JSON; it must be an object of header names to values`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((value) => typeof value !== 'string')) {
    throw new StorageError(StorageErrorKind.INVALID, `environment variable ${name} must be a JSON object of header names to string values`);
  }
  return parsed as Record<string, string>;
}

/**
 * Pulls a single file or archive from an http(s) URL into the cache. A cached copy is revalidated
 * with If-None-Match / If-Modified-Since, so an unchanged file is not downloaded again.
 */
export async function pullHttp(url: URL, displayUri: string, cacheKey: string, cache: ModelCache, settings: StorageSettings): Promise<CachedModel> {
  const fileName = safeDecode(url.pathname.split('/').pop() ?? '');
  if (fileName === '' || unsafeRelativePathReason(fileName) !== undefined) {
    throw new StorageError(StorageErrorKind.INVALID, `model URI ${displayUri} names no file; point it at the model file or archive (e.g. …/model.onnx or …/model.tar.gz)`);
  }
  const archiveFormat = archiveFormatOf(fileName);
  const http: HttpClientOptions = { idleTimeoutMs: settings.readTimeoutMs, ...(settings.caBundleFile === undefined ? {} : { ca: trustedCertificates(settings.caBundleFile) }) };
  const hostHeaders = headersForHost(settings.env, url.hostname);
  const cached = await cache.latest(cacheKey);

  return withRetries(
    settings.retry,
    `download of ${displayUri}`,
    async () => {
      const conditional: OutgoingHttpHeaders = {};
      if (cached?.manifest.etag !== undefined) conditional['if-none-match'] = cached.manifest.etag;
      if (cached?.manifest.lastModified !== undefined) conditional['if-modified-since'] = cached.manifest.lastModified;
      const response = await getFollowingRedirects(url, http, hostHeaders, conditional, displayUri);
      if (response.statusCode === 304 && cached !== undefined) {
        response.resume();
        settings.logger.info({ uri: displayUri, path: cached.localPath }, `using cached copy of ${displayUri} (the server says it is unchanged)`);
        return cached;
      }
      if (response.statusCode !== 200) throw statusError(response, displayUri);
      checkContentType(response, fileName, archiveFormat !== undefined, displayUri);

      const contentLength = response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
      const staging = await cache.stage();
      const progress = new PullProgress(settings.logger, displayUri, settings.progressIntervalMs, contentLength, 1);
      try {
        const file = archiveFormat !== undefined ? scratchPath(staging, fileName) : path.join(staging.modelDir, fileName);
        await writeDownload(response, file, contentLength === undefined ? {} : { size: contentLength }, displayUri, (bytes) => progress.add(bytes)).catch((error: unknown) => {
          throw connectionError(error, displayUri);
        });
        progress.fileDone();
        const entry = archiveFormat !== undefined ? (await unpackIntoStaging(file, archiveFormat, staging, settings, displayUri)).entry : fileName;
        const summary = progress.finish();
        const etag = header(response, 'etag');
        const lastModified = header(response, 'last-modified');
        // Without validators the copy can never be revalidated; a random fingerprint keeps it from being mistaken for a match.
        const fingerprint = etag !== undefined || lastModified !== undefined ? `${etag ?? ''}|${lastModified ?? ''}|${contentLength ?? ''}` : randomBytes(16).toString('hex');
        return await cache.commit(staging, cacheKey, {
          uri: displayUri,
          fingerprint,
          entry,
          files: summary.files,
          bytes: summary.bytes,
          ...(etag === undefined ? {} : { etag }),
          ...(lastModified === undefined ? {} : { lastModified }),
        });
      } catch (error) {
        progress.cancel();
        await staging.discard();
        throw error;
      }
    },
    (attempt, delayMs, error) => settings.logger.warn({ uri: displayUri, attempt, delayMs, error: error.message }, `download of ${displayUri} failed (attempt ${attempt}), retrying in ${delayMs} ms`),
  );
}

/**
 * GET with up to five redirects. The host's extra headers (often an Authorization) go only to the
 * origin they were configured for, never to wherever a redirect points.
 */
async function getFollowingRedirects(url: URL, http: HttpClientOptions, hostHeaders: Record<string, string>, conditional: OutgoingHttpHeaders, displayUri: string): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: OutgoingHttpHeaders = { 'accept-encoding': 'identity', ...conditional, ...(current.origin === url.origin ? hostHeaders : {}) };
    let response: IncomingMessage;
    try {
      response = await sendRequest(current, http, { headers });
    } catch (error) {
      throw connectionError(error, displayUri);
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || location === undefined) return response;
    response.resume();
    if (hop >= MAX_REDIRECTS) throw new StorageError(StorageErrorKind.INVALID, `${displayUri} redirected more than ${MAX_REDIRECTS} times`);
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && !(next.protocol === 'http:' && current.protocol === 'http:')) {
      throw new StorageError(StorageErrorKind.INVALID, `${displayUri} redirected from ${current.protocol}// to ${next.protocol}//; refusing to downgrade`);
    }
    current = next;
  }
}

function checkContentType(response: IncomingMessage, fileName: string, isArchive: boolean, displayUri: string): void {
  const contentType = (header(response, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = archiveFormatOf(fileName);
  const allowed = !isArchive ? FILE_TYPES : format === 'zip' ? ZIP_TYPES : TAR_TYPES;
  if (!allowed.includes(contentType)) {
    response.resume();
    throw new StorageError(
      StorageErrorKind.INVALID,
      `${displayUri} was served as '${contentType || 'no Content-Type'}'; KServe's rule for a ${isArchive ? `.${format} archive` : 'model file'} is ${allowed.join(' or ')}, so an error or login page is never loaded as a model`,
    );
  }
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
