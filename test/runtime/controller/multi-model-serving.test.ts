import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describeWithKubeTools } from '../../harness/describe-with-kube-tools';
import { findFreeLoopbackPort } from '../../harness/free-port';
import { eventually, ISVC, MultiModelCluster, NAMESPACE, type PredictorReplica } from './helpers/multi-model-cluster';
import { reportPodStatus } from './helpers/predictor-pods';
import type { LoggedProcess } from './helpers/logged-process';
import { IRIS_DIR } from '../helpers/paths';

/**
 * Scalable multi-model serving end to end: a real kube-apiserver + etcd with the chart's manifests
 * (our TrainedModel CRD, the ModelController's exact RBAC, whose ServiceAccount token the controller
 * uses), real `kfs-runtime serve --model-config` replicas with real ONNX sessions pulling the models
 * from a real S3 server (s3rver on 127.0.0.1), and the real `kfs-runtime controller` process.
 *
 * No kubelet or controller-manager runs: the test creates the predictor Pods from the synthesized
 * Deployment and reports them running at 127.0.0.1 and Ready once `/v2/health/ready` says so, and it
 * writes the model-config ConfigMap's content where a new replica reads it (the kubelet's volume).
 */

const IRIS_REQUEST = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] }));
const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m${String(from + i).padStart(2, '0')}`);

async function infer(replica: PredictorReplica, model: string): Promise<{ status: number; version?: string; error?: string }> {
  const response = await fetch(`${replica.server.url}/v2/models/${model}/infer`, { method: 'POST', body: IRIS_REQUEST });
  const body = (await response.json()) as { model_version?: string; error?: string };
  return { status: response.status, version: body.model_version, error: body.error };
}

function readyCondition(tm: any): { status?: string; reason?: string; message?: string } {
  return tm.status?.conditions?.find((c: { type: string }) => c.type === 'Ready') ?? {};
}

describeWithKubeTools('TrainedModel controller: 3 kfs-runtime replicas, models in storage, Pods created and reported by the test (no kubelet or controller-manager)', () => {
  let mm: MultiModelCluster;
  let controller: LoggedProcess;
  const uris = new Map<string, string>();
  let desired: string[] = [];

  /** Every ready replica serves exactly `models` (READY in its index) and every one of them has Ready=True status. */
  const converged = (what: string, models: readonly string[], replicas = () => mm.replicas) => eventually(mm, what, async () => {
    for (const replica of replicas()) {
      if (JSON.stringify(await replica.server.readyModels()) !== JSON.stringify([...models].sort())) return undefined;
    }
    const statuses = await mm.trainedModels();
    for (const model of models) {
      if (readyCondition(statuses.find((tm) => tm.metadata.name === model)).status !== 'True') return undefined;
    }
    return true;
  });

  beforeAll(async () => {
    mm = await MultiModelCluster.start();
    for (const name of names(1, 30)) uris.set(name, await mm.store.putIris(`iris-${name}`, 1));
    for (let i = 0; i < 3; i++) await mm.addReplica();
    controller = mm.startController('kfs-model-controller-6f5d4-aaaaa');
  }, 300_000);

  afterAll(() => mm?.stop(), 60_000);

  test('20 TrainedModels → every replica serves all 20; each is Ready with its URLs; the model config lists them', async () => {
    desired = names(1, 20);
    await Promise.all(desired.map((name) => mm.applyTrainedModel(name, uris.get(name)!)));
    await converged('20 models on 3 replicas', desired);

    for (const replica of mm.replicas) {
      const answers = await Promise.all(desired.map((model) => infer(replica, model)));
      expect(answers.map((a) => a.status)).toEqual(desired.map(() => 200));
    }
    const tm = await mm.trainedModel('m07');
    expect(tm.status.url).toBe(`http://${ISVC}-${NAMESPACE}.example.com/v2/models/m07/infer`);
    expect(tm.status.address).toEqual({ url: `http://${ISVC}.${NAMESPACE}.svc.cluster.local/v2/models/m07/infer` });
    expect(tm.status.observedGeneration).toBe(1);
    expect(tm.status.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ['FrameworkSupported', 'True'], ['InferenceServiceReady', 'True'], ['IsMMSPredictor', 'True'], ['MemoryResourceAvailable', 'True'], ['ModelLoaded', 'True'], ['Ready', 'True'],
    ]);
    expect(tm.status.conditions.find((c: any) => c.type === 'ModelLoaded').message).toBe('loaded on 3 of 3 ready replicas');

    const modelConfig = JSON.parse((await mm.modelConfig())!);
    expect(modelConfig.map((entry: any) => entry.modelName)).toEqual(desired);
    expect(modelConfig[0]).toEqual({ modelName: 'm01', modelSpec: { storageUri: uris.get('m01'), framework: 'onnx', memory: '32Mi' } });
    const configMap = await mm.cluster.admin.get(`/api/v1/namespaces/${NAMESPACE}/configmaps/modelconfig-${ISVC}-0`);
    // Server-side apply: the controller owns data, the chart's apply owns the rest, and neither touches the other's fields.
    expect(configMap.metadata.managedFields.find((f: any) => f.manager === 'kfs-model-controller').fieldsV1).toEqual({ 'f:data': { 'f:models.json': {} } });
  }, 180_000);

  test('deleting 5 unloads them on every replica, exactly once each, and drops them from the model config', async () => {
    const deleted = names(16, 20);
    const before = mm.replicas.map((r) => r.server.unloads());
    await Promise.all(deleted.map((name) => mm.deleteTrainedModel(name)));
    desired = names(1, 15);
    await converged('15 models left on 3 replicas', desired);
    for (const [i, replica] of mm.replicas.entries()) {
      // kfs-runtime keeps an unloaded model listed (UNAVAILABLE, 'unloaded') and refuses it with 503, as Triton's index does.
      expect(await Promise.all(deleted.map((model) => infer(replica, model)))).toEqual(deleted.map((model) => ({ status: 503, error: `model '${model}' is not ready (UNAVAILABLE): unloaded` })));
      expect((await replica.server.index()).filter((row) => deleted.includes(row.name)).map((row) => [row.name, row.state, row.reason])).toEqual(deleted.map((model) => [model, 'UNAVAILABLE', 'unloaded']));
      expect(replica.server.unloads() - before[i]).toBe(5);
      for (const model of deleted) expect(replica.server.unloads(model)).toBe(1);
    }
    expect(JSON.parse((await mm.modelConfig())!).map((entry: any) => entry.modelName)).toEqual(desired);
  }, 120_000);

  test('a new storageUri is swapped in on every replica with zero failed requests while it happens', async () => {
    const v2 = await mm.store.putIris('iris-v2-m01', 2);
    let done = false;
    const failures: string[] = [];
    const versions = new Set<string>();
    let requests = 0;
    const traffic = mm.replicas.map(async (replica) => {
      while (!done) {
        const answer = await infer(replica, 'm01').catch((error: Error) => ({ status: 0, version: error.message }));
        requests++;
        if (answer.status !== 200) failures.push(`${replica.pod}: ${answer.status} ${answer.version ?? ''}`);
        else versions.add(answer.version!);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await mm.applyTrainedModel('m01', v2);
    uris.set('m01', v2);
    await eventually(mm, 'm01 version 2 on every replica', async () => {
      for (const replica of mm.replicas) {
        const row = (await replica.server.index()).find((r) => r.name === 'm01');
        if (row?.state !== 'READY' || row.storage_uri !== v2 || row.version !== '2') return undefined;
      }
      return true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    done = true;
    await Promise.all(traffic);
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(10);
    expect([...versions].sort()).toEqual(['1', '2']);
    for (const replica of mm.replicas) expect(replica.server.unloads('m01')).toBe(0);
    await eventually(mm, 'm01 Ready at generation 2', async () => {
      const tm = await mm.trainedModel('m01');
      return tm.status?.observedGeneration === 2 && readyCondition(tm).status === 'True' ? true : undefined;
    });
  }, 120_000);

  test('a model that would overflow the memory limit, or whose framework the runtime cannot serve, is rejected by a status condition and loaded nowhere', async () => {
    try {
      await rejected();
    } finally {
      await mm.deleteTrainedModel('huge');
      await mm.deleteTrainedModel('sklearn-model');
    }
  }, 120_000);

  async function rejected(): Promise<void> {
    await mm.applyTrainedModel('huge', uris.get('m21')!, { memory: '600Mi' });
    await mm.applyTrainedModel('sklearn-model', uris.get('m22')!, { framework: 'sklearn' });
    const huge = await eventually(mm, 'huge rejected', async () => {
      const tm = await mm.trainedModel('huge');
      return readyCondition(tm).reason === 'MemoryResourceNotAvailable' ? tm : undefined;
    });
    const memory = huge.status.conditions.find((c: any) => c.type === 'MemoryResourceAvailable');
    expect(memory).toMatchObject({ status: 'False', reason: 'MemoryResourceNotAvailable' });
    expect(memory.message).toMatch(/^needs 600Mi, but only 544Mi of the predictor's 1Gi memory limit is free \(in use: (m\d\d 32Mi, ){14}m\d\d 32Mi\)$/);
    for (const name of desired) expect(memory.message).toContain(`${name} 32Mi`);
    expect(huge.status.conditions.find((c: any) => c.type === 'ModelLoaded')).toMatchObject({ status: 'False', reason: 'NotAdmitted' });

    const sklearn = await eventually(mm, 'sklearn-model rejected', async () => {
      const tm = await mm.trainedModel('sklearn-model');
      return readyCondition(tm).reason === 'FrameworkNotSupported' ? tm : undefined;
    });
    expect(sklearn.status.conditions.find((c: any) => c.type === 'FrameworkSupported')).toMatchObject({
      status: 'False', reason: 'FrameworkNotSupported', message: "framework 'sklearn' is not served by InferenceService 'mms' (it serves onnx)",
    });
    await converged('still exactly the 15 admitted models', desired);
    expect(JSON.parse((await mm.modelConfig())!).map((entry: any) => entry.modelName)).toEqual(desired);
  }

  test('a replica that goes away is skipped (the others converge, status says so) and loaded again when its container is back', async () => {
    const gone = mm.replicas[2];
    await gone.server.process.stop('SIGKILL');
    await mm.applyTrainedModel('m25', uris.get('m25')!);
    await eventually(mm, 'm25 on the two live replicas, status counting the dead one', async () => {
      for (const replica of mm.replicas.slice(0, 2)) if (!(await replica.server.readyModels()).includes('m25')) return undefined;
      const loaded = (await mm.trainedModel('m25')).status?.conditions?.find((c: any) => c.type === 'ModelLoaded');
      return loaded?.reason === 'Loading' && loaded.message === 'loaded on 2 of 3 ready replicas' ? true : undefined;
    });
    // The kubelet restarts the container in the same Pod; its model config file is the one projected at first.
    await mm.restartReplicaProcess(2);
    desired = [...desired, 'm25'];
    await converged('the restarted replica serves everything again', desired);
    expect(mm.replicas[2].server.loads('m25')).toBe(1);
  }, 180_000);

  test('a new replica loads every model before it reports ready, then counts for status', async () => {
    // Probe readiness without pause from before the process exists, as a kubelet would (much faster),
    // and take the repository index in the same instant the first 200 arrives.
    const port = await findFreeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const seen: number[] = [];
    let indexAtFirstReady: { name: string; state: string; storage_uri?: string }[] | undefined;
    const probing = (async () => {
      const deadline = Date.now() + 120_000;
      while (indexAtFirstReady === undefined && Date.now() < deadline) {
        const status = await fetch(`${url}/v2/health/ready`).then((r) => r.status, () => 0);
        seen.push(status);
        if (status === 200) indexAtFirstReady = (await (await fetch(`${url}/v2/repository/index`, { method: 'POST', body: '{}' })).json()) as typeof indexAtFirstReady;
      }
    })();
    const replica = await mm.addReplica({ reportReady: false, port });
    await probing;
    // The probing began before the server listened, so this 200 is its very first readiness answer
    // (loads of small models from local storage may finish before any 503 is seen).
    expect(seen[0]).toBe(0);
    expect(seen.slice(0, -1).every((status) => status === 0 || status === 503)).toBe(true);
    expect(seen[seen.length - 1]).toBe(200);
    const firstReady = indexAtFirstReady!;
    expect(firstReady.filter((row) => row.state === 'READY').map((row) => row.name).sort()).toEqual(desired);
    expect(firstReady.find((row) => row.name === 'm01')?.storage_uri).toBe(uris.get('m01'));
    // The "kubelet" now sees the readiness probe pass.
    await reportPodStatus(mm.cluster, NAMESPACE, replica.pod, true);
    await eventually(mm, 'status counts 4 ready replicas', async () => {
      const tm = await mm.trainedModel('m05');
      return tm.status?.conditions?.find((c: any) => c.type === 'ModelLoaded')?.message === 'loaded on 4 of 4 ready replicas' ? true : undefined;
    });
    // It read every model from the model config and needed nothing more from the controller.
    expect(replica.server.unloads()).toBe(0);
  }, 180_000);

  test('the API server killed (SIGKILL) and restarted mid-way: the controller reconnects and converges', async () => {
    await mm.applyTrainedModel('m21', uris.get('m21')!);
    await mm.deleteTrainedModel('m15');
    await mm.cluster.restartApiServer({ crash: true });
    await mm.applyTrainedModel('m22', uris.get('m22')!);
    desired = [...names(1, 14), 'm21', 'm22', 'm25'];
    await converged('converged after the API server restart', desired);
    // The open watches broke (reset, then refused or 403 while the new API server's RBAC cache
    // filled) and were restarted with backoff; a resourceVersion older than the new watch cache got
    // 410 Gone and a relist. Which informer had a watch open at the crash is up to timing, so at
    // least one of each is asserted, not both.
    expect(controller.linesWith('informer stopped; restarting').length).toBeGreaterThan(0);
    expect(controller.linesWith('informer relisted').length).toBeGreaterThan(0);
    expect(controller.running).toBe(true);
  }, 240_000);

  test('the controller killed (SIGKILL): two new ones start, one leads and converges with no extra unload or reload', async () => {
    await controller.stop('SIGKILL');
    const kept = [...names(1, 13), 'm21', 'm22', 'm25'];
    const unloadsBefore = mm.replicas.map((r) => r.server.unloads());
    const loadsBefore = mm.replicas.map((r) => kept.map((model) => r.server.loads(model)));
    // Changes while no controller runs.
    await mm.deleteTrainedModel('m14');
    await mm.applyTrainedModel('m23', uris.get('m23')!);
    const candidates = [mm.startController('kfs-model-controller-6f5d4-bbbbb'), mm.startController('kfs-model-controller-6f5d4-ccccc')];
    desired = [...kept, 'm23'];
    await converged('converged under the new controller', desired);

    const leaders = candidates.filter((c) => c.linesWith('became the leader').length > 0);
    expect(leaders).toHaveLength(1);
    const standby = candidates.find((c) => c !== leaders[0])!;
    expect(standby.linesWith('loading model')).toEqual([]);
    expect(standby.linesWith('unloaded model')).toEqual([]);
    for (const [i, replica] of mm.replicas.entries()) {
      expect(replica.server.unloads() - unloadsBefore[i]).toBe(1);
      expect(replica.server.unloads('m14')).toBe(1);
      expect(kept.map((model) => replica.server.loads(model))).toEqual(loadsBefore[i]);
      expect(replica.server.loads('m23')).toBe(1);
    }
    controller = leaders[0];
  }, 240_000);

  test('the leader stops (SIGTERM, Lease released): the standby takes over at once and serves the next change', async () => {
    const standby = mm.controllers.filter((c) => c.running && c !== controller)[0];
    await controller.stop('SIGTERM');
    expect(await controller.exited).toEqual({ code: 0, signal: null });
    expect(controller.linesWith('released the leader Lease')).toHaveLength(1);
    await eventually(mm, 'the standby leads', async () => (standby.linesWith('became the leader').length > 0 ? true : undefined), 30_000);
    await mm.applyTrainedModel('m24', uris.get('m24')!);
    desired = [...desired, 'm24'];
    await converged('m24 served under the new leader', desired);
    const lease = await mm.cluster.admin.get(`/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/kfs-model-controller`);
    expect(lease.spec.holderIdentity).toBe(standby.name);
  }, 120_000);

  test('a model at a presigned URL is loaded once per replica, and neither the index nor the controller shows its signature', async () => {
    const signature = 'X-Amz-Signature=5e884898da28047151d0e56f8dc62927';
    const store = createServer((request, response) => {
      // Like a presigned object URL: without the signature, no model.
      if (request.url !== `/models/iris.onnx?${signature}`) return void response.writeHead(403).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(path.join(IRIS_DIR, '1', 'model.onnx')));
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    try {
      const presigned = `http://127.0.0.1:${(store.address() as AddressInfo).port}/models/iris.onnx?${signature}`;
      await mm.applyTrainedModel('m26', presigned);
      desired = [...desired, 'm26'];
      await converged('m26 served from its presigned URL', desired);
      // Another change makes the controller compare every model with the replicas' (redacted) index
      // again: a controller that compared URIs would now load m26 again, and again.
      await mm.applyTrainedModel('m27', uris.get('m27')!);
      desired = [...desired, 'm27'];
      await converged('m27 served too', desired);
      for (const replica of mm.replicas) {
        expect(replica.server.loads('m26')).toBe(1);
        expect((await replica.server.index()).find((row) => row.name === 'm26')?.storage_uri).toBe(presigned.replace(signature, '<redacted>'));
      }
      const leader = mm.controllers.find((c) => c.running)!;
      expect(leader.linesWith('loading model', { model: 'm26', storageUri: presigned.replace(signature, '<redacted>') })).toHaveLength(mm.replicas.length);
      expect(JSON.stringify(mm.controllers.flatMap((c) => c.lines()))).not.toContain('5e884898');
    } finally {
      store.closeAllConnections();
      await new Promise((resolve) => store.close(resolve));
    }
  }, 120_000);
});
