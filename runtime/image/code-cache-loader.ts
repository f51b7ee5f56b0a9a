/**
 * The image's entry point (`/app/kfs-runtime.cjs`): runs the bundled server (`server.cjs` beside it)
 * from a V8 code cache written at build time after a warm-up request, so a cold start neither parses
 * nor compiles the ~1 MB bundle, not even the functions that first run on the first inference.
 * Node's NODE_COMPILE_CACHE would cache only the top-level code V8 compiles eagerly (measured: about
 * half the saving), and writes under the absolute path of the build, which breaks reproducibility.
 *
 * V8 checks the cache against the source length and its own version and flags and compiles normally
 * when it does not match, so a stale or foreign cache costs time, never correctness.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as it does for Node's own cache (the benchmark uses it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** Set by bundle-app.ts: the bundle's path inside the image, used as the script's name everywhere. */
declare const KFS_SERVER_BUNDLE_PATH: string;

const file = path.join(__dirname, path.basename(KFS_SERVER_BUNDLE_PATH));
const cacheFile = `${file}.v8cache`;
const script = compileBundle();

if (script.cachedDataRejected) {
  // Still correct, only slower: say so, since it means the image was not built with this Node.
  process.stderr.write(`kfs-runtime: V8 rejected the code cache ${cacheFile}; compiling from source\n`);
}

// Build time only: write the cache at exit, after the warm-up ran the request path.
const cacheOut = process.env.KFS_CODE_CACHE_OUT;
if (cacheOut) process.once('exit', () => writeFileSync(cacheOut, script.createCachedData()));

const serverModule = new Module(file);
serverModule.filename = file;
const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
wrapper.call(serverModule.exports, serverModule.exports, Module.createRequire(file), serverModule, file, path.dirname(file));

/**
 * Compiles the bundle, wrapped as Node wraps a CommonJS module. In a function so that neither the
 * unwrapped source nor the cache's bytes stay referenced afterwards: the script keeps only its own
 * (wrapped) copy of the source, and the bundle's megabytes would otherwise be held twice for the
 * life of the server.
 */
function compileBundle(): vm.Script {
  const cachedData = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : readOptional(cacheFile);
  // The name is the in-image path even when the build runs this from its staging folder: V8 stores
  // the name in the cache, and the cache must come out byte-identical from every build.
  return new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: KFS_SERVER_BUNDLE_PATH,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

function readOptional(cache: string): Buffer | undefined {
  try {
    return readFileSync(cache);
  } catch {
    return undefined;
  }
}
