import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sharedFolder, sharedPath } from './shared-folder';

describe('the shared folder the tests read CRDs and the validator from', () => {
  const saved = process.env.KFS_SHARED_DIR;
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'kfs-shared-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.KFS_SHARED_DIR;
    else process.env.KFS_SHARED_DIR = saved;
    rmSync(folder, { recursive: true, force: true });
  });

  it('is the folder beside the clone unless KFS_SHARED_DIR names another', () => {
    delete process.env.KFS_SHARED_DIR;
    expect(sharedFolder()).toBe(resolve(__dirname, '..', '..', 'shared'));
    process.env.KFS_SHARED_DIR = folder;
    expect(sharedFolder()).toBe(folder);
  });

  it('gives the path of a file that is there', () => {
    process.env.KFS_SHARED_DIR = folder;
    mkdirSync(join(folder, 'crds', 'knative'), { recursive: true });
    writeFileSync(join(folder, 'crds', 'knative', 'service.yaml'), 'kind: CustomResourceDefinition\n');
    expect(sharedPath('crds', 'knative', 'service.yaml')).toBe(join(folder, 'crds', 'knative', 'service.yaml'));
  });

  it('names the missing path, where it looked and the way out when the file is not there', () => {
    process.env.KFS_SHARED_DIR = folder;
    const missing = join(folder, 'tools', 'validate-manifests', 'validate-manifests');
    expect(() => sharedPath('tools', 'validate-manifests', 'validate-manifests')).toThrow(
      `${missing} is missing: the tests need the shared folder (upstream CRDs, tools/validate-manifests) in KFS_SHARED_DIR, at ${folder}. Clone the repository next to it, or set KFS_SHARED_DIR to its path.`,
    );
  });
});
