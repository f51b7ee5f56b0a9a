import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findOnPath } from '../../../runtime/image/run-command';
import type { UnpackedImage } from './unpack-image';

/**
 * Host-side setup in fresh mount and PID namespaces, before the image's process starts: the root
 * filesystem is bind-mounted read-only onto itself, with only what a kubelet would add: a tmpfs on
 * /tmp (the scratch emptyDir), proc, a /dev with the usual character devices, and the model
 * read-only at /mnt/models. Then `exec "$@"`: env -i … chroot --userspec … the image's command.
 * The line before it stamps the time (ns since the epoch), so the benchmark can tell the image's
 * start from this setup's.
 */
const SETUP_SCRIPT = `set -eu
root="$1"; models="$2"; shift 2
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$root/tmp"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=755,size=64k tmpfs "$root/dev"
for device in null zero full random urandom; do
  : > "$root/dev/$device"
  mount --bind "/dev/$device" "$root/dev/$device"
done
mount --bind "$models" "$root/mnt/models"
mount -o remount,bind,ro "$root/mnt/models"
echo "kfs-harness: exec at $(date +%s%N)" >&2
exec "$@"
`;

/** A process started from an unpacked image. */
export interface RunningImage {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** When the mounts were done and the image's command was exec'd (ms since the epoch), once it was. */
  execAtMs(): number | undefined;
  /** The host PID of the image's process (PID 1 in its namespace), once it has started. */
  imagePid(): number | undefined;
  /** SIGTERM to the image's process (as a kubelet does), then waits; SIGKILL after `graceMs`. Resolves with the exit status. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options of {@link runUnpackedImage}. */
export interface RunUnpackedOptions {
  /** Arguments after the image's entrypoint (they replace its Cmd, as a pod's `args` do). */
  readonly args: readonly string[];
  /** Host folder bind-mounted read-only at /mnt/models. */
  readonly modelsDir: string;
  /** Extra environment on top of the image's (e.g. NODE_DISABLE_COMPILE_CACHE for the benchmark). */
  readonly extraEnv?: readonly string[];
}

/**
 * Runs the image's entrypoint in its unpacked root filesystem without a container runtime:
 * `unshare` (mount + PID namespaces) and `chroot --userspec` as the image's user, with exactly the
 * image's environment, sharing the host's network so tests reach it on loopback. Needs root.
 */
export function runUnpackedImage(image: UnpackedImage, options: RunUnpackedOptions): RunningImage {
  const { uid, gid } = image.process.user;
  const entrypointLength = image.process.args.length - 1; // umoci appends Cmd (["--help"]) to the entrypoint
  const command = [...image.process.args.slice(0, entrypointLength), ...options.args];
  const tools = ['unshare', 'env', 'chroot'].map((tool) => {
    const found = findOnPath(tool, '/usr/sbin:/usr/bin:/sbin:/bin');
    if (found === undefined) throw new Error(`${tool} is not installed (util-linux, coreutils)`);
    return found;
  });
  const [unshare, env, chroot] = tools;
  const child = spawn(
    unshare,
    [
      '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private',
      'sh', '-c', SETUP_SCRIPT, 'setup', image.rootfs, options.modelsDir,
      // umoci adds TERM=xterm for its terminal default; a kubelet sets no TERM.
      env, '-i', ...image.process.env.filter((entry) => !entry.startsWith('TERM=')), ...(options.extraEnv ?? []),
      chroot, `--userspec=${uid}:${gid}`, `--groups=${gid}`, image.rootfs, ...command,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const imagePid = (): number | undefined => {
    if (child.pid === undefined || child.exitCode !== null) return undefined;
    try {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return children === '' ? undefined : Number(children.split(' ')[0]);
    } catch {
      return undefined;
    }
  };
  return {
    child,
    output: () => chunks.join(''),
    execAtMs: () => {
      const stamp = /^kfs-harness: exec at (\d+)$/m.exec(chunks.join(''))?.[1];
      return stamp === undefined ? undefined : Number(BigInt(stamp) / 1000n) / 1000;
    },
    imagePid,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const pid = imagePid();
      if (pid !== undefined) process.kill(pid, 'SIGTERM');
      else child.kill('SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
