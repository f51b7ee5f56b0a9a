/**
 * Benchmark: TrainedModel applied → servable on every replica. A real kube-apiserver + etcd, three
 * real kfs-runtime replicas and the real controller (as in test/runtime/controller); 50 TrainedModels
 * are applied one after another, and for each we time from the apply until all three replicas
 * answer an inference for it (polled every 5 ms), and until its status says Ready.
 *
 * Baseline, measured in the same run: the same models loaded straight into the three replicas
 * through the repository API (no Kubernetes, no controller), i.e. what the load itself costs,
 * download included. The models are iris copies (a few KiB) in a real S3 server on 127.0.0.1, so
 * the download is small in both, and the difference is what the controller path adds.
 */
import { findKubeTools, KubeToolsMissingError } from '../test/harness/kube-tools';
import { ISVC, MultiModelCluster } from '../test/runtime/controller/helpers/multi-model-cluster';

const MODELS = 50;
const REPLICAS = 3;
const POLL_MS = 5;
const IRIS_REQUEST = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] }));

export async function runTrainedModelBenchmark(): Promise<void> {
  try {
    findKubeTools();
  } catch (error) {
    if (!(error instanceof KubeToolsMissingError)) throw error;
    console.log(`\nTrainedModel → servable: skipped (${error.message})`);
    return;
  }
  console.log(`\nTrainedModel applied → servable on all ${REPLICAS} replicas (${MODELS} models, one after another)`);
  const mm = await MultiModelCluster.start();
  try {
    for (let i = 0; i < REPLICAS; i++) await mm.addReplica();
    const uris: string[] = [];
    for (let i = 0; i < MODELS * 2 + 2; i++) uris.push(await mm.store.putIris(`iris-${i}`, 1));

    // The baseline runs before the controller starts: it would unload models no TrainedModel wants.
    // A warm-up load first, so neither path pays for first-use costs (JIT, connection setup).
    await loadDirectly(mm, 'warmup-direct', uris[MODELS * 2]);
    const direct: number[] = [];
    for (let i = 0; i < MODELS; i++) direct.push(await loadDirectly(mm, `direct-${i}`, uris[i]));

    const controller = mm.startController('kfs-model-controller-bench');
    await waitFor(() => controller.linesWith('became the leader').length > 0, 60_000);
    await applyAndWait(mm, 'warmup-tm', uris[MODELS * 2 + 1]);
    const servable: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < MODELS; i++) {
      const { servableMs, readyMs } = await applyAndWait(mm, `tm-${String(i).padStart(2, '0')}`, uris[MODELS + i]);
      servable.push(servableMs);
      ready.push(readyMs);
    }

    const row = (label: string, values: number[]) => console.log(`  ${label.padEnd(58)} p50 ${ms(percentile(values, 50))}  p95 ${ms(percentile(values, 95))}  max ${ms(Math.max(...values))}`);
    row('baseline: load via the repository API on all replicas', direct);
    row('TrainedModel applied → inference answers on all replicas', servable);
    row('TrainedModel applied → status Ready', ready);
    console.log(`  ratio to baseline (servable): p50 ${(percentile(servable, 50) / percentile(direct, 50)).toFixed(1)}x, p95 ${(percentile(servable, 95) / percentile(direct, 95)).toFixed(1)}x`);
    console.log(`  goal: p95 < 2 s excluding download → ${percentile(servable, 95) < 2000 ? 'met' : 'NOT met'}`);
  } finally {
    await mm.stop();
  }
}

/** Loads a model on every replica at once through the repository API; ms until all are READY. */
async function loadDirectly(mm: MultiModelCluster, name: string, uri: string): Promise<number> {
  const started = performance.now();
  await Promise.all(mm.replicas.map(async (replica) => {
    const response = await fetch(`${replica.server.url}/v2/repository/models/${name}/load`, { method: 'POST', body: JSON.stringify({ parameters: { storage_uri: uri } }) });
    if (response.status !== 200) throw new Error(`direct load of ${name} on ${replica.pod}: ${response.status} ${await response.text()}`);
  }));
  const elapsed = performance.now() - started;
  await Promise.all(mm.replicas.map((replica) => fetch(`${replica.server.url}/v2/repository/models/${name}/unload`, { method: 'POST', body: '{}' })));
  return elapsed;
}

async function applyAndWait(mm: MultiModelCluster, name: string, uri: string): Promise<{ servableMs: number; readyMs: number }> {
  const started = performance.now();
  await mm.applyTrainedModel(name, uri, { memory: '8Mi' });
  await waitFor(async () => {
    const answers = await Promise.all(mm.replicas.map((replica) => fetch(`${replica.server.url}/v2/models/${name}/infer`, { method: 'POST', body: IRIS_REQUEST }).then((r) => r.status, () => 0)));
    return answers.every((status) => status === 200);
  }, 60_000);
  const servableMs = performance.now() - started;
  await waitFor(async () => (await mm.trainedModel(name)).status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false, 60_000);
  return { servableMs, readyMs: performance.now() - started };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark step did not finish within ${timeoutMs} ms (InferenceService ${ISVC})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function ms(value: number): string {
  return `${value.toFixed(0).padStart(5)} ms`;
}
