import { chmod, lstat, lutimes, mkdir, readdir, rename } from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodeUnits } from './compare';
import { stagedPath } from './root-filesystem';

/**
 * The image's layers, from the one that changes least to the one that changes with every commit, so
 * a node that pulled one version fetches only the top layer (about 1 MB compressed) for the next:
 * - `base`: Node.js, glibc and the C++ runtime, CA certificates, users, mount points (changes when
 *   Node or Debian packages do);
 * - `native`: the native addon and libonnxruntime (changes when onnxruntime-node does);
 * - `app`: the server bundle, its loader and code cache, the SBOM and npm licence texts.
 */
export type LayerName = 'base' | 'native' | 'app';
export const LAYER_ORDER: readonly LayerName[] = ['base', 'native', 'app'];

/** A staged tree for each layer. */
export type LayerRoots = Readonly<Record<LayerName, string>>;

/**
 * Moves every file and symlink of `rootfs` for which `layerOf` answers another layer than `base`
 * into that layer's tree (created under `workDir`), with its parent folders (same modes). What is
 * left in `rootfs`, empty folders included, is the base layer. Folder times are reset to
 * `epochSeconds` afterwards, since moving changed them.
 */
export async function splitIntoLayers(rootfs: string, layerOf: (imagePath: string) => LayerName, workDir: string, epochSeconds: number): Promise<LayerRoots> {
  const roots: Record<LayerName, string> = { base: rootfs, native: path.join(workDir, 'layer-native'), app: path.join(workDir, 'layer-app') };
  for (const name of LAYER_ORDER) await mkdir(roots[name], { recursive: true });
  const visit = async (imagePath: string): Promise<void> => {
    const onDisk = stagedPath(rootfs, imagePath);
    const stats = await lstat(onDisk);
    if (stats.isDirectory()) {
      for (const name of (await readdir(onDisk)).sort(compareCodeUnits)) await visit(path.posix.join(imagePath, name));
      return;
    }
    const layer = layerOf(imagePath);
    if (layer === 'base') return;
    await makeParents(rootfs, roots[layer], path.posix.dirname(imagePath));
    await rename(onDisk, stagedPath(roots[layer], imagePath));
  };
  await visit('/');
  for (const name of LAYER_ORDER) await resetFolderTimes(roots[name], '/', epochSeconds);
  return roots;
}

async function makeParents(rootfs: string, layerRoot: string, imageDir: string): Promise<void> {
  if (imageDir === '/') return;
  await makeParents(rootfs, layerRoot, path.posix.dirname(imageDir));
  const target = stagedPath(layerRoot, imageDir);
  try {
    await lstat(target);
  } catch {
    const { mode } = await lstat(stagedPath(rootfs, imageDir));
    await mkdir(target);
    await chmod(target, mode & 0o7777);
  }
}

async function resetFolderTimes(root: string, imageDir: string, epochSeconds: number): Promise<void> {
  const onDisk = stagedPath(root, imageDir);
  for (const entry of await readdir(onDisk, { withFileTypes: true })) {
    if (entry.isDirectory()) await resetFolderTimes(root, path.posix.join(imageDir, entry.name), epochSeconds);
  }
  await lutimes(onDisk, epochSeconds, epochSeconds);
}
