import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { StorageError, StorageErrorKind, describeCause } from './storage-error';

/**
 * The certificate authorities to trust with an extra PEM bundle: Node's built-in roots plus the
 * bundle, because a `ca` option *replaces* the defaults and public stores must keep working.
 *
 * @throws StorageError INVALID when the file cannot be read.
 */
export function trustedCertificates(bundleFile: string): string[] {
  let extra: string;
  try {
    extra = readFileSync(bundleFile, 'utf8');
  } catch (error) {
    throw new StorageError(StorageErrorKind.INVALID, `cannot read the CA bundle '${bundleFile}': ${describeCause(error)}`);
  }
  return [...rootCertificates, extra];
}
