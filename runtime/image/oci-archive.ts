import { createHash } from 'node:crypto';
import { readFile, mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { runCommand } from './run-command';

/** An OCI descriptor (https://github.com/opencontainers/image-spec/blob/main/descriptor.md). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** What an oci-archive holds, read back from its files. */
export interface OciArchiveContents {
  /** The image manifest's digest: the image's identity (`name@sha256:…`). */
  readonly digest: string;
  readonly manifest: { readonly config: Descriptor; readonly layers: readonly Descriptor[] };
  /** The image config (architecture, os, config.User/Entrypoint/…, rootfs.diff_ids). */
  readonly config: {
    readonly architecture: string;
    readonly os: string;
    readonly created?: string;
    readonly config: {
      readonly User?: string;
      readonly Entrypoint?: string[];
      readonly Cmd?: string[];
      readonly Env?: string[];
      readonly WorkingDir?: string;
      readonly ExposedPorts?: Record<string, object>;
      readonly Labels?: Record<string, string>;
    };
    readonly rootfs: { readonly type: string; readonly diff_ids: readonly string[] };
  };
}

/**
 * Rewrites an oci-archive so the archive file itself is reproducible, not only the image inside:
 * buildah writes the tar with the current time and its own order. The layout is unpacked and packed
 * again with GNU tar, entries sorted by name, owned by 0:0, dated `epochSeconds`.
 */
export async function normalizeOciArchive(source: string, target: string, workDir: string, epochSeconds: number): Promise<void> {
  const layout = path.join(workDir, 'layout');
  await rm(layout, { recursive: true, force: true });
  await mkdir(layout, { recursive: true });
  await runCommand('tar', ['-xf', source, '-C', layout]);
  await runCommand('tar', [
    '--create', '--file', target, '--directory', layout,
    '--sort=name', `--mtime=@${epochSeconds}`, '--owner=0', '--group=0', '--numeric-owner',
    '--mode=u=rwX,go=rX', '--format=gnu',
    'oci-layout', 'index.json', 'blobs',
  ]);
  await rm(layout, { recursive: true, force: true });
}

/** Reads index.json, the manifest and the config out of an oci-archive, checking their digests. */
export async function readOciArchive(archive: string, workDir: string): Promise<OciArchiveContents> {
  const dir = path.join(workDir, `read-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    await runCommand('tar', ['-xf', archive, '-C', dir, 'index.json']);
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    if (index.manifests.length !== 1) throw new Error(`${archive} holds ${index.manifests.length} manifests; expected one`);
    const digest = index.manifests[0].digest;
    const manifest = JSON.parse(await readBlob(archive, dir, digest)) as OciArchiveContents['manifest'];
    const config = JSON.parse(await readBlob(archive, dir, manifest.config.digest)) as OciArchiveContents['config'];
    return { digest, manifest, config };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readBlob(archive: string, dir: string, digest: string): Promise<string> {
  const member = `blobs/${digest.replace(':', '/')}`;
  await runCommand('tar', ['-xf', archive, '-C', dir, member]);
  const content = await readFile(path.join(dir, member));
  const actual = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  if (actual !== digest) throw new Error(`${member} in ${archive} hashes to ${actual}`);
  return content.toString('utf8');
}
