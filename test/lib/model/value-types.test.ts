import { Gpu, ModelFormat, ModelRuntime, ProtocolVersion, RuntimeImage } from '../../../lib';
import { errorOf } from '../_util';

describe('ModelFormat', () => {
  test('names match KServe and versions attach', () => {
    expect([ModelFormat.ONNX, ModelFormat.SKLEARN, ModelFormat.XGBOOST, ModelFormat.LIGHTGBM, ModelFormat.TENSORFLOW,
      ModelFormat.PYTORCH, ModelFormat.TRITON, ModelFormat.HUGGINGFACE].map(f => f.name))
      .toEqual(['onnx', 'sklearn', 'xgboost', 'lightgbm', 'tensorflow', 'pytorch', 'triton', 'huggingface']);
    expect(ModelFormat.SKLEARN.withVersion('1').toString()).toBe('sklearn:1');
    expect(ModelFormat.of('mlflow').name).toBe('mlflow');
  });

  test('rejects format names KServe could not match', () => {
    expect(errorOf(() => ModelFormat.of('Bad Name'))).toBe(`ModelFormat.of: name ('Bad Name') is not a format name; use lowercase letters, digits, \`-\`, \`.\` or \`_\`, e.g. "sklearn"`);
  });
});

describe('ModelRuntime table', () => {
  test('each format maps to the runtime KServe would pick', () => {
    const table = Object.fromEntries([ModelFormat.ONNX, ModelFormat.SKLEARN, ModelFormat.XGBOOST, ModelFormat.LIGHTGBM,
      ModelFormat.TENSORFLOW, ModelFormat.PYTORCH, ModelFormat.TRITON, ModelFormat.HUGGINGFACE, ModelFormat.PMML, ModelFormat.PADDLE]
      .map(f => [f.name, ModelRuntime.forFormat(f)?.name]));
    expect(table).toEqual({
      onnx: 'kfs-runtime',
      sklearn: 'kserve-sklearnserver',
      xgboost: 'kserve-xgbserver',
      lightgbm: 'kserve-lgbserver',
      tensorflow: 'kserve-tensorflow-serving',
      pytorch: 'kserve-torchserve',
      triton: 'kserve-tritonserver',
      huggingface: 'kserve-huggingfaceserver',
      pmml: 'kserve-pmmlserver',
      paddle: 'kserve-paddleserver',
    });
    expect(ModelRuntime.forFormat(ModelFormat.of('mlflow'))).toBeUndefined();
  });

  test('kfs-runtime pulls its own model and speaks v2', () => {
    expect(ModelRuntime.KFS_RUNTIME.pullsOwnModel).toBe(true);
    expect(ModelRuntime.KFS_RUNTIME.protocols).toEqual([ProtocolVersion.V2]);
    expect(ModelRuntime.KFS_RUNTIME.image.reference).toBe('ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0');
  });

  test('withImage overrides the image and keeps the arguments', () => {
    const mirrored = ModelRuntime.SKLEARN_SERVER.withImage(RuntimeImage.fromRegistry('registry.local:5000/kserve/sklearnserver:v0.20.0'));
    expect(mirrored.image.reference).toBe('registry.local:5000/kserve/sklearnserver:v0.20.0');
    expect(mirrored._container({ modelName: 'm', modelDir: '/mnt/models', storageUri: 's3://b/m' }).args)
      .toEqual(['--model_name=m', '--model_dir=/mnt/models', '--http_port=8080']);
  });

  test('an unknown placeholder fails with the list of known ones', () => {
    const runtime = ModelRuntime.custom({ name: 'x', image: RuntimeImage.fromRegistry('x/y:1'), supportedFormats: [ModelFormat.ONNX], protocols: [ProtocolVersion.V2], args: ['--m={{.Model}}'] });
    expect(errorOf(() => runtime._container({ modelName: 'm', modelDir: '/d', storageUri: 'u' })))
      .toBe(`ModelRuntime: argument ('--m={{.Model}}') uses the unknown placeholder {{.Model}}; use {{.Name}}, {{.ModelDir}}, {{.StorageUri}}, {{.HttpPort}} or {{.GrpcPort}}`);
  });

  test('a runtime must speak at least one protocol', () => {
    expect(errorOf(() => ModelRuntime.custom({ name: 'mute', image: RuntimeImage.fromRegistry('x/y:1'), supportedFormats: [], protocols: [] })))
      .toBe(`ModelRuntime 'mute': protocols ([]) is empty; list at least one protocol the server speaks`);
  });
});

describe('RuntimeImage', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  test('accepts tags, registries with ports and digests', () => {
    expect(RuntimeImage.fromRegistry('ghcr.io/acme/kfs-runtime:0.1.0').isPinned).toBe(false);
    expect(RuntimeImage.fromDigest('ghcr.io/acme/kfs-runtime:0.1.0', digest).reference).toBe(`ghcr.io/acme/kfs-runtime@${digest}`);
    expect(RuntimeImage.fromDigest('ghcr.io/acme/kfs-runtime', digest).isPinned).toBe(true);
    expect(RuntimeImage.fromRegistry('tensorflow/serving:2.6.2').withTagSuffix('-gpu').reference).toBe('tensorflow/serving:2.6.2-gpu');
  });

  test('rejects malformed references and digests', () => {
    expect(errorOf(() => RuntimeImage.fromRegistry('Not An Image'))).toBe(`RuntimeImage.fromRegistry: reference ('Not An Image') is not an image reference; write it as [registry/]repository[:tag][@sha256:digest], e.g. 'ghcr.io/acme/kfs-runtime:0.1.0'`);
    expect(errorOf(() => RuntimeImage.fromDigest('ghcr.io/acme/x', 'sha256:123'))).toBe(`RuntimeImage.fromDigest: digest ('sha256:123') is not a sha256 digest; write it as 'sha256:' followed by 64 lowercase hex digits`);
  });
});

describe('Gpu', () => {
  test('vendor resource names', () => {
    expect([Gpu.nvidia(1), Gpu.amd(2), Gpu.intel(1), Gpu.of('nvidia.com/mig-1g.10gb', 1)].map(g => `${g.resourceName}=${g.count}`))
      .toEqual(['nvidia.com/gpu=1', 'amd.com/gpu=2', 'gpu.intel.com/i915=1', 'nvidia.com/mig-1g.10gb=1']);
  });

  test('a GPU count must be a positive whole number', () => {
    expect(errorOf(() => Gpu.nvidia(0))).toBe('Gpu: count (0) is not a positive whole number; request at least 1 GPU, or leave gpu unset for none');
    expect(errorOf(() => Gpu.nvidia(1.5))).toBe('Gpu: count (1.5) is not a positive whole number; request at least 1 GPU, or leave gpu unset for none');
    expect(errorOf(() => Gpu.of('gpu', 1))).toBe(`Gpu.of: resourceName ('gpu') is not an extended resource name; write it as <vendor-domain>/<resource>, e.g. 'nvidia.com/gpu'`);
  });
});
