import { Capability } from 'cdk8s-plus-27';
import { InferenceService, InferenceServiceProps, MeshMode, ModelFormat, SeccompProfile, StorageUri, Warnings } from '../../../lib';
import { containerOf, errorOf, find, newChart, synth } from '../_util';

const onnx = { format: ModelFormat.ONNX, storageUri: StorageUri.s3('example-models', 'iris/1') };
const sklearn = { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('example-models', 'sklearn/iris') };

function build(props: Partial<InferenceServiceProps>) {
  const chart = newChart();
  const isvc = new InferenceService(chart, 'iris', { predictor: { model: onnx }, ...props } as InferenceServiceProps);
  return { isvc, manifests: synth(chart) };
}

const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

test('every container, init containers included, is "restricted" by default and gets no service-account token', () => {
  const { isvc, manifests } = build({ predictor: { model: sklearn }, transformer: { container: { image: 'x/t:1' } }, explainer: { container: { image: 'x/e:1' } } });
  for (const name of ['iris-predictor', 'iris-transformer', 'iris-explainer']) {
    const spec = find(manifests, 'Service', name).spec.template.spec;
    expect(spec.containers[0].securityContext).toEqual(RESTRICTED);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toBeUndefined();
  }
  expect(find(manifests, 'Service', 'iris-predictor').spec.template.spec.initContainers[0].securityContext).toEqual(RESTRICTED);
  expect(Warnings.of(isvc).all.filter(w => w.includes('restricted'))).toEqual([]);
});

test('overrides that stay inside "restricted": UID/GID, writable root filesystem, a localhost seccomp profile, NET_BIND_SERVICE, a token', () => {
  const { isvc, manifests } = build({
    predictor: {
      model: onnx,
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
  const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;
  expect(spec.containers[0].securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 3000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: false,
    capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
    seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/kfs.json' },
  });
  expect(spec.automountServiceAccountToken).toBe(true);
  expect(Warnings.of(isvc).all).toEqual([]);
});

test('overrides that leave "restricted" synthesize, with one warning each', () => {
  const { isvc, manifests } = build({
    transformer: {
      container: { image: 'x/t:1' },
      podSecurity: {
        runAsNonRoot: false,
        runAsUser: 0,
        allowPrivilegeEscalation: true,
        seccompProfile: SeccompProfile.UNCONFINED,
        addCapabilities: [Capability.SYS_PTRACE],
      },
    },
  });
  expect(containerOf(find(manifests, 'Service', 'iris-transformer')).securityContext).toEqual({
    runAsNonRoot: false,
    runAsUser: 0,
    allowPrivilegeEscalation: true,
    readOnlyRootFilesystem: true,
    capabilities: { add: ['SYS_PTRACE'], drop: ['ALL'] },
    seccompProfile: { type: 'Unconfined' },
  });
  const leaves = (what: string) => `InferenceService 'iris': transformer.podSecurity.${what} leaves the Pod Security Standards "restricted" profile; a namespace that enforces it rejects the transformer pods`;
  expect(Warnings.of(isvc).all).toEqual([
    leaves('runAsNonRoot (false)'),
    leaves('runAsUser (0)'),
    leaves('allowPrivilegeEscalation (true)'),
    leaves("seccompProfile ('Unconfined')"),
    leaves('addCapabilities (SYS_PTRACE)'),
    "InferenceService 'iris': transformer.podSecurity.addCapabilities (SYS_PTRACE) needs the Knative feature flag 'kubernetes.containerspec-addcapabilities: enabled' in the knative-serving/config-features ConfigMap, or Knative rejects the revision",
  ]);
});

test('in mesh mode the storage initializer runs as the Istio proxy UID, so its download bypasses the not-yet-started sidecar', () => {
  const { manifests } = build({ predictor: { model: sklearn, podSecurity: { runAsUser: 1000 } }, security: { mesh: MeshMode.ISTIO_SIDECAR } });
  const spec = find(manifests, 'Service', 'iris-predictor').spec.template.spec;
  expect(spec.initContainers[0].securityContext).toEqual({ ...RESTRICTED, runAsUser: 1337, runAsGroup: 1337 });
  expect(spec.containers[0].securityContext).toEqual({ ...RESTRICTED, runAsUser: 1000 });
});

test('without mesh mode the storage initializer keeps the container settings', () => {
  const { manifests } = build({ predictor: { model: sklearn, podSecurity: { runAsUser: 1000 } } });
  expect(find(manifests, 'Service', 'iris-predictor').spec.template.spec.initContainers[0].securityContext).toEqual({ ...RESTRICTED, runAsUser: 1000 });
});

test('seccomp localhost profiles must stay inside the kubelet directory', () => {
  expect(errorOf(() => SeccompProfile.localhost('/etc/profile.json'))).toBe(
    "SeccompProfile.localhost: profile ('/etc/profile.json') must be a relative path inside the kubelet's seccomp directory, e.g. 'profiles/model-server.json'");
  expect(() => SeccompProfile.localhost('../x.json')).toThrow(/must be a relative path/);
});
