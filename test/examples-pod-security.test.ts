import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { Capability } from 'cdk8s-plus-27';
import { DeploymentMode, InferenceService, InferenceServiceProps, MeshMode, ModelFormat, SeccompProfile, StorageUri } from '../lib';
import { listExamples, synthExample } from '../scripts/synth-examples';
import { describeWithKubeTools } from './harness/describe-with-kube-tools';
import { KubeApiError } from './harness/kube-api-error';
import { KubeCluster, startKubeCluster } from './harness/kube-cluster';
import { readManifestFiles } from './harness/read-manifests';
import { testApp } from './lib/test-app';

/**
 * Every pod template the library writes passes the Pod Security Standards "restricted" profile, as
 * judged by a real implementation: kube-apiserver's PodSecurity admission, in a namespace labelled
 * `pod-security.kubernetes.io/enforce=restricted`, with server-side dry-run.
 *
 * No Knative or Istio runs here, so a Knative revision template is turned into the Pod Knative would
 * create from it (the revision-only fields dropped, probe ports filled in as Knative does), and a
 * Deployment's template into its Pod. Containers Knative (queue-proxy) and Istio (istio-proxy) add at
 * admission are theirs, not in the templates, and not checked here.
 */

const NAMESPACE = 'pss-restricted';
/** Revision fields Knative keeps for itself; they are not PodSpec fields. */
const REVISION_ONLY_FIELDS = ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds'];

interface PodUnderTest {
  readonly source: string;
  readonly pod: any;
}

/** The Pods the manifests' Knative Services and Deployments would run. */
function podsOf(source: string, manifests: any[]): PodUnderTest[] {
  const pods: PodUnderTest[] = [];
  for (const manifest of manifests) {
    if (manifest.apiVersion === 'serving.knative.dev/v1' && manifest.kind === 'Service') {
      pods.push({ source: `${source}: Knative Service ${manifest.metadata.name}`, pod: podFromRevisionTemplate(manifest) });
    } else if (manifest.apiVersion === 'apps/v1' && manifest.kind === 'Deployment') {
      pods.push({ source: `${source}: Deployment ${manifest.metadata.name}`, pod: podFromTemplate(manifest.metadata.name, manifest.spec.template) });
    }
  }
  return pods;
}

function podFromTemplate(name: string, template: any): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: template.metadata?.labels, annotations: template.metadata?.annotations },
    spec: structuredClone(template.spec),
  };
}

function podFromRevisionTemplate(service: any): any {
  const pod = podFromTemplate(service.metadata.name, service.spec.template);
  for (const field of REVISION_ONLY_FIELDS) delete pod.spec[field];
  for (const container of pod.spec.containers) {
    // Knative probes the user port when a probe names none (its deployment builder fills it in).
    const port = container.ports?.[0]?.containerPort ?? 8080;
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      if (probe?.httpGet && probe.httpGet.port === undefined) probe.httpGet.port = port;
      if (probe?.tcpSocket && probe.tcpSocket.port === undefined) probe.tcpSocket.port = port;
    }
  }
  return pod;
}

/** The Pods of one InferenceService built here, for the overrides the examples do not cover. */
function podsOfInferenceService(props: Partial<InferenceServiceProps>): any[] {
  const chart = new Chart(testApp(), 'pss', { namespace: NAMESPACE });
  new InferenceService(chart, 'iris', {
    predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') } },
    ...props,
  } as InferenceServiceProps);
  return podsOf('InferenceService iris', Testing.synth(chart)).map(p => p.pod);
}

async function rejectionOf(promise: Promise<unknown>): Promise<KubeApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error('expected PodSecurity to reject the Pod, but the API server accepted it');
}

describeWithKubeTools('Pod Security Standards "restricted", checked by kube-apiserver\'s PodSecurity admission', () => {
  let cluster: KubeCluster;
  let synthDir: string;
  const examplePods: PodUnderTest[] = [];
  const examples = listExamples();

  beforeAll(async () => {
    synthDir = mkdtempSync(join(tmpdir(), 'kfs-pss-'));
    const synthAll = async () => {
      // Two at a time, like `npm run synth`, into a folder of our own (examples.test.ts rewrites dist/).
      const queue = [...examples];
      const worker = async () => {
        for (let name = queue.shift(); name; name = queue.shift()) {
          const outdir = join(synthDir, name);
          const result = await synthExample(name, outdir);
          if (result.code !== 0) throw new Error(`synth of examples/${name} failed:\n${result.output}`);
          const files = readdirSync(outdir).filter(file => file.endsWith('.yaml')).map(file => join(outdir, file));
          examplePods.push(...podsOf(`examples/${name}`, readManifestFiles(files)));
        }
      };
      await Promise.all([worker(), worker()]);
    };
    const [started] = await Promise.all([startKubeCluster(), synthAll()]);
    cluster = started;
    await cluster.createNamespace(NAMESPACE, {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    if (synthDir) rmSync(synthDir, { recursive: true, force: true });
  });

  const admit = (pod: any) => cluster.applyManifest(pod, { dryRun: true, fieldManager: 'kfs-pss-test' });

  test('every example contributes pod templates (Knative revision templates and raw-mode Deployment templates)', () => {
    for (const example of examples) expect(examplePods.some(p => p.source.startsWith(`examples/${example}:`))).toBe(true);
    expect(examplePods.some(p => p.source.includes('Deployment'))).toBe(true);
    expect(examplePods.some(p => p.pod.spec.initContainers?.length > 0)).toBe(true);
  });

  test('every pod template in every example is admitted with enforce=restricted, without warnings', async () => {
    const rejected: string[] = [];
    for (const { source, pod } of examplePods) {
      try {
        const applied = await admit(pod);
        expect(applied.warnings).toEqual([]);
      } catch (error) {
        rejected.push(`${source}: ${(error as Error).message}`);
      }
    }
    expect(rejected).toEqual([]);
  }, 120_000);

  test('the check is real: the same Pod with privilege escalation allowed is rejected, naming the rule', async () => {
    const pod = structuredClone(examplePods.find(p => p.source.startsWith('examples/quickstart:'))!.pod);
    pod.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    const error = await rejectionOf(admit(pod));
    expect(error.statusCode).toBe(403);
    expect(error.apiStatus?.message).toContain('violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "kserve-container" must set securityContext.allowPrivilegeEscalation=false)');
  });

  test('overrides that stay inside the profile are admitted: UID/GID, writable root filesystem, localhost seccomp, NET_BIND_SERVICE, a token', async () => {
    const pods = podsOfInferenceService({
      predictor: {
        model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') },
        podSecurity: {
          runAsUser: 1000,
          runAsGroup: 3000,
          readOnlyRootFilesystem: false,
          seccompProfile: SeccompProfile.localhost('profiles/kfs.json'),
          addCapabilities: [Capability.NET_BIND_SERVICE],
          automountServiceAccountToken: true,
        },
      },
    });
    for (const pod of pods) expect((await admit(pod)).warnings).toEqual([]);
  });

  test('in mesh mode the storage initializer running as the Istio proxy UID stays inside the profile, in both modes', async () => {
    const sklearn = { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('example-models', 'sklearn/iris') };
    const pods = [
      ...podsOfInferenceService({ predictor: { model: sklearn }, security: { mesh: MeshMode.ISTIO_SIDECAR } }),
      ...podsOfInferenceService({ deploymentMode: DeploymentMode.RAW, predictor: { model: sklearn, maxReplicas: 2 }, security: { mesh: MeshMode.ISTIO_SIDECAR } }),
    ];
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.spec.initContainers[0].securityContext.runAsUser).toBe(1337);
      expect((await admit(pod)).warnings).toEqual([]);
    }
  });

  test.each<[string, object, string]>([
    ['runAsNonRoot false', { runAsNonRoot: false }, 'runAsNonRoot != true'],
    ['an Unconfined seccomp profile', { seccompProfile: SeccompProfile.UNCONFINED }, 'seccompProfile'],
    ['an added capability', { addCapabilities: [Capability.SYS_PTRACE] }, 'unrestricted capabilities'],
    ['privilege escalation', { allowPrivilegeEscalation: true }, 'allowPrivilegeEscalation != false'],
  ])('an override the library warns about (%s) is what PodSecurity rejects', async (_name, podSecurity, rule) => {
    const model = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
    const [pod] = podsOfInferenceService({ predictor: { model, podSecurity } });
    const error = await rejectionOf(admit(pod));
    expect(error.apiStatus?.message).toContain('violates PodSecurity "restricted:latest"');
    expect(error.apiStatus?.message).toContain(rule);
  });
});
