/**
 * Benchmark: synthesize an app with 1000 InferenceServices (every fourth with a transformer), and, as
 * the baseline in the same run, the same objects written directly as generated L1s with no
 * validation or defaulting. Prints medians and the ratio.
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as istio from '../imports/istio-virtualservice-networking.istio.io';
import * as knative from '../imports/knative-serving.knative.dev';
import { InferenceService, ModelFormat, StorageUri } from '../lib';

const COUNT = 1000;
const RUNS = 5;

function libraryApp(): App {
  const app = new App({ outdir: '/tmp/kfs-bench-synth' });
  const chart = new Chart(app, 'fleet', { namespace: 'models' });
  for (let i = 0; i < COUNT; i++) {
    new InferenceService(chart, `model-${i}`, {
      predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', `m${i}/1`) }, maxReplicas: 4 },
      transformer: i % 4 === 0 ? { container: { image: 'registry.example.com/transformer:1.0' } } : undefined,
    });
  }
  return app;
}

function ksvc(chart: Chart, name: string, image: string, args: string[]): void {
  new knative.Service(chart, name, {
    metadata: { name, namespace: 'models' },
    spec: {
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/max-scale': '4' } },
        spec: { containers: [{ name: 'kserve-container', image, args }] },
      },
    },
  });
}

function baselineApp(): App {
  const app = new App({ outdir: '/tmp/kfs-bench-synth' });
  const chart = new Chart(app, 'fleet', { namespace: 'models' });
  for (let i = 0; i < COUNT; i++) {
    const name = `model-${i}`;
    ksvc(chart, `${name}-predictor`, 'ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0', ['serve', `--model=${name}=s3://models/m${i}/1`]);
    if (i % 4 === 0) ksvc(chart, `${name}-transformer`, 'registry.example.com/transformer:1.0', []);
    new istio.VirtualService(chart, `${name}-vs`, {
      metadata: { name, namespace: 'models' },
      spec: { hosts: [`${name}.models.svc.cluster.local`], http: [{ route: [{ destination: { host: 'knative-local-gateway.istio-system.svc.cluster.local' } }] }] },
    });
    new k8s.KubeService(chart, `${name}-svc`, { metadata: { name }, spec: { type: 'ExternalName', externalName: 'knative-local-gateway.istio-system.svc.cluster.local' } });
  }
  return app;
}

function time(build: () => App): { ms: number; bytes: number } {
  const start = process.hrtime.bigint();
  const yaml = build().synthYaml();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: yaml.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function runSynthBenchmark(): void {
  const library: number[] = [];
  const baseline: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    baseline.push(time(baselineApp).ms);
    const result = time(libraryApp);
    library.push(result.ms);
    bytes = result.bytes;
  }
  const lib = median(library);
  const base = median(baseline);
  console.log(`synth ${COUNT} InferenceServices (construct + validate + YAML, median of ${RUNS}):`);
  console.log(`  cdk8s-kfserving         ${lib.toFixed(0).padStart(6)} ms  (${(bytes / 1e6).toFixed(1)} MB of YAML)`);
  console.log(`  baseline: raw L1 objects ${base.toFixed(0).padStart(5)} ms`);
  console.log(`  ratio library/baseline  ${(lib / base).toFixed(2)}×`);
}

if (require.main === module) runSynthBenchmark();
