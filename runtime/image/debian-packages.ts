import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { runCommand } from './run-command';

/** One Debian binary package, downloaded and unpacked into the build cache. */
export interface DebianPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** The downloaded `.deb`, kept in the cache between builds. */
  readonly debFile: string;
  /** SHA-256 of the `.deb`, for the SBOM. */
  readonly sha256: string;
  /** Where `dpkg-deb -x` unpacked it (a tree that starts at `/`). */
  readonly root: string;
}

/**
 * Fetches Debian packages the way the image needs them: the version installed on the build host
 * (the one its `ldd` was checked against), downloaded with `apt-get download` (which verifies the
 * hash from the signed archive index) and unpacked with `dpkg-deb -x`, never installed. Both stay in
 * `cacheDir`, so a second build reads the same bytes without the network.
 */
export class DebianPackageCache {
  private readonly unpacked = new Map<string, Promise<DebianPackage>>();

  public constructor(private readonly cacheDir: string) {}

  /** The package `name` (optionally `name:arch`), in the host's installed version, else apt's candidate. */
  public get(name: string): Promise<DebianPackage> {
    let pending = this.unpacked.get(name);
    if (pending === undefined) {
      pending = this.fetch(name);
      this.unpacked.set(name, pending);
    }
    return pending;
  }

  private async fetch(name: string): Promise<DebianPackage> {
    const version = (await installedVersion(name)) ?? (await candidateVersion(name));
    const debDir = path.join(this.cacheDir, 'debs');
    await mkdir(debDir, { recursive: true });
    let debFile = await findDeb(debDir, name, version);
    if (debFile === undefined) {
      // A private folder first, so an interrupted download never looks like a cached package.
      const downloadDir = path.join(debDir, `.download-${process.pid}`);
      await mkdir(downloadDir, { recursive: true });
      try {
        await runCommand('apt-get', ['download', '-q', `${name}=${version}`], { cwd: downloadDir });
      } catch (error) {
        throw new Error(`could not download the Debian package ${name}=${version} (run 'apt-get update' if the index is stale): ${(error as Error).message}`);
      }
      for (const file of await readdir(downloadDir)) await rename(path.join(downloadDir, file), path.join(debDir, file));
      await rm(downloadDir, { recursive: true, force: true });
      debFile = await findDeb(debDir, name, version);
      if (debFile === undefined) throw new Error(`apt-get download ${name}=${version} wrote no .deb into ${debDir}`);
    }
    const fields = await debFields(debFile);
    const root = path.join(this.cacheDir, 'unpacked', path.basename(debFile, '.deb'));
    if (!existsSync(path.join(root, '.complete'))) {
      await rm(root, { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      await runCommand('dpkg-deb', ['-x', debFile, root]);
      await mkdir(path.join(root, '.complete'));
    }
    const sha256 = createHash('sha256').update(await readFile(debFile)).digest('hex');
    return { name: fields.Package, version: fields.Version, architecture: fields.Architecture, debFile, sha256, root };
  }
}

/**
 * The package that installed `file` on the build host (`dpkg -S`), as `name:arch`. Debian 12 has a
 * merged /usr whose dpkg database still names the path each package shipped, so both spellings
 * (`/lib/…` and `/usr/lib/…`) are asked.
 */
export async function packageOwningHostFile(file: string): Promise<string> {
  const candidates = new Set([file, file.startsWith('/usr/') ? file.slice('/usr'.length) : `/usr${file}`]);
  for (const candidate of candidates) {
    try {
      const { stdout } = await runCommand('dpkg-query', ['--search', candidate]);
      // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6"; diversions print other lines first.
      const owner = stdout.split('\n').map((line) => /^([^\s:,]+(?::[a-z0-9]+)?): /.exec(line)?.[1]).find((name) => name !== undefined);
      if (owner !== undefined) return owner;
    } catch {
      // not this spelling
    }
  }
  throw new Error(`no Debian package on this host ships ${file} (dpkg -S); install the package that provides it`);
}

/** Where the build host's dynamic linker finds `soname` for x86-64 (`ldconfig -p`). */
export async function hostLibraryPath(soname: string): Promise<string> {
  const { stdout } = await runCommand('ldconfig', ['-p']);
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\S+) \(([^)]*)\) => (\S+)$/.exec(line);
    if (match !== null && match[1] === soname && match[2].includes('x86-64')) return match[3];
  }
  throw new Error(`the build host has no x86-64 library ${soname} (ldconfig -p); install the Debian package that provides it`);
}

async function installedVersion(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await runCommand('dpkg-query', ['--show', '--showformat=${db:Status-Status} ${Version}', name]);
    const [status, version] = stdout.trim().split(' ');
    return status === 'installed' && version ? version : undefined;
  } catch {
    return undefined;
  }
}

async function candidateVersion(name: string): Promise<string> {
  const { stdout } = await runCommand('apt-cache', ['policy', name]);
  const candidate = /Candidate: (\S+)/.exec(stdout)?.[1];
  if (candidate === undefined || candidate === '(none)') {
    throw new Error(`apt knows no version of the Debian package ${name}; run 'apt-get update'`);
  }
  return candidate;
}

/** apt-get download names files `name_version_arch.deb`, with the epoch colon written as %3a. */
async function findDeb(dir: string, name: string, version: string): Promise<string | undefined> {
  const prefix = `${name.split(':')[0]}_${version.replace(/:/g, '%3a')}_`;
  const match = (await readdir(dir)).filter((file) => file.startsWith(prefix) && file.endsWith('.deb')).sort()[0];
  return match === undefined ? undefined : path.join(dir, match);
}

async function debFields(debFile: string): Promise<Record<'Package' | 'Version' | 'Architecture', string>> {
  const { stdout } = await runCommand('dpkg-deb', ['--field', debFile, 'Package', 'Version', 'Architecture']);
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^(\w+): (.*)$/.exec(line);
    if (match !== null) fields[match[1]] = match[2];
  }
  for (const key of ['Package', 'Version', 'Architecture']) {
    if (!fields[key]) throw new Error(`dpkg-deb --field ${debFile} printed no ${key}`);
  }
  return fields as Record<'Package' | 'Version' | 'Architecture', string>;
}
