/**
 * `npm run image`: builds the kfs-runtime OCI image from files, without a container engine, and
 * prints its digest. See README.md in this folder for what goes in and why.
 *
 *   npm run image [-- --out-dir DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { version as esbuildVersion } from 'esbuild';
import { bundleApp } from './bundle-app';
import { caBundleFrom } from './ca-certificates';
import { buildahVersion, commitImage } from './commit-image';
import { DebianPackageCache } from './debian-packages';
import {
  APP_DIR, ARCHIVE_NAME, SBOM_NAME, CA_BUNDLE_PATH, CODE_CACHE_PATH, DEFAULT_CMD, ENTRYPOINT, EXPOSED_PORTS, IMAGE_ENV, IMAGE_GID, IMAGE_HOME, IMAGE_UID,
  CONTROLLER_BUNDLE_PATH, LICENSES_DIR, LOADER_PATH, NODE_PATH, SBOM_PATH, SERVER_BUNDLE_PATH, SHARED_LIBRARY_DIR, imageLabels,
} from './image-spec';
import { type LayerName, LAYER_ORDER, splitIntoLayers } from './layers';
import { debianCopyrightFile, npmLicenceFiles } from './licence-files';
import { copyStripped, findPinnedNodeBinary } from './node-binary';
import { finishOciArchive, readOciArchive } from './oci-archive';
import { readProvenance } from './provenance';
import { EMPTY_DIRECTORIES, normalizeTree, stageContent, stageFile, stagedPath, stageSymlink, stageUserDatabase } from './root-filesystem';
import { findOnPath } from './run-command';
import { buildSbom } from './sbom';
import { resolveSharedLibraries } from './shared-libraries';
import { warmUpCodeCache } from './warm-up';

/** Programs the build runs, with the Debian package that has each. */
export const REQUIRED_TOOLS: Readonly<Record<string, string>> = {
  buildah: 'buildah',
  readelf: 'binutils',
  strip: 'binutils',
  'apt-get': 'apt',
  'dpkg-deb': 'dpkg',
  'dpkg-query': 'dpkg',
  ldconfig: 'libc-bin',
  tar: 'tar',
  gzip: 'gzip',
  git: 'git',
};

/** Options of {@link buildImage}. */
export interface BuildImageOptions {
  readonly repoRoot: string;
  /** Where the archive and the SBOM go. */
  readonly outDir: string;
  /** Downloaded Debian packages live here between builds. */
  readonly cacheDir: string;
  /** Progress lines (to stderr from the command line). */
  readonly log?: (line: string) => void;
}

/** What {@link buildImage} produced. */
export interface BuiltImage {
  readonly archive: string;
  readonly sbom: string;
  /** The manifest digest, `sha256:…`. */
  readonly digest: string;
}

/** The example model the build's warm-up run serves (its expected.json has the request). */
const WARM_UP_MODEL = { name: 'iris', dir: path.join('models', 'iris') };

/**
 * Stages the root filesystem (bundle, native addon, Node, the shared libraries they need, CA
 * certificates, users, licences, SBOM, code cache), commits it with buildah and writes a reproducible
 * oci-archive plus the SBOM beside it.
 */
export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const log = options.log ?? (() => undefined);
  const missing = Object.keys(REQUIRED_TOOLS).filter((tool) => findOnPath(tool) === undefined);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((tool) => REQUIRED_TOOLS[tool]))].join(' ');
    throw new Error(`the image build needs ${missing.join(', ')}; install them with: apt-get install ${packages}`);
  }

  const provenance = await readProvenance(options.repoRoot);
  const workDir = path.join(options.outDir, '.build');
  const rootfs = path.join(workDir, 'rootfs');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(rootfs, { recursive: true });
  const started = Date.now();
  const step = (what: string) => log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);
  try {
    step(`bundling the server (esbuild ${esbuildVersion})`);
    const appDir = stagedPath(rootfs, path.posix.dirname(SERVER_BUNDLE_PATH));
    await mkdir(appDir, { recursive: true });
    const app = await bundleApp({
      repoRoot: options.repoRoot,
      packageDir: 'runtime',
      serverEntryPoint: path.join('runtime', 'image', 'entrypoint.ts'),
      loaderEntryPoint: path.join('runtime', 'image', 'code-cache-loader.ts'),
      appDir,
      serverPathInImage: SERVER_BUNDLE_PATH,
      loaderPathInImage: LOADER_PATH,
      separateBundles: [{ entryPoint: path.join('runtime', 'src', 'controller', 'controller-modules.ts'), fileName: path.posix.basename(CONTROLLER_BUNDLE_PATH) }],
    });

    const node = findPinnedNodeBinary(options.repoRoot);
    step(`adding Node.js ${node.version} (${node.packageName}, stripped)`);
    const stagedNode = stagedPath(rootfs, NODE_PATH);
    await mkdir(path.dirname(stagedNode), { recursive: true });
    await copyStripped(node.executable, stagedNode);
    await chmod(stagedNode, 0o755);

    step('resolving shared libraries from Debian packages');
    const packages = new DebianPackageCache(path.join(options.cacheDir, 'image'));
    const shippedSonames = new Set(app.nativeFiles.map((file) => path.basename(file)).filter((name) => /\.so(\.|$)/.test(name)));
    const closure = await resolveSharedLibraries([stagedNode, ...app.nativeFiles], shippedSonames, packages);
    for (const library of closure.libraries) await stageFile(rootfs, library.file, path.posix.join(SHARED_LIBRARY_DIR, library.soname));
    const loaderInLibraryDir = path.posix.join(SHARED_LIBRARY_DIR, path.posix.basename(closure.interpreter));
    if (closure.interpreter !== loaderInLibraryDir) await stageSymlink(rootfs, closure.interpreter, loaderInLibraryDir);
    step(`  ${closure.libraries.map((library) => library.soname).join(', ')}`);

    step('adding CA certificates, users and mount points');
    const caCertificates = await packages.get('ca-certificates');
    await stageContent(rootfs, CA_BUNDLE_PATH, await caBundleFrom(caCertificates));
    await stageUserDatabase(rootfs);
    for (const dir of [...EMPTY_DIRECTORIES, path.posix.dirname(IMAGE_HOME)]) await mkdir(stagedPath(rootfs, dir), { recursive: true });

    step('adding licence texts');
    const debianPackages = uniqueByName([...closure.libraries.map((library) => library.debianPackage), caCertificates]);
    const licenceFiles = [
      ...(await npmLicenceFiles(app.packages, LICENSES_DIR)),
      { source: node.licenseFile, imagePath: path.posix.join(LICENSES_DIR, 'node', 'LICENSE') },
      ...(await Promise.all(debianPackages.map((debianPackage) => debianCopyrightFile(debianPackage, packages, LICENSES_DIR)))),
    ];
    for (const file of licenceFiles) await stageFile(rootfs, file.source, file.imagePath);

    step('writing the SBOM');
    const sbom = buildSbom({
      provenance,
      node,
      npmPackages: app.packages,
      debianPackages,
      debianDistro: debianDistro(),
      tools: [{ name: 'esbuild', version: esbuildVersion }, { name: 'buildah', version: await buildahVersion() }],
    });
    await stageContent(rootfs, SBOM_PATH, sbom);

    step('warming up the staged server to write its V8 code cache');
    await warmUpCodeCache({
      node: stagedNode,
      loader: stagedPath(rootfs, LOADER_PATH),
      cacheFile: stagedPath(rootfs, CODE_CACHE_PATH),
      modelDir: path.join(options.repoRoot, WARM_UP_MODEL.dir),
      modelName: WARM_UP_MODEL.name,
      environment: Object.fromEntries(IMAGE_ENV),
    });

    const files = await normalizeTree(rootfs, { executables: [NODE_PATH, loaderInLibraryDir], directories: { '/tmp': 0o1777 } }, provenance.sourceDateEpoch);
    const nativePaths = new Set(app.nativeFiles.map((file) => path.posix.join(APP_DIR, path.basename(file))));
    const layerRoots = await splitIntoLayers(rootfs, (imagePath) => layerOf(imagePath, nativePaths), workDir, provenance.sourceDateEpoch);
    step(`committing ${files.length} paths in ${LAYER_ORDER.length} layers (${LAYER_ORDER.join(', ')}) with buildah`);
    // buildah copies a folder's content: a parent holding only the home folder (0700) lands it in /home.
    const homeParent = path.join(workDir, 'home');
    const home = path.join(homeParent, path.posix.basename(IMAGE_HOME));
    await mkdir(home, { recursive: true });
    await chmod(home, 0o700);
    const rawArchive = path.join(workDir, 'buildah.oci.tar');
    await commitImage({
      layers: LAYER_ORDER.map((name) => ({
        root: layerRoots[name],
        ownedDirectories: name === 'base' ? { [path.posix.dirname(IMAGE_HOME)]: [homeParent, `${IMAGE_UID}:${IMAGE_GID}`] } : {},
      })),
      config: {
        user: `${IMAGE_UID}:${IMAGE_GID}`,
        entrypoint: ENTRYPOINT,
        cmd: DEFAULT_CMD,
        env: IMAGE_ENV,
        exposedPorts: EXPOSED_PORTS,
        workingDir: '/',
        labels: imageLabels(provenance),
      },
      epochSeconds: provenance.sourceDateEpoch,
      workDir,
      archive: rawArchive,
    });

    step('recompressing the layers (gzip -9) and writing the archive');
    const archive = path.join(options.outDir, ARCHIVE_NAME);
    await finishOciArchive(rawArchive, archive, workDir, provenance.sourceDateEpoch);
    const sbomFile = path.join(options.outDir, SBOM_NAME);
    await writeFile(sbomFile, sbom);
    const { digest } = await readOciArchive(archive, workDir);
    step(`done: ${archive} (${((await stat(archive)).size / 1e6).toFixed(1)} MB), ${provenance.revision}`);
    return { archive, sbom: sbomFile, digest };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Which layer a file goes to (see layers.ts): the app folder and its metadata on top, native code below. */
function layerOf(imagePath: string, nativePaths: ReadonlySet<string>): LayerName {
  if (nativePaths.has(imagePath)) return 'native';
  if (imagePath.startsWith(`${APP_DIR}/`) || imagePath === SBOM_PATH || imagePath.startsWith(`${LICENSES_DIR}/npm/`)) return 'app';
  return 'base';
}

function uniqueByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((item) => [item.name, item])).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `debian-12` from the build host's /etc/os-release: the distribution its packages come from. */
function debianDistro(): string {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const id = /^ID=("?)([^"\n]+)\1$/m.exec(osRelease)?.[2];
  const versionId = /^VERSION_ID=("?)([^"\n]+)\1$/m.exec(osRelease)?.[2];
  if (id !== 'debian' || versionId === undefined) throw new Error(`the image takes its libraries from Debian packages, but this host is ${id ?? 'unknown'} ${versionId ?? ''}; build on Debian`);
  return `${id}-${versionId}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  const repoRoot = path.resolve(__dirname, '..', '..');
  const outDir = path.resolve(values['out-dir'] ?? path.join(repoRoot, 'dist', 'image'));
  await mkdir(outDir, { recursive: true });
  const cacheDir = process.env.KFS_CACHE_DIR || path.join(homedir(), '.cache', 'cdk8s-kfserving');
  const image = await buildImage({ repoRoot, outDir, cacheDir, log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`archive: ${image.archive}\nsbom:    ${image.sbom}\n`);
  process.stdout.write(`${image.digest}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm run image: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
