import { existsSync, readlinkSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodeUnits } from './compare';
import { type DebianPackage, type DebianPackageCache, packageOwningHostFile } from './debian-packages';
import type { NpmPackage } from './npm-packages';

/** A licence text to ship: where it comes from and where it goes in the image. */
export interface LicenceFile {
  readonly source: string;
  readonly imagePath: string;
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

/** LICENSE/LICENCE/COPYING/NOTICE files at the root of each npm package, to /usr/share/doc/npm/<name>/. */
export async function npmLicenceFiles(packages: readonly NpmPackage[], docDir: string): Promise<LicenceFile[]> {
  const files: LicenceFile[] = [];
  for (const npmPackage of packages) {
    const names = (await readdir(npmPackage.dir)).filter((name) => LICENCE_FILE.test(name)).sort(compareCodeUnits);
    for (const name of names) {
      if (!(await lstat(path.join(npmPackage.dir, name))).isFile()) continue;
      files.push({ source: path.join(npmPackage.dir, name), imagePath: path.posix.join(docDir, 'npm', npmPackage.name, name) });
    }
  }
  return files;
}

/**
 * A Debian package's copyright file, to /usr/share/doc/<package>/copyright. Some packages
 * (libstdc++6, libgcc-s1) ship their doc folder as a symlink to another package's (gcc-12-base),
 * which is then fetched for the file.
 */
export async function debianCopyrightFile(debianPackage: DebianPackage, packages: DebianPackageCache, docDir: string): Promise<LicenceFile> {
  const imagePath = path.posix.join(docDir, debianPackage.name, 'copyright');
  const docFolder = path.join(debianPackage.root, 'usr', 'share', 'doc', debianPackage.name);
  const direct = path.join(docFolder, 'copyright');
  if (existsSync(direct) && !(await lstat(docFolder)).isSymbolicLink()) return { source: direct, imagePath };
  if (!(await lstat(docFolder)).isSymbolicLink()) {
    throw new Error(`the Debian package ${debianPackage.name} has no usr/share/doc/${debianPackage.name}/copyright`);
  }
  const target = readlinkSync(docFolder);
  if (target.includes('/')) throw new Error(`usr/share/doc/${debianPackage.name} in ${debianPackage.name} links to ${target}; expected a sibling package's folder`);
  const owner = await packages.get(await packageOwningHostFile(`/usr/share/doc/${target}/copyright`));
  const source = path.join(owner.root, 'usr', 'share', 'doc', target, 'copyright');
  if (!existsSync(source)) throw new Error(`${owner.name} ${owner.version} has no usr/share/doc/${target}/copyright`);
  return { source, imagePath };
}
