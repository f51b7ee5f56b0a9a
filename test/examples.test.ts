import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as yaml from 'yaml';
import { listExamples } from '../scripts/synth-examples';
import { sharedPath } from './shared-folder';

/**
 * Synthesizes every example with the real cdk8s CLI (as `npm run synth` does), twice, and checks the
 * output against the upstream schemas with shared/tools/validate-manifests.
 */
const root = resolve(__dirname, '..');
const examples = listExamples();

function runSynth(): { output: string; files: Map<string, string> } {
  const result = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/synth-examples.ts'], { cwd: root, encoding: 'utf-8' });
  if (result.status !== 0) throw new Error(`npm run synth failed:\n${result.stdout}\n${result.stderr}`);
  const files = new Map<string, string>();
  for (const example of examples) {
    for (const file of readdirSync(join(root, 'dist', example)).filter(f => f.endsWith('.yaml')).sort()) {
      files.set(`${example}/${file}`, readFileSync(join(root, 'dist', example, file), 'utf-8'));
    }
  }
  return { output: result.stdout + result.stderr, files };
}

let first: ReturnType<typeof runSynth>;
let second: ReturnType<typeof runSynth>;

beforeAll(() => {
  first = runSynth();
  second = runSynth();
}, 120_000);

test('there are examples, and each synthesizes into dist/<example>/', () => {
  expect(examples).toEqual(expect.arrayContaining([
    'quickstart', 'transformer-explainer', 'sklearn-runtime', 'custom-container', 'autoscaled-knative', 'raw-keda', 'gpu-predictor',
    'jwt-protected', 'cluster-local-egress', 'traced-scraped', 's3-credentials', 'canary', 'header-routed-canary', 'mirrored-shadow', 'promote', 'multi-model',
    'raw-canary',
  ]));
  for (const example of examples) {
    expect([...first.files.keys()].some(key => key.startsWith(`${example}/`))).toBe(true);
  }
});

test('synth is byte-identical on rerun', () => {
  expect([...second.files.keys()]).toEqual([...first.files.keys()]);
  for (const [file, content] of first.files) expect(second.files.get(file)).toBe(content);
});

test('user-facing objects carry the names the user chose, never generated hashes', () => {
  const names = [...first.files.values()].flatMap(content => yaml.parseAllDocuments(content).map(doc => doc.toJS())).map(m => `${m.kind}/${m.metadata.name}`);
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name).not.toMatch(/-[0-9a-f]{8}$/);
  expect(names).toEqual(expect.arrayContaining(['Service/iris-predictor', 'Service/iris-transformer', 'Service/iris-explainer', 'VirtualService/iris', 'Service/sklearn-iris-predictor',
    'Deployment/iris-predictor', 'ScaledObject/iris-predictor', 'TriggerAuthentication/iris-predictor-trigger-0', 'Ingress/iris', 'Service/resnet-predictor']));
  expect(names).toEqual(expect.arrayContaining([
    'RequestAuthentication/iris', 'AuthorizationPolicy/iris-require-jwt', 'AuthorizationPolicy/iris-allow', 'Gateway/iris',
    'Sidecar/fraud', 'ServiceEntry/fraud-egress-tls-443', 'NetworkPolicy/fraud', 'Telemetry/iris', 'ConfigMap/kfs-runtime-dashboard',
  ]));
  expect(names).toEqual(expect.arrayContaining([
    'Deployment/mms-predictor', 'ConfigMap/modelconfig-mms-0', 'TrainedModel/iris', 'TrainedModel/mnist-mlp', 'CustomResourceDefinition/trainedmodels.serving.kserve.io',
    'Deployment/kfs-model-controller', 'ServiceAccount/kfs-model-controller', 'Role/kfs-model-controller', 'Role/kfs-model-controller-leader-election', 'Lease/kfs-model-controller',
  ]));
});

test('every synthesized manifest validates against the upstream schemas with 0 errors', () => {
  const result = spawnSync(sharedPath('tools', 'validate-manifests', 'validate-manifests'), [join(root, 'dist')], { cwd: root, encoding: 'utf-8' });
  if (result.error !== undefined) throw result.error;
  const lines = result.stdout.trim().split('\n');
  const objects = [...first.files.values()].reduce((count, content) => count + yaml.parseAllDocuments(content).length, 0);
  expect(lines[lines.length - 1]).toBe(`${objects} passed, 0 failed`);
  expect(result.status).toBe(0);
});

test('feature-flag warnings are printed at synth', () => {
  expect(first.output).toContain("[cdk8s-kfserving] WARNING InferenceService 'sklearn-iris': predictor.model.runtime 'kserve-sklearnserver' reads its model from /mnt/models, so the storage-initializer init container needs the Knative feature flag 'kubernetes.podspec-init-containers: enabled'");
});

/** The warnings `npm run synth` printed for one example (the indented lines under its "synthesized" line). */
function warningsOf(output: string, example: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex(line => line.startsWith(`synthesized examples/${example} `));
  expect(start).toBeGreaterThanOrEqual(0);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    block.push(line.trim());
  }
  return block.filter(line => line.startsWith('[cdk8s-kfserving] WARNING'));
}

const flag = (what: string, name: string) =>
  `[cdk8s-kfserving] WARNING InferenceService 'resnet': ${what} needs the Knative feature flag '${name}: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision`;

test('the GPU predictor prints exactly the Knative feature flags it needs: init containers, tolerations, affinity', () => {
  expect(warningsOf(first.output, 'gpu-predictor')).toEqual([
    flag("predictor.model.runtime 'kserve-tritonserver' reads its model from /mnt/models, so the storage-initializer init container", 'kubernetes.podspec-init-containers'),
    flag('predictor.tolerations', 'kubernetes.podspec-tolerations'),
    flag("predictor.gpu.products (node affinity on 'nvidia.com/gpu.product')", 'kubernetes.podspec-affinity'),
  ]);
});

test('the autoscaled Knative predictor and the raw-mode KEDA predictor need no feature flag', () => {
  expect(warningsOf(first.output, 'autoscaled-knative')).toEqual([]);
  expect(warningsOf(first.output, 'raw-keda')).toEqual([]);
});

test('the autoscaled Knative example scales on concurrency 10 and to zero, annotated on the revision template', () => {
  const ksvc = yaml.parseAllDocuments(first.files.get('autoscaled-knative/autoscaled-knative.k8s.yaml')!).map(d => d.toJS())[0];
  expect(ksvc.spec.template.metadata.annotations).toMatchObject({
    'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
    'autoscaling.knative.dev/metric': 'concurrency',
    'autoscaling.knative.dev/target': '10',
    'autoscaling.knative.dev/min-scale': '0',
  });
  expect(ksvc.metadata.annotations).toBeUndefined();
});

test('the raw KEDA example scales a Deployment to zero on a Prometheus query with an activation threshold', () => {
  const manifests = yaml.parseAllDocuments(first.files.get('raw-keda/raw-keda.k8s.yaml')!).map(d => d.toJS());
  expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
    'Deployment/iris-predictor', 'Service/iris-predictor', 'TriggerAuthentication/iris-predictor-trigger-0', 'ScaledObject/iris-predictor',
    'VirtualService/iris', 'Service/iris', 'Ingress/iris',
  ]);
  const scaledObject = manifests.find(m => m.kind === 'ScaledObject');
  expect(scaledObject.spec.minReplicaCount).toBe(0);
  expect(scaledObject.spec.triggers[0]).toMatchObject({ type: 'prometheus', metadata: { threshold: '20', activationThreshold: '0', authModes: 'bearer' } });
});

test('every Knative Service names its revision and routes exactly 100 % of the traffic', () => {
  const services = [...first.files.values()].flatMap(content => yaml.parseAllDocuments(content).map(doc => doc.toJS()))
    .filter(m => m.apiVersion === 'serving.knative.dev/v1' && m.kind === 'Service');
  expect(services.length).toBeGreaterThan(0);
  for (const ksvc of services) {
    expect(ksvc.spec.template.metadata.name.startsWith(`${ksvc.metadata.name}-`)).toBe(true);
    expect(ksvc.spec.traffic.reduce((sum: number, target: { percent: number }) => sum + target.percent, 0)).toBe(100);
  }
});

test('the rollout examples split, route and mirror as their comments say', () => {
  const manifest = (example: string, kind: string, name: string) => [...first.files.entries()]
    .filter(([file]) => file.startsWith(`${example}/`))
    .flatMap(([, content]) => yaml.parseAllDocuments(content).map(doc => doc.toJS()))
    .find(m => m.kind === kind && m.metadata.name === name);
  const split = (example: string, name: string) => manifest(example, 'Service', name).spec.traffic.map((t: any) => `${t.tag}:${t.percent}`);
  expect(split('canary', 'iris-predictor')).toEqual(['latest:10', 'prev:90']);
  expect(split('header-routed-canary', 'iris-predictor')).toEqual(['latest:0', 'prev:100']);
  expect(manifest('header-routed-canary', 'VirtualService', 'iris').spec.http.map((r: any) => r.name)).toEqual(['stable-when', 'canary-when', undefined]);
  expect(manifest('mirrored-shadow', 'VirtualService', 'iris').spec.http[0].mirrorPercentage).toEqual({ value: 20 });
  expect(split('promote', 'iris-predictor')).toEqual(['latest:100', 'prev:0']);
  expect(split('promote', 'iris-transformer')).toEqual(['latest:100', 'prev:0']);
  expect(first.output).toContain('canary: http://latest-iris-predictor.models.example.com, stable: http://prev-iris-predictor.models.example.com');
});

test('the raw-mode canary example runs two Deployments and Services and weighs them 10 / 90 in both VirtualServices', () => {
  const manifests = yaml.parseAllDocuments(first.files.get('raw-canary/raw-canary.k8s.yaml')!).map(d => d.toJS());
  expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
    'Deployment/iris-predictor', 'Service/iris-predictor', 'HorizontalPodAutoscaler/iris-predictor',
    'Deployment/iris-predictor-v2', 'Service/iris-predictor-v2', 'HorizontalPodAutoscaler/iris-predictor-v2',
    'Service/latest-iris-predictor', 'Service/prev-iris-predictor', 'VirtualService/iris-predictor', 'VirtualService/iris', 'Service/iris',
  ]);
  const weights = (route: any[]) => route.map(r => `${r.destination.host.split('.')[0]}:${r.weight}`);
  const top = manifests.find(m => m.kind === 'VirtualService' && m.metadata.name === 'iris').spec.http;
  expect(top.map((r: any) => [r.name, weights(r.route)])).toEqual([
    ['canary-when', ['iris-predictor-v2:100']], [undefined, ['iris-predictor-v2:10', 'iris-predictor:90']],
    ['latest-iris-predictor', ['latest-iris-predictor:100']], ['prev-iris-predictor', ['prev-iris-predictor:100']],
  ]);
  expect(weights(manifests.find(m => m.kind === 'VirtualService' && m.metadata.name === 'iris-predictor').spec.http[0].route)).toEqual(['iris-predictor-v2:10', 'iris-predictor:90']);
  expect(manifests.find(m => m.kind === 'Ingress')).toBeUndefined();
  expect(first.output).toContain('canary: http://latest-iris-predictor.models.svc.cluster.local (http://latest-iris-predictor-models.example.com), '
    + 'stable: http://prev-iris-predictor.models.svc.cluster.local (http://prev-iris-predictor-models.example.com)');
});
