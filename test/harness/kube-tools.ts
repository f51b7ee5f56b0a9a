import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the self-built kube-apiserver and etcd live. scripts/kube-tools/build.sh writes them into a
 * cache folder outside the clone (keyed by version), and this file finds them with the same rules,
 * reading the versions from the same scripts/kube-tools/versions.env.
 */

const repoRoot = resolve(__dirname, '..', '..');
export const KUBE_TOOLS_BUILD_SCRIPT = 'scripts/kube-tools/build.sh';

export interface KubeToolVersions {
  /** Kubernetes version of kube-apiserver, without the leading v (e.g. `1.35.4`). */
  readonly kubernetes: string;
  /** etcd version, without the leading v (e.g. `3.6.16`). */
  readonly etcd: string;
}

export interface KubeTools {
  readonly versions: KubeToolVersions;
  readonly kubeApiServer: string;
  readonly etcd: string;
}

/** Thrown when the binaries are not built; the message says how to build them. */
export class KubeToolsMissingError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`real-cluster test binaries are missing: ${missing.join(', ')}; `
      + `run ${KUBE_TOOLS_BUILD_SCRIPT} (10-20 min the first time, cached afterwards; set KFS_TOOLS_DIR to build elsewhere)`);
    this.name = 'KubeToolsMissingError';
  }
}

export function readKubeToolVersions(): KubeToolVersions {
  const env = new Map<string, string>();
  for (const line of readFileSync(join(repoRoot, 'scripts', 'kube-tools', 'versions.env'), 'utf-8').split('\n')) {
    const match = /^\s*([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (match) env.set(match[1], match[2]);
  }
  const kubernetes = process.env.KUBE_VERSION_OVERRIDE ?? env.get('KUBE_VERSION');
  const etcd = process.env.ETCD_VERSION_OVERRIDE ?? env.get('ETCD_VERSION');
  if (!kubernetes || !etcd) throw new Error('scripts/kube-tools/versions.env must set KUBE_VERSION and ETCD_VERSION');
  return { kubernetes, etcd };
}

export function kubeToolsDir(): string {
  return process.env.KFS_TOOLS_DIR ?? join(process.env.KFS_CACHE_DIR ?? join(homedir(), '.cache', 'cdk8s-kfserving'), 'kube-tools');
}

/** The expected binary paths, whether or not they exist. */
export function kubeToolPaths(versions: KubeToolVersions = readKubeToolVersions()): KubeTools {
  const dir = kubeToolsDir();
  return {
    versions,
    kubeApiServer: join(dir, `kubernetes-v${versions.kubernetes}`, 'bin', 'kube-apiserver'),
    etcd: join(dir, `etcd-v${versions.etcd}`, 'bin', 'etcd'),
  };
}

/** The binaries, or a KubeToolsMissingError naming the missing ones and the build command. */
export function findKubeTools(): KubeTools {
  const tools = kubeToolPaths();
  const missing = [tools.kubeApiServer, tools.etcd].filter(path => !existsSync(path));
  if (missing.length > 0) throw new KubeToolsMissingError(missing);
  return tools;
}
