import { cp, copyFile, readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { build, type Message, type Plugin } from 'esbuild';
import { compareCodeUnits } from './compare';
import { readElfDependencies } from './elf';
import { lazyBuiltins } from './lazy-builtins';
import { type NpmPackage, npmPackagesOf } from './npm-packages';

/** The bundled server: one JavaScript file, its loader, and the native pieces it loads. */
export interface BundledApp {
  /** The server bundle, e.g. `<appDir>/server.cjs`. */
  readonly serverFile: string;
  /** The separate bundles (see {@link BundleAppOptions.separateBundles}), as written into `appDir`. */
  readonly separateFiles: readonly string[];
  /** The entry point that runs the server bundle from its code cache (code-cache-loader.ts). */
  readonly loaderFile: string;
  /** Native addons (`.node`) and the libraries they load from beside themselves, as copied into `appDir`. */
  readonly nativeFiles: readonly string[];
  /** The package's data folders (package.json `files` other than its code), as copied into `appDir`. */
  readonly dataDirs: readonly string[];
  /** npm packages whose code is in the bundle or beside it, for the SBOM and licence files. */
  readonly packages: readonly NpmPackage[];
}

/** Options of {@link bundleApp}. */
export interface BundleAppOptions {
  /** The repository root (esbuild's working directory; package paths are resolved against it). */
  readonly repoRoot: string;
  /** The package the server belongs to (runtime/); its data folders travel with the bundle. */
  readonly packageDir: string;
  /** The server's TypeScript entry point. */
  readonly serverEntryPoint: string;
  /** The loader's TypeScript source. */
  readonly loaderEntryPoint: string;
  /** Where the bundles and native files go (the image's app folder in the staging tree). */
  readonly appDir: string;
  /** The server bundle's path in the image (its file name is used in appDir). */
  readonly serverPathInImage: string;
  /** The loader's path in the image (its file name is used in appDir). */
  readonly loaderPathInImage: string;
  /**
   * Modules the server imports only on some paths (e.g. the controller's), each bundled into a file
   * of its own beside the server bundle and required from there when imported, so the server's
   * startup neither reads nor holds their code. They must be imported only dynamically, and share
   * no state with the rest: code both use is copied into each bundle.
   */
  readonly separateBundles?: readonly SeparateBundle[];
}

/** A module bundled on its own: `entryPoint` (TypeScript, relative to the repository root) → `fileName` in appDir. */
export interface SeparateBundle {
  readonly entryPoint: string;
  readonly fileName: string;
}

const COMMON_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  // Licence texts ship as files in /usr/share/doc (see licence-files.ts), so none are kept in the code.
  legalComments: 'none',
  metafile: true,
  logLevel: 'silent',
} as const;

/**
 * Bundles the server with esbuild, following imports from the entry point so new modules and
 * dependencies are picked up without a list kept here. Only native addons stay outside the bundle:
 * the image is linux-x64, so `process.platform`/`process.arch` are defined as constants, which turns
 * onnxruntime-node's `require(\`../bin/napi-v6/${process.platform}/${process.arch}/…node\`)` into one
 * static path that esbuild's `copy` loader copies beside the bundle (rewriting the require) instead of
 * every platform's binary. Libraries an addon loads through RUNPATH $ORIGIN (libonnxruntime.so.1) are
 * copied beside it too. First-party code that finds files with `__dirname` (the gRPC protos) sees
 * the path its source has in the package, relative to the bundle, and the package's data folders
 * are copied beside the bundle. The loader (code-cache-loader.ts) is bundled on its own, with the server's
 * in-image path compiled in.
 */
export async function bundleApp(options: BundleAppOptions): Promise<BundledApp> {
  const serverFile = path.join(options.appDir, path.posix.basename(options.serverPathInImage));
  const separate = options.separateBundles ?? [];
  const bundle = (entryPoint: string, outfile: string) =>
    build({
      ...COMMON_OPTIONS,
      absWorkingDir: options.repoRoot,
      entryPoints: [entryPoint],
      outfile,
      define: { 'process.platform': '"linux"', 'process.arch': '"x64"' },
      loader: { '.node': 'copy' },
      assetNames: '[name]',
      banner: { js: `var ${BUNDLE_DIR_VARIABLE} = __dirname;` },
      plugins: [packageRelativePaths(path.resolve(options.repoRoot, options.packageDir)), requiredFromBeside(options.repoRoot, separate, entryPoint), lazyBuiltins()],
    });
  const results = [await bundle(options.serverEntryPoint, serverFile)];
  const separateFiles: string[] = [];
  for (const entry of separate) {
    const file = path.join(options.appDir, entry.fileName);
    results.push(await bundle(entry.entryPoint, file));
    separateFiles.push(file);
  }
  for (const result of results) printWarnings(result.warnings);
  const dataDirs = await copyPackageData(path.resolve(options.repoRoot, options.packageDir), options.appDir);

  const loaderFile = path.join(options.appDir, path.posix.basename(options.loaderPathInImage));
  const loader = await build({
    ...COMMON_OPTIONS,
    absWorkingDir: options.repoRoot,
    entryPoints: [options.loaderEntryPoint],
    outfile: loaderFile,
    define: { KFS_SERVER_BUNDLE_PATH: JSON.stringify(options.serverPathInImage) },
  });
  printWarnings(loader.warnings);
  const loaderInputs = Object.keys(loader.metafile.inputs);
  if (loaderInputs.length !== 1) throw new Error(`the code cache loader must use only Node built-ins, but it bundles ${loaderInputs.join(', ')}`);

  const addons: { copied: string; source: string }[] = [];
  for (const [output, meta] of results.flatMap((result) => Object.entries(result.metafile.outputs))) {
    if (!output.endsWith('.node')) continue;
    const inputs = Object.keys(meta.inputs);
    if (inputs.length !== 1) throw new Error(`esbuild copied ${output} from ${inputs.length} inputs; expected one`);
    addons.push({ copied: path.resolve(options.repoRoot, output), source: path.resolve(options.repoRoot, inputs[0]) });
  }
  const nativeFiles = addons.map((addon) => addon.copied);
  for (const addon of addons) {
    const besideSource = new Set(await readdir(path.dirname(addon.source)));
    for (const soname of (await readElfDependencies(addon.source)).needed) {
      if (!besideSource.has(soname)) continue;
      const target = path.join(options.appDir, soname);
      await copyFile(path.join(path.dirname(addon.source), soname), target);
      nativeFiles.push(target);
    }
  }
  return {
    serverFile,
    separateFiles,
    loaderFile,
    dataDirs,
    nativeFiles: nativeFiles.sort(compareCodeUnits),
    packages: npmPackagesOf([...new Set(results.flatMap((result) => Object.keys(result.metafile.inputs)))], options.repoRoot),
  };
}

function printWarnings(warnings: readonly Message[]): void {
  for (const warning of warnings) {
    process.stderr.write(`esbuild: ${warning.text}${warning.location ? ` (${warning.location.file}:${warning.location.line})` : ''}\n`);
  }
}

/**
 * Turns imports of a separate bundle's entry point into a `require` of its file beside the
 * importing bundle (`./controller.cjs`), resolved at run time through the bundle's own `require`.
 * The bundle being built (`ownEntryPoint`) is of course compiled in.
 */
function requiredFromBeside(repoRoot: string, separate: readonly SeparateBundle[], ownEntryPoint: string): Plugin {
  const fileNameOf = new Map(separate.map((entry) => [stripExtension(path.resolve(repoRoot, entry.entryPoint)), entry.fileName]));
  fileNameOf.delete(stripExtension(path.resolve(repoRoot, ownEntryPoint)));
  return {
    name: 'required-from-beside',
    setup(plugin) {
      plugin.onResolve({ filter: /^\./ }, (args) => {
        if (args.namespace === SEPARATE_NAMESPACE) return { path: args.path, external: true };
        const fileName = fileNameOf.get(stripExtension(path.resolve(args.resolveDir, args.path)));
        if (fileName === undefined) return undefined;
        if (args.kind !== 'dynamic-import') throw new Error(`${args.importer} imports ${args.path} statically; a separate bundle must be imported with import()`);
        return { path: `./${fileName}`, namespace: SEPARATE_NAMESPACE };
      });
      // A CommonJS stand-in, so the import() becomes a plain require of the file (as the bundle's
      // own lazy modules are) rather than an ES module import that Node would resolve on its own.
      plugin.onLoad({ filter: /.*/, namespace: SEPARATE_NAMESPACE }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

const SEPARATE_NAMESPACE = 'separate-bundle';

function stripExtension(file: string): string {
  return file.replace(/\.[cm]?[jt]s$/, '');
}

/** Set by a banner at the top of the bundle: the folder the bundle file is in when it runs. */
const BUNDLE_DIR_VARIABLE = '__kfsBundleDir';

/**
 * Gives each first-party module of the package that uses `__dirname`/`__filename` the values its
 * file has in the package, relative to the bundle's folder (runtime/src/server/grpc/proto.ts →
 * <bundle folder>/src/server/grpc), instead of the bundle's folder itself: so
 * `path.resolve(__dirname, '../../../protocol')` finds <bundle folder>/protocol, where
 * {@link copyPackageData} puts the package's data. Relative, so it holds in the image (/app) and in
 * the staging folder the build's warm-up runs from. Nothing to maintain when modules move.
 */
function packageRelativePaths(packageDir: string): Plugin {
  return {
    name: 'package-relative-dirname',
    setup(plugin) {
      plugin.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        const relative = path.relative(packageDir, args.path);
        if (relative.startsWith('..') || relative.split(path.sep).includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
        const parts = relative.split(path.sep);
        const join = (segments: string[]) => `require("node:path").join(${[BUNDLE_DIR_VARIABLE, ...segments.map((segment) => JSON.stringify(segment))].join(', ')})`;
        const header = `const __dirname = ${join(parts.slice(0, -1))}, __filename = ${join(parts)};`;
        return { contents: `${header}${source}`, loader: 'ts' };
      });
    },
  };
}

/**
 * Copies the package's data folders into `appDir`: the entries of its package.json `files` except
 * the code the bundle replaces (`bin`, and the folder `main` points into). Returns their names.
 */
async function copyPackageData(packageDir: string, appDir: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { files?: string[]; main?: string; bin?: Record<string, string> | string };
  const code = new Set(['bin', path.normalize(manifest.main ?? 'index.js').split(path.sep)[0]]);
  for (const bin of typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})) code.add(path.normalize(bin).split(path.sep)[0]);
  const data = (manifest.files ?? []).map((entry) => path.normalize(entry).split(path.sep)[0]).filter((entry) => !code.has(entry)).sort(compareCodeUnits);
  for (const entry of data) await cp(path.join(packageDir, entry), path.join(appDir, entry), { recursive: true });
  return data;
}
