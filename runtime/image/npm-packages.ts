import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compareCodeUnits } from './compare';

/** An npm package whose code ended up in the bundle. */
export interface NpmPackage {
  readonly name: string;
  readonly version: string;
  /** SPDX expression from package.json `license` (or the legacy `licenses` array). */
  readonly license: string;
  /** The package folder (where LICENSE files live). */
  readonly dir: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: string | { type?: string };
  licenses?: { type?: string }[];
}

/**
 * The npm packages that own `files` (paths relative to `root`): for each file, the nearest
 * package.json with a name and version, walking up and stopping at `root`. Folders with a bare
 * `{"type": "commonjs"}` package.json (dist/cjs/…) are skipped on the way up. Files of the project
 * itself (outside node_modules) are left out. Sorted by name, then version.
 */
export function npmPackagesOf(files: readonly string[], root: string): NpmPackage[] {
  // npm may install one name@version in several folders (nested node_modules): list it once.
  const byId = new Map<string, NpmPackage>();
  for (const file of files) {
    const absolute = path.resolve(root, file);
    if (!absolute.split(path.sep).includes('node_modules')) continue;
    const found = owningPackage(path.dirname(absolute), root);
    if (found === undefined) continue;
    const id = `${found.name}@${found.version}`;
    const known = byId.get(id);
    if (known === undefined || compareCodeUnits(found.dir, known.dir) < 0) byId.set(id, found);
  }
  return [...byId.values()].sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
}

function owningPackage(start: string, root: string): NpmPackage | undefined {
  for (let dir = start; dir.startsWith(root) && dir !== root; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
    if (json.name === undefined || json.version === undefined) continue;
    return { name: json.name, version: json.version, license: licenseOf(json, manifest), dir };
  }
  return undefined;
}

function licenseOf(json: PackageJson, manifest: string): string {
  if (typeof json.license === 'string' && json.license !== '') return json.license;
  if (typeof json.license === 'object' && json.license.type) return json.license.type;
  const legacy = (json.licenses ?? []).map((entry) => entry.type).filter((type): type is string => !!type);
  if (legacy.length > 0) return legacy.length === 1 ? legacy[0] : `(${legacy.join(' OR ')})`;
  throw new Error(`${manifest} declares no license; the image ships only code under a known permissive license`);
}
