/**
 * Benchmark of the kfs-runtime image (runtime/image): builds it, unpacks it with skopeo + umoci, and
 * measures size (compressed and uncompressed, per layer and per part), cold start (exec → first
 * successful inference, 10 runs) and idle RSS of the image's entrypoint run from the unpacked root
 * (unshare + chroot as uid 65532, read-only root). Baselines measured in the same run:
 * `node runtime/bin/kfs-runtime.js` from the repository, and the size of an `npm install --omit=dev`.
 * The image is also started with its code cache disabled, to show what the cache buys.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { findPinnedNodeBinary } from '../runtime/image/node-binary';
import { readOciArchive } from '../runtime/image/oci-archive';
import { findOnPath } from '../runtime/image/run-command';
import { buildImageWithCli } from '../test/image/helpers/build-image-cli';
import { findFreeLoopbackPort } from '../test/harness/free-port';
import { waitForInference } from '../test/image/helpers/wait-for-inference';
import { GrpcInferClient } from '../test/runtime/helpers/grpc-client';
import { runUnpackedImage } from '../test/image/helpers/run-unpacked';
import { type UnpackedImage, unpackImage } from '../test/image/helpers/unpack-image';
import { PARTS, layerSizes, npmInstallSize, partWeights } from './image-size';
import { IDLE_MS, type StartSample, type StartedServer, residentMemory, sampleStart, startFromRepository } from './image-start';

const RUNS = 10;
const GRPC_RUNS = 3;
const REPO_ROOT = path.resolve(__dirname, '..');
const IRIS_DIR = path.join(REPO_ROOT, 'models', 'iris');
const LAYER_NAMES = ['base', 'native', 'app'];

const GOALS = { compressedBytes: 65e6, uncompressedBytes: 170e6, coldStartMs: 200, idleRssBytes: 100e6 };

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

export async function runImageBenchmark(): Promise<void> {
  console.log('\nkfs-runtime image (npm run image), measured on the unpacked image:');
  if (findOnPath('buildah') === undefined) {
    console.log('  skipped: buildah is not installed (apt-get install buildah skopeo umoci binutils)');
    return;
  }
  if (process.getuid?.() !== 0) {
    console.log('  skipped: running the unpacked image needs root (mount namespaces for unshare + chroot)');
    return;
  }
  const workDir = await mkdtemp(path.join(tmpdir(), 'kfs-bench-image-'));
  try {
    const build = await buildImageWithCli(path.join(workDir, 'build'));
    const contents = await readOciArchive(build.archive, workDir);
    const image = await unpackImage(build.archive, path.join(workDir, 'unpacked'));
    console.log(`  ${build.digest}`);

    // -- size ---------------------------------------------------------------------------------------
    const layers = await layerSizes(contents, image.layout);
    const compressed = layers.reduce((sum, layer) => sum + layer.compressed, 0);
    const uncompressed = layers.reduce((sum, layer) => sum + layer.uncompressed, 0);
    const node = findPinnedNodeBinary(REPO_ROOT);
    const baselineBytes = npmInstallSize(REPO_ROOT, node.executable);
    console.log(`  size: compressed ${mb(compressed)} (goal ≤ ${mb(GOALS.compressedBytes)}: ${met(compressed <= GOALS.compressedBytes)}), uncompressed ${mb(uncompressed)} (goal ≤ ${mb(GOALS.uncompressedBytes)}: ${met(uncompressed <= GOALS.uncompressedBytes)})`);
    console.log(`    layers (compressed / uncompressed): ${layers.map((layer, i) => `${LAYER_NAMES[i] ?? i} ${mb(layer.compressed)} / ${mb(layer.uncompressed)}`).join(', ')}`);
    console.log(`    baseline: npm install --omit=dev of kfs-runtime (runtime/build included) + its Node binary: ${mb(baselineBytes)}; ratio image (uncompressed)/baseline ${(uncompressed / baselineBytes).toFixed(2)}×`);
    const weights = partWeights(image.rootfs);
    console.log('    parts (files / gzip -6 per file):');
    for (const part of PARTS) console.log(`      ${part.padEnd(12)} ${mb(weights[part].uncompressed).padStart(9)} / ${mb(weights[part].compressed).padStart(8)}`);

    // -- cold start and idle RSS ---------------------------------------------------------------------
    const request = (JSON.parse(readFileSync(path.join(IRIS_DIR, '1', 'expected.json'), 'utf8')) as { request: unknown }).request;
    // The baseline runs the compiled runtime (runtime/bin → runtime/build): build it from this checkout.
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'runtime/tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    const variants: { name: string; start: (port: number) => StartedServer }[] = [
      {
        name: 'image (unpacked, chroot, uid 65532, ro root)',
        start: (port) => fromImage(port, []),
      },
      {
        name: 'image, code cache off (NODE_DISABLE_COMPILE_CACHE=1)',
        start: (port) => fromImage(port, ['NODE_DISABLE_COMPILE_CACHE=1']),
      },
      {
        name: 'baseline: node runtime/bin/kfs-runtime.js',
        start: (port) => startFromRepository(process.execPath, REPO_ROOT, IRIS_DIR, port),
      },
    ];
    function fromImage(port: number, extraEnv: string[]): StartedServer {
      const running = runUnpackedImage(image, { args: ['serve', '--model=iris=/mnt/models', '--host=127.0.0.1', `--http-port=${port}`, '--grpc-port=0', '--metrics-port=0', '--drain-seconds=0'], modelsDir: IRIS_DIR, extraEnv });
      return { child: running.child, pid: running.imagePid, execAtMs: running.execAtMs, stop: () => running.stop() };
    }
    const samples = new Map<string, StartSample[]>(variants.map((variant) => [variant.name, []]));
    // Interleaved, so a noisy neighbour on the machine hits every variant alike.
    for (let run = 0; run < RUNS; run++) {
      for (const variant of variants) {
        const port = await findFreeLoopbackPort();
        samples.get(variant.name)!.push(await sampleStart(() => variant.start(port), port, request));
      }
    }
    console.log(`  cold start: exec → first successful inference of iris, ${RUNS} runs each, interleaved; cpu: all threads until then; run queue: time runnable but waiting for a CPU; setup: the harness's unshare + mounts before the exec, not counted:`);
    for (const variant of variants) {
      const list = samples.get(variant.name)!;
      const times = list.map((sample) => sample.coldStartMs);
      console.log(`    ${variant.name.padEnd(54)} median ${ms(median(times)).padStart(7)}  max ${ms(Math.max(...times)).padStart(7)}  cpu ${ms(median(list.map((s) => s.cpuMs))).padStart(6)}  run queue ${ms(median(list.map((s) => s.runQueueMs))).padStart(6)}  setup ${ms(median(list.map((s) => s.setupMs))).padStart(5)}`);
    }
    const [imageSamples, noCacheSamples, baselineSamples] = variants.map((variant) => samples.get(variant.name)!);
    const imageMedian = median(imageSamples.map((sample) => sample.coldStartMs));
    const baselineMedian = median(baselineSamples.map((sample) => sample.coldStartMs));
    console.log(`    ratio image/baseline ${(imageMedian / baselineMedian).toFixed(2)}× (cpu ${(median(imageSamples.map((s) => s.cpuMs)) / median(baselineSamples.map((s) => s.cpuMs))).toFixed(2)}×); code cache on/off ${(imageMedian / median(noCacheSamples.map((s) => s.coldStartMs))).toFixed(2)}× (cpu ${(median(imageSamples.map((s) => s.cpuMs)) / median(noCacheSamples.map((s) => s.cpuMs))).toFixed(2)}×); goal median < ${GOALS.coldStartMs} ms: ${met(imageMedian < GOALS.coldStartMs)}`);
    console.log('  idle RSS, 2 s after the first inference (median):');
    for (const variant of variants) {
      const list = samples.get(variant.name)!;
      console.log(`    ${variant.name.padEnd(54)} ${mb(median(list.map((s) => s.rssBytes))).padStart(9)}  (anonymous ${mb(median(list.map((s) => s.rssAnonBytes)))}, file-backed ${mb(median(list.map((s) => s.rssFileBytes)))})`);
    }
    const imageRss = median(imageSamples.map((sample) => sample.rssBytes));
    console.log(`    ratio image/baseline ${(imageRss / median(baselineSamples.map((sample) => sample.rssBytes))).toFixed(2)}×; goal < ${mb(GOALS.idleRssBytes)}: ${met(imageRss < GOALS.idleRssBytes)}`);

    // -- the gRPC stack, loaded on the gRPC port's first connection -------------------------------
    const grpcSamples: { firstCallMs: number; laterCallMs: number; rssBefore: number; rssAfter: number }[] = [];
    for (let run = 0; run < GRPC_RUNS; run++) grpcSamples.push(await sampleFirstGrpcCall(image, request));
    console.log(`  gRPC (its stack loads on the gRPC port's first connection; ${GRPC_RUNS} runs, medians): first ModelInfer ${ms(median(grpcSamples.map((s) => s.firstCallMs)))} (load included), the next ${ms(median(grpcSamples.map((s) => s.laterCallMs)))}; idle RSS ${mb(median(grpcSamples.map((s) => s.rssBefore)))} after REST only → ${mb(median(grpcSamples.map((s) => s.rssAfter)))} once gRPC served a call`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Starts the image, waits for a REST inference and 2 s of idling, then times the first gRPC
 * ModelInfer (the port's first connection loads the gRPC stack) and a second one on the same
 * connection, and reads the idle RSS again 2 s later.
 */
async function sampleFirstGrpcCall(image: UnpackedImage, request: unknown): Promise<{ firstCallMs: number; laterCallMs: number; rssBefore: number; rssAfter: number }> {
  const port = await findFreeLoopbackPort();
  const grpcPort = await findFreeLoopbackPort();
  const running = runUnpackedImage(image, { args: ['serve', '--model=iris=/mnt/models', '--host=127.0.0.1', `--http-port=${port}`, `--grpc-port=${grpcPort}`, '--metrics-port=0', '--drain-seconds=0'], modelsDir: IRIS_DIR });
  const client = new GrpcInferClient(`127.0.0.1:${grpcPort}`);
  try {
    await waitForInference(`http://127.0.0.1:${port}/v2/models/iris/infer`, request, { timeoutMs: 60_000, intervalMs: 2, stillRunning: () => running.child.exitCode === null });
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const pid = running.imagePid();
    if (pid === undefined) throw new Error('the image answered but its PID is unknown');
    const rssBefore = residentMemory(pid).rssBytes;
    const message = { model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '4'], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } }] };
    let started = performance.now();
    await client.infer(message);
    const firstCallMs = performance.now() - started;
    started = performance.now();
    await client.infer(message);
    const laterCallMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { firstCallMs, laterCallMs, rssBefore, rssAfter: residentMemory(pid).rssBytes };
  } finally {
    client.close();
    await running.stop();
  }
}

if (require.main === module) {
  runImageBenchmark().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
