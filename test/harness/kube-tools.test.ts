import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeToolsMissingError, findKubeTools, kubeToolPaths, readKubeToolVersions } from './kube-tools';

test('versions come from scripts/kube-tools/versions.env (Kubernetes 1.3x, etcd 3.6)', () => {
  const versions = readKubeToolVersions();
  expect(versions.kubernetes).toMatch(/^1\.3\d\.\d+$/);
  expect(versions.etcd).toMatch(/^3\.6\.\d+$/);
});

describe('with KFS_TOOLS_DIR pointing at an empty folder', () => {
  let dir: string;
  const saved = process.env.KFS_TOOLS_DIR;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kube-tools-test-'));
    process.env.KFS_TOOLS_DIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.KFS_TOOLS_DIR;
    else process.env.KFS_TOOLS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  test('binaries are looked up in <dir>/<name>-v<version>/bin, as build.sh writes them', () => {
    const { kubernetes, etcd } = readKubeToolVersions();
    const paths = kubeToolPaths();
    expect(paths.kubeApiServer).toBe(join(dir, `kubernetes-v${kubernetes}`, 'bin', 'kube-apiserver'));
    expect(paths.etcd).toBe(join(dir, `etcd-v${etcd}`, 'bin', 'etcd'));
  });

  test('missing binaries fail with a message that names them and the build command', () => {
    const paths = kubeToolPaths();
    expect(() => findKubeTools()).toThrow(KubeToolsMissingError);
    expect(() => findKubeTools()).toThrow(
      `real-cluster test binaries are missing: ${paths.kubeApiServer}, ${paths.etcd}; `
      + 'run scripts/kube-tools/build.sh (10-20 min the first time, cached afterwards; set KFS_TOOLS_DIR to build elsewhere)',
    );
  });
});
