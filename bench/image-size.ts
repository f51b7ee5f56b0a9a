/**
 * How big the kfs-runtime image is: per layer (compressed as stored, uncompressed as unpacked), per
 * part (node, onnxruntime, libs, app, other; gzip level 6 per file, like the layers), and the
 * baseline: what `npm install --omit=dev` of kfs-runtime plus the same Node binary puts on disk.
 */
import { createReadStream, existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import type { OciArchiveContents } from '../runtime/image/oci-archive';

export interface LayerSize {
  readonly compressed: number;
  readonly uncompressed: number;
}

/** Each layer's blob size (what a registry stores and a node pulls) and its tar size after gunzip. */
export async function layerSizes(contents: OciArchiveContents, layoutDir: string): Promise<LayerSize[]> {
  const sizes: LayerSize[] = [];
  for (const layer of contents.manifest.layers) {
    let uncompressed = 0;
    const counter = new Writable({
      write(chunk: Buffer, _encoding, done) {
        uncompressed += chunk.length;
        done();
      },
    });
    await pipeline(createReadStream(path.join(layoutDir, 'blobs', ...layer.digest.split(':'))), createGunzip(), counter);
    sizes.push({ compressed: layer.size, uncompressed });
  }
  return sizes;
}

export type Part = 'node' | 'onnxruntime' | 'libs' | 'app' | 'other';
export const PARTS: readonly Part[] = ['node', 'onnxruntime', 'libs', 'app', 'other'];

function partOf(imagePath: string): Part {
  if (imagePath === '/usr/bin/node') return 'node';
  if (/^\/app\/(libonnxruntime\.so|.*\.node$)/.test(imagePath)) return 'onnxruntime';
  if (imagePath.startsWith('/lib/') || imagePath.startsWith('/lib64/')) return 'libs';
  if (imagePath.startsWith('/app/')) return 'app';
  return 'other';
}

/** Bytes per part of the unpacked root filesystem: file sizes, and the sum of each file gzipped alone. */
export function partWeights(rootfs: string): Record<Part, LayerSize> {
  const weights = Object.fromEntries(PARTS.map((part) => [part, { compressed: 0, uncompressed: 0 }])) as Record<Part, { compressed: number; uncompressed: number }>;
  const visit = (imagePath: string) => {
    for (const entry of readdirSync(path.join(rootfs, imagePath), { withFileTypes: true })) {
      const child = path.posix.join(imagePath, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (entry.isFile()) {
        const content = readFileSync(path.join(rootfs, child));
        const weight = weights[partOf(child)];
        weight.uncompressed += content.length;
        weight.compressed += gzipSync(content, { level: 6 }).length;
      }
    }
  };
  visit('/');
  return weights;
}

/**
 * The baseline: Node's binary plus every file of kfs-runtime's production dependency closure as npm
 * installs it (onnxruntime-node ships every platform's binaries), plus runtime/bin and runtime/build.
 */
export function npmInstallSize(repoRoot: string, nodeExecutable: string): number {
  const seen = new Set<string>();
  let bytes = statSync(nodeExecutable).size;
  const addTree = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') addTree(full);
      } else if (entry.isFile() && !seen.has(full)) {
        seen.add(full);
        bytes += statSync(full).size;
      }
    }
  };
  const visitPackage = (name: string, fromDir: string) => {
    const dir = findPackage(name, fromDir);
    if (dir === undefined || seen.has(dir)) return;
    seen.add(dir);
    addTree(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visitPackage(dependency, dir);
  };
  const runtimeDir = path.join(repoRoot, 'runtime');
  const runtimeManifest = JSON.parse(readFileSync(path.join(runtimeDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dependency of Object.keys(runtimeManifest.dependencies)) visitPackage(dependency, runtimeDir);
  for (const folder of ['bin', 'build']) if (existsSync(path.join(runtimeDir, folder))) addTree(path.join(runtimeDir, folder));
  return bytes;
}

/** Node's lookup: `node_modules/<name>` in `fromDir` and each folder above it. */
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}
