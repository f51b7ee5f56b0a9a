import { chmod, copyFile, lstat, lutimes, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodeUnits } from './compare';
import { IMAGE_GID, IMAGE_HOME, IMAGE_UID, IMAGE_USER_NAME, MODEL_MOUNT_PATH } from './image-spec';

/** Joins an absolute in-image path onto the staging root. */
export function stagedPath(root: string, imagePath: string): string {
  if (!imagePath.startsWith('/')) throw new Error(`image path ${imagePath} is not absolute`);
  return path.join(root, imagePath);
}

/** Creates `imagePath`'s parent folders in the staging tree and copies `source` there. */
export async function stageFile(root: string, source: string, imagePath: string): Promise<string> {
  const target = stagedPath(root, imagePath);
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(source, target);
  return target;
}

/** Writes `content` at `imagePath` in the staging tree. */
export async function stageContent(root: string, imagePath: string, content: string | Buffer): Promise<string> {
  const target = stagedPath(root, imagePath);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  return target;
}

/** Creates a relative symlink at `imagePath` pointing to `targetImagePath`, as Debian does for the loader. */
export async function stageSymlink(root: string, imagePath: string, targetImagePath: string): Promise<void> {
  const link = stagedPath(root, imagePath);
  await mkdir(path.dirname(link), { recursive: true });
  await symlink(path.posix.relative(path.posix.dirname(imagePath), targetImagePath), link);
}

/**
 * Empty folders the image needs: mount points a runtime mounts over (with a read-only root
 * filesystem nothing can create them later) and the scratch folder. The home folder is added by
 * commit-image.ts, which alone can give it to the non-root user.
 */
export const EMPTY_DIRECTORIES: readonly string[] = ['/dev', '/proc', '/sys', '/tmp', MODEL_MOUNT_PATH];

/** /etc/passwd, /etc/group and /etc/nsswitch.conf for a system with one non-root user. */
export async function stageUserDatabase(root: string): Promise<void> {
  await stageContent(root, '/etc/passwd', [
    'root:x:0:0:root:/root:/sbin/nologin',
    `${IMAGE_USER_NAME}:x:${IMAGE_UID}:${IMAGE_GID}:${IMAGE_USER_NAME}:${IMAGE_HOME}:/sbin/nologin`,
    '',
  ].join('\n'));
  await stageContent(root, '/etc/group', ['root:x:0:', `${IMAGE_USER_NAME}:x:${IMAGE_GID}:`, ''].join('\n'));
  // glibc's built-in default asks DNS before /etc/hosts; Kubernetes writes /etc/hosts for a reason.
  await stageContent(root, '/etc/nsswitch.conf', ['passwd: files', 'group: files', 'hosts: files dns', ''].join('\n'));
}

/** Modes the tree is normalized to; everything else is 0644 (files) or 0755 (folders). */
export interface FileModes {
  /** In-image paths of executables (0755). */
  readonly executables: readonly string[];
  /** In-image folders with a mode other than 0755, e.g. `/tmp` 01777. */
  readonly directories: Readonly<Record<string, number>>;
}

/**
 * Makes the staging tree independent of the umask and clock of the machine that built it: fixed
 * modes, and every timestamp set to `epochSeconds` (buildah clamps them again when it commits).
 * Returns the in-image paths of everything in the tree, sorted.
 */
export async function normalizeTree(root: string, modes: FileModes, epochSeconds: number): Promise<string[]> {
  const executables = new Set(modes.executables);
  const entries: string[] = [];
  const visit = async (imagePath: string): Promise<void> => {
    const onDisk = stagedPath(root, imagePath);
    const stats = await lstat(onDisk);
    if (stats.isDirectory()) {
      for (const name of (await readdir(onDisk)).sort(compareCodeUnits)) await visit(path.posix.join(imagePath, name));
      await chmod(onDisk, modes.directories[imagePath] ?? 0o755);
    } else if (stats.isFile()) {
      await chmod(onDisk, executables.has(imagePath) ? 0o755 : 0o644);
    } else if (!stats.isSymbolicLink()) {
      throw new Error(`${imagePath} in the staging tree is neither a file, a folder nor a symlink`);
    }
    await lutimes(onDisk, epochSeconds, epochSeconds);
    entries.push(imagePath);
  };
  await visit('/');
  const unused = [...executables].filter((file) => !entries.includes(file));
  if (unused.length > 0) throw new Error(`executables ${unused.join(', ')} are not in the staging tree`);
  return entries.sort(compareCodeUnits);
}
