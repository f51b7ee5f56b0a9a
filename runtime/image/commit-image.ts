import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { runCommand } from './run-command';

/** The image configuration buildah writes (OCI image config `config` fields). */
export interface ImageConfig {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly (readonly [string, string])[];
  readonly exposedPorts: readonly string[];
  readonly workingDir: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One layer: a staged tree copied to `/` owned by root, then folders copied with another owner. */
export interface LayerSource {
  readonly root: string;
  /**
   * Folders whose content is copied in after the tree with another owner, e.g. a folder holding
   * the user's home copied to /home: in-image path → [source folder, "uid:gid"]. The in-image
   * folder itself keeps its owner.
   */
  readonly ownedDirectories?: Readonly<Record<string, readonly [string, string]>>;
}

/** Options of {@link commitImage}. */
export interface CommitImageOptions {
  /** Bottom layer first. */
  readonly layers: readonly LayerSource[];
  readonly config: ImageConfig;
  /** Every timestamp in the image (config and every file in every layer), seconds since the epoch. */
  readonly epochSeconds: number;
  /** Where buildah may keep its storage (removed by the caller). */
  readonly workDir: string;
  /** The oci-archive to write. */
  readonly archive: string;
}

/**
 * Commits the staged layers with buildah, without a container engine and without running anything
 * inside the image (`buildah run` needs a runtime and a shell; the image has no shell). Each layer
 * is a container from the previous layer's image plus one `buildah copy`, committed; the last
 * commit carries the config and goes to the oci-archive. buildah keeps its storage under `workDir`
 * with the vfs driver, which needs no overlay mounts, so the build works as root in an unprivileged
 * sandbox and leaves nothing in /var/lib/containers. `--timestamp` sets the config's time and clamps
 * every file time in every layer, so two builds of the same trees give the same digest.
 */
export async function commitImage(options: CommitImageOptions): Promise<void> {
  const storage = path.join(options.workDir, 'storage');
  const runroot = path.join(options.workDir, 'run');
  await mkdir(storage, { recursive: true });
  await mkdir(runroot, { recursive: true });
  const buildah = (...args: string[]) => runCommand('buildah', ['--root', storage, '--runroot', runroot, '--storage-driver', 'vfs', ...args]);
  const commitFlags = [
    '--quiet', '--rm',
    '--format', 'oci',
    '--timestamp', String(options.epochSeconds),
    // No io.buildah.version label and no history: neither describes the image, both vary by host.
    '--identity-label=false',
    '--omit-history',
  ];

  let from = 'scratch';
  for (const [index, layer] of options.layers.entries()) {
    const last = index === options.layers.length - 1;
    const container = (await buildah('from', '--quiet', '--pull=never', from)).stdout.trim();
    try {
      await buildah('copy', '--quiet', '--chown', '0:0', container, `${layer.root}/`, '/');
      for (const [imagePath, [source, owner]] of Object.entries(layer.ownedDirectories ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        await buildah('copy', '--quiet', '--chown', owner, container, `${source}/`, imagePath);
      }
      if (!last) {
        from = `localhost/kfs-runtime-build-layer-${index}`;
        await buildah('commit', ...commitFlags, container, from);
        continue;
      }
      const { config } = options;
      await buildah(
        'config',
        '--os', 'linux',
        '--arch', 'amd64',
        '--user', config.user,
        '--entrypoint', JSON.stringify(config.entrypoint),
        '--cmd', JSON.stringify(config.cmd),
        '--workingdir', config.workingDir,
        ...config.env.flatMap(([name, value]) => ['--env', `${name}=${value}`]),
        ...config.exposedPorts.flatMap((port) => ['--port', port]),
        ...Object.entries(config.labels).flatMap(([name, value]) => ['--label', `${name}=${value}`]),
        container,
      );
      // gzip layers, as a registry stores them (buildah's default is uncompressed).
      await buildah('commit', ...commitFlags, '--disable-compression=false', container, `oci-archive:${options.archive}`);
    } catch (error) {
      await buildah('rm', container).catch(() => undefined);
      throw error;
    }
  }
}

/** `buildah --version`'s number, for the SBOM's tool list. */
export async function buildahVersion(): Promise<string> {
  const { stdout } = await runCommand('buildah', ['--version']);
  const version = /version (\S+)/.exec(stdout)?.[1];
  if (version === undefined) throw new Error(`could not read a version from 'buildah --version': ${stdout.trim()}`);
  return version;
}
