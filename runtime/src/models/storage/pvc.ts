import * as path from 'node:path';

/**
 * Where `pvc://<claim>/<path>` is on this container's filesystem: KServe mounts a claim rather than
 * copying it, so the model is read in place under the mount root (`<root>/<claim>/<path>`). The
 * constructs mount the claim's sub-path at /mnt/models and pass that path instead; this mapping is
 * for pods that mount claims under one root themselves. The URI's path was checked for `..` already.
 */
export function pvcLocalPath(mountRoot: string, claimName: string, claimPath: string): string {
  return path.join(mountRoot, claimName, ...(claimPath === '' ? [] : claimPath.split('/')));
}
