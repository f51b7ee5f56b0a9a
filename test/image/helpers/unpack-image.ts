import { mkdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { runCommand } from '../../../runtime/image/run-command';

/** An image unpacked into an OCI runtime bundle (https://github.com/opencontainers/runtime-spec). */
export interface UnpackedImage {
  /** The OCI image layout skopeo wrote (blobs/ as they came out of the archive). */
  readonly layout: string;
  /** The bundle folder (config.json, rootfs/). */
  readonly bundle: string;
  /** The root filesystem. */
  readonly rootfs: string;
  /** What a runtime would execute, from the bundle's config.json (umoci derives it from the image config). */
  readonly process: {
    readonly args: readonly string[];
    readonly env: readonly string[];
    readonly cwd: string;
    readonly user: { readonly uid: number; readonly gid: number };
  };
}

/**
 * Unpacks an oci-archive the way a node would get it: `skopeo copy` into an OCI layout (checking
 * every digest), then `umoci unpack` into a runtime bundle, as root so file owners are kept.
 */
export async function unpackImage(archive: string, dir: string): Promise<UnpackedImage> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const layout = path.join(dir, 'layout');
  const bundle = path.join(dir, 'bundle');
  await runCommand('skopeo', ['copy', '--quiet', `oci-archive:${archive}`, `oci:${layout}:kfs-runtime`]);
  await runCommand('umoci', ['unpack', '--image', `${layout}:kfs-runtime`, bundle]);
  const spec = JSON.parse(await readFile(path.join(bundle, 'config.json'), 'utf8')) as { process: UnpackedImage['process'] };
  return { layout, bundle, rootfs: path.join(bundle, 'rootfs'), process: spec.process };
}
