import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodeUnits } from './compare';
import type { DebianPackage } from './debian-packages';

/**
 * The PEM bundle `update-ca-certificates` would write to /etc/ssl/certs/ca-certificates.crt, built
 * from the Mozilla certificates in the `ca-certificates` package (the image cannot run the package's
 * scripts: it has no shell). Sorted by file name, like the script's output.
 */
export async function caBundleFrom(caCertificates: DebianPackage): Promise<string> {
  const dir = path.join(caCertificates.root, 'usr', 'share', 'ca-certificates', 'mozilla');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.crt')).sort(compareCodeUnits);
  if (files.length === 0) throw new Error(`${caCertificates.name} ${caCertificates.version} has no certificates in usr/share/ca-certificates/mozilla`);
  const pems = await Promise.all(files.map(async (file) => (await readFile(path.join(dir, file), 'utf8')).trimEnd() + '\n'));
  return pems.join('');
}
