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
 * Compiles the bundle, wrapped as Node wraps a CommonJS module. The wrapped source is decoded from
 * one buffer into one string: wrapping the decoded source instead (`Module.wrap(source)`) made V8
 * flatten a second 2 MB copy at compile time and left the first as garbage that an idle server never
 * collects. The buffers are external memory and go with the next young-generation collection. In a
 * function so that nothing but the script keeps the source afterwards.
 */
function compileBundle(): vm.Script {
  const cachedData = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : readOptional(cacheFile);
  // Node's CommonJS wrapper, split into the text before and after a module's source.
  const mark = '\u0000kfs-bundle\u0000';
  const [head, tail] = Module.wrap(mark).split(mark);
  const source = Buffer.concat([Buffer.from(head, 'latin1'), readFileSync(file), Buffer.from(tail, 'latin1')]).toString('utf8');
  // The name is the in-image path even when the build runs this from its staging folder: V8 stores
  // the name in the cache, and the cache must come out byte-identical from every build.
  return new vm.Script(source, {
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
