import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { type DebianPackage, type DebianPackageCache, hostLibraryPath, packageOwningHostFile } from './debian-packages';
import { compareCodeUnits } from './compare';
import { readElfDependencies } from './elf';

/** A shared library the image needs, taken from a Debian package. */
export interface SharedLibrary {
  /** The name the dynamic linker looks for, e.g. `libstdc++.so.6`. */
  readonly soname: string;
  /** The real file inside the unpacked package (symlinks resolved). */
  readonly file: string;
  readonly debianPackage: DebianPackage;
}

/** Everything the image's ELF files need from the system, and the loader path executables name. */
export interface SharedLibraryClosure {
  readonly libraries: readonly SharedLibrary[];
  /** PT_INTERP of the executables, e.g. `/lib64/ld-linux-x86-64.so.2`. */
  readonly interpreter: string;
}

/** Where Debian puts x86-64 libraries inside a package (merged /usr or not). */
const PACKAGE_LIBRARY_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib64', 'lib', 'usr/lib'];

/**
 * Follows DT_NEEDED from `elfFiles` (node, native addons) through every library they pull in, taking
 * each library from the Debian package that installed it on the build host, so the image holds
 * exactly the libraries the loader will open and no more. Sonames in `shippedSonames` travel beside
 * their addon (RUNPATH $ORIGIN) and are not looked up.
 */
export async function resolveSharedLibraries(
  elfFiles: readonly string[],
  shippedSonames: ReadonlySet<string>,
  packages: DebianPackageCache,
): Promise<SharedLibraryClosure> {
  const libraries = new Map<string, SharedLibrary>();
  const interpreters = new Set<string>();
  const queue = [...elfFiles];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const dependencies = await readElfDependencies(file);
    if (dependencies.interpreter !== undefined) interpreters.add(dependencies.interpreter);
    for (const soname of dependencies.needed) {
      if (shippedSonames.has(soname) || libraries.has(soname)) continue;
      const library = await libraryFromDebian(soname, packages);
      libraries.set(soname, library);
      queue.push(library.file);
    }
  }
  if (interpreters.size !== 1) {
    throw new Error(`expected one ELF interpreter among ${elfFiles.join(', ')}, found ${interpreters.size === 0 ? 'none' : [...interpreters].join(', ')}`);
  }
  const [interpreter] = interpreters;
  // The loader is DT_NEEDED by libc itself, so it is normally in the closure already.
  const loaderSoname = path.basename(interpreter);
  if (!libraries.has(loaderSoname)) libraries.set(loaderSoname, await libraryFromDebian(loaderSoname, packages));
  const sorted = [...libraries.values()].sort((a, b) => compareCodeUnits(a.soname, b.soname));
  return { libraries: sorted, interpreter };
}

async function libraryFromDebian(soname: string, packages: DebianPackageCache): Promise<SharedLibrary> {
  const hostPath = await hostLibraryPath(soname);
  const debianPackage = await packages.get(await packageOwningHostFile(hostPath));
  for (const dir of PACKAGE_LIBRARY_DIRS) {
    const candidate = path.join(debianPackage.root, dir, soname);
    if (existsSync(candidate)) {
      const file = realpathSync(candidate);
      if (!file.startsWith(debianPackage.root + path.sep)) {
        throw new Error(`${soname} in ${debianPackage.name} links outside the package (${file})`);
      }
      return { soname, file, debianPackage };
    }
  }
  throw new Error(`the Debian package ${debianPackage.name} ${debianPackage.version} has no ${soname} under ${PACKAGE_LIBRARY_DIRS.join(', ')}`);
}
