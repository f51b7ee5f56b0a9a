import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/** A throw-away certificate authority and a server certificate it signed for 127.0.0.1 / localhost. */
export interface TestCertificates {
  /** PEM file of the CA: what `--storage-ca-bundle` is given. */
  readonly caFile: string;
  readonly serverKey: Buffer;
  readonly serverCert: Buffer;
  cleanup(): Promise<void>;
}

/** Creates the CA and server certificate with the openssl CLI (Debian's openssl package). */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kfs-tls-'));
  const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=kfs-runtime test CA');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  await writeFile(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  return {
    caFile: path.join(dir, 'ca.pem'),
    serverKey: await readFile(path.join(dir, 'server.key')),
    serverCert: await readFile(path.join(dir, 'server.pem')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
