import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unsafeRelativePathReason } from './safe-path';

/** Where a model lives, parsed from the URI KServe's `storageUri` would hold. */
export type ModelLocation =
  | { readonly scheme: 'file'; readonly path: string }
  | { readonly scheme: 'pvc'; readonly claimName: string; readonly path: string }
  | { readonly scheme: 's3' | 'gs'; readonly bucket: string; readonly prefix: string }
  | { readonly scheme: 'http' | 'https'; readonly url: URL };

/** The schemes this build pulls from, in the order the usage text lists them. */
export const SUPPORTED_SCHEMES = ['s3', 'gs', 'https', 'http', 'pvc', 'file'] as const;

const URI_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// Lenient on purpose (legacy S3 buckets allow capitals and underscores); the store has the last word.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,220}[A-Za-z0-9]$/;
const PVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The scheme of a model URI, lower-cased; bare paths count as `file`. */
export function storageScheme(uri: string): string {
  return URI_SCHEME.exec(uri)?.[1]?.toLowerCase() ?? 'file';
}

/**
 * Parses and validates a model URI. Bare paths are resolved against `cwd`. Remote paths (bucket
 * prefixes, claim paths, URL paths) must be canonical: a `..` or `.` segment is refused rather than
 * normalised, because what it meant to the writer of the URI is anyone's guess.
 *
 * @throws Error naming the URI (redacted) and what is wrong with it.
 */
export function parseModelUri(uri: string, cwd: string = process.cwd()): ModelLocation {
  const scheme = storageScheme(uri);
  if (!URI_SCHEME.test(uri)) return { scheme: 'file', path: path.resolve(cwd, uri) };
  const rest = uri.slice(uri.indexOf('://') + 3);
  switch (scheme) {
    case 'file':
      return { scheme: 'file', path: fileUriToPath(uri) };
    case 's3':
    case 'gs': {
      const [bucket, prefix] = splitFirstSegment(rest);
      if (!BUCKET.test(bucket)) {
        throw new Error(`invalid model URI '${uri}': '${bucket}' is not a bucket name; write it as ${scheme}://<bucket>/<prefix>`);
      }
      return { scheme, bucket, prefix: checkRemotePath(uri, 'key prefix', prefix.replace(/\/+$/, '')) };
    }
    case 'pvc': {
      const [claimName, claimPath] = splitFirstSegment(rest);
      if (claimName.length > 253 || !PVC_NAME.test(claimName)) {
        throw new Error(`invalid model URI '${uri}': '${claimName}' is not a PersistentVolumeClaim name; write it as pvc://<claim>/<path>`);
      }
      return { scheme: 'pvc', claimName, path: checkRemotePath(uri, 'path', claimPath.replace(/\/+$/, '')) };
    }
    case 'http':
    case 'https':
      return { scheme, url: parseHttpUrl(uri) };
    default:
      throw new Error(`storage scheme '${scheme}' is not supported (model URI '${redactUri(uri)}'); use one of ${SUPPORTED_SCHEMES.map((s) => `${s}://`).join(', ')} or a local path`);
  }
}

/**
 * A URI safe to print: no `user:password@`, and no query string, which for presigned S3/GCS URLs
 * and SAS links *is* the credential. The path stays, so the message still says which model.
 */
export function redactUri(uri: string): string {
  return uri.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@?#]*@/, '$1***@').replace(/\?[^#]*/, '?<redacted>').replace(/#.*$/, '');
}

/**
 * A fingerprint of a URI as given (SHA-256, hex): two URIs can be told apart by it without either
 * being shown, where the URI itself may hold a credential (see {@link redactUri}).
 */
export function storageUriDigest(uri: string): string {
  return createHash('sha256').update(uri).digest('hex');
}

function splitFirstSegment(rest: string): [string, string] {
  const slash = rest.indexOf('/');
  return slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash + 1)];
}

function checkRemotePath(uri: string, what: string, remotePath: string): string {
  if (remotePath === '') return remotePath;
  const reason = unsafeRelativePathReason(remotePath);
  if (reason !== undefined) {
    throw new Error(`invalid model URI '${redactUri(uri)}': the ${what} ${reason}; use the model's canonical path`);
  }
  return remotePath;
}

function fileUriToPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw new Error(`invalid file URI '${uri}': ${(error as Error).message}`);
  }
}

function parseHttpUrl(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`invalid model URI '${redactUri(uri)}': not a valid URL; write it as https://host/path/to/model.onnx`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`invalid model URI '${redactUri(uri)}': it carries credentials; send them as headers from a Secret (<host>-headers) instead`);
  }
  // URL() silently resolves `..` and `%2e%2e`; judge the path as written.
  const rawPath = uri.slice(uri.indexOf('://') + 3).replace(/^[^/?#]*/, '').split(/[?#]/)[0] ?? '';
  const segments = rawPath.split('/').map((segment) => safeDecode(segment));
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`invalid model URI '${redactUri(uri)}': the path contains a '.' or '..' segment; use the model's canonical path`);
  }
  return url;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
