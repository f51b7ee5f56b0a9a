import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorKind, InferenceServerError } from '../errors';

/** Conventional file name inside a model folder (Triton and KServe both use it). */
export const MODEL_FILE_NAME = 'model.onnx';

/** Where a model's file is and which version folder it came from. */
export interface ResolvedModelPath {
  readonly file: string;
  /** The numeric version folder name; undefined for a bare file or `<dir>/model.onnx`. */
  readonly version: string | undefined;
}

/**
 * Finds the model file under a local path, accepting the three layouts people use:
 * a model file itself; a folder with `model.onnx`; a Triton-style folder of numeric version
 * folders, where the highest version wins (Triton's default "latest" policy).
 *
 * @throws Error explaining which layouts were looked for.
 */
export async function resolveModelPath(location: string): Promise<ResolvedModelPath> {
  const info = await statOrUndefined(location);
  // NOT_FOUND so the repository API can answer 404 for a name with no folder behind it.
  if (info === undefined) throw new InferenceServerError(ErrorKind.NOT_FOUND, `model path '${location}' does not exist`);
  if (info.isFile()) return { file: location, version: undefined };
  if (!info.isDirectory()) throw new Error(`model path '${location}' is neither a file nor a folder`);

  const directFile = path.join(location, MODEL_FILE_NAME);
  if ((await statOrUndefined(directFile))?.isFile()) return { file: directFile, version: undefined };

  const version = await highestVersionFolder(location);
  if (version === undefined) {
    throw new Error(
      `no model found in '${location}': expected ${MODEL_FILE_NAME} or numeric version folders (<version>/${MODEL_FILE_NAME})`,
    );
  }
  const versionedFile = path.join(location, version, MODEL_FILE_NAME);
  if (!(await statOrUndefined(versionedFile))?.isFile()) {
    throw new Error(`model version ${version} in '${location}' has no ${MODEL_FILE_NAME}`);
  }
  return { file: versionedFile, version };
}

async function highestVersionFolder(location: string): Promise<string | undefined> {
  const entries = await readdir(location, { withFileTypes: true });
  let best: { name: string; number: bigint } | undefined;
  for (const entry of entries) {
    // Triton versions are positive integers; BigInt keeps long names ordered numerically. Symlinks
    // count because mounted volumes (ConfigMaps, Kubernetes atomic writers) link their folders.
    if (!(entry.isDirectory() || entry.isSymbolicLink()) || !/^\d+$/.test(entry.name)) continue;
    const number = BigInt(entry.name);
    if (number > 0n && (best === undefined || number > best.number)) best = { name: entry.name, number };
  }
  return best?.name;
}

async function statOrUndefined(location: string) {
  try {
    return await stat(location);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
