import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ARCHIVE_NAME, SBOM_NAME } from '../../../runtime/image/image-spec';

/** Where one run of `npm run image` wrote its outputs, and the digest it printed. */
export interface ImageBuild {
  readonly digest: string;
  readonly archive: string;
  readonly sbom: string;
  /** Its progress lines (stderr). */
  readonly log: string;
}

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * Runs the image build the way `npm run image` does (tsx on build-image.ts, as a child process:
 * esbuild's API refuses to run inside Jest's sandboxed realm) into `outDir`.
 */
export function buildImageWithCli(outDir: string): Promise<ImageBuild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join('runtime', 'image', 'build-image.ts'), '--out-dir', outDir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`npm run image exited with ${code}:\n${stderr}`));
        return;
      }
      resolve({ digest: stdout.trim(), archive: path.join(outDir, ARCHIVE_NAME), sbom: path.join(outDir, SBOM_NAME), log: stderr });
    });
  });
}
