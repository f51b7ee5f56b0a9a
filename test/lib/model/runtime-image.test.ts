import { Chart } from 'cdk8s';
import { DEFAULT_KFS_RUNTIME_IMAGE, InferenceService, KFS_RUNTIME_IMAGE_CONTEXT_KEY, ModelFormat, ModelRuntime, RuntimeImage, StorageUri } from '../../../lib';
import { containerOf, errorOf, find, synth } from '../_util';
import { testApp } from '../test-app';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'cd'.repeat(32)}`;

describe('RuntimeImage pinning', () => {
  test('withDigest pins the image and keeps the tag as a hint; digest reads it back', () => {
    const pinned = DEFAULT_KFS_RUNTIME_IMAGE.withDigest(DIGEST);
    expect(pinned.reference).toBe(`ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0@${DIGEST}`);
    expect(pinned.isPinned).toBe(true);
    expect(pinned.digest).toBe(DIGEST);
    expect(DEFAULT_KFS_RUNTIME_IMAGE.digest).toBeUndefined();
  });

  test('withDigest replaces a digest already pinned', () => {
    expect(RuntimeImage.fromDigest('registry.local:5000/kfs-runtime', DIGEST).withDigest(OTHER_DIGEST).reference)
      .toBe(`registry.local:5000/kfs-runtime@${OTHER_DIGEST}`);
  });

  test('withDigest rejects what is not a sha256 digest', () => {
    expect(errorOf(() => DEFAULT_KFS_RUNTIME_IMAGE.withDigest('sha256:ABC')))
      .toBe(`RuntimeImage.withDigest: digest ('sha256:ABC') is not a sha256 digest; write it as 'sha256:' followed by 64 lowercase hex digits`);
  });
});

/** The image of the predictor container of an ONNX InferenceService `name` in `chart`, with an optional runtime. */
function predictorImage(chart: Chart, name: string, runtime?: ModelRuntime, format: ModelFormat = ModelFormat.ONNX): string {
  new InferenceService(chart, name, { predictor: { model: { format, storageUri: StorageUri.s3('models', `${name}/1`), runtime } } });
  return containerOf(find(synth(chart), 'Service', `${name}-predictor`)).image;
}

describe('the kfs-runtime image app-wide (construct context)', () => {
  test('without context an ONNX predictor runs the library default', () => {
    const chart = new Chart(testApp(), 'test', { namespace: 'models' });
    expect(predictorImage(chart, 'iris')).toBe('ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0');
  });

  test('setKfsRuntimeDefault on the app replaces it for every ONNX predictor in every chart', () => {
    const app = testApp();
    RuntimeImage.setKfsRuntimeDefault(app, RuntimeImage.fromDigest('registry.example.com/mirror/kfs-runtime', DIGEST));
    const first = new Chart(app, 'first', { namespace: 'a' });
    const second = new Chart(app, 'second', { namespace: 'b' });
    expect(predictorImage(first, 'iris')).toBe(`registry.example.com/mirror/kfs-runtime@${DIGEST}`);
    expect(predictorImage(second, 'mnist')).toBe(`registry.example.com/mirror/kfs-runtime@${DIGEST}`);
    expect(RuntimeImage.kfsRuntimeDefaultAt(second).digest).toBe(DIGEST);
  });

  test('a plain context string set with app.node.setContext works the same', () => {
    const app = testApp();
    app.node.setContext(KFS_RUNTIME_IMAGE_CONTEXT_KEY, `ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0@${DIGEST}`);
    expect(predictorImage(new Chart(app, 'c', { namespace: 'models' }), 'iris')).toBe(`ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0@${DIGEST}`);
  });

  test('a predictor that picks its image with withImage keeps it; other runtimes are untouched', () => {
    const app = testApp();
    RuntimeImage.setKfsRuntimeDefault(app, DEFAULT_KFS_RUNTIME_IMAGE.withDigest(DIGEST));
    const chart = new Chart(app, 'c', { namespace: 'models' });
    const own = ModelRuntime.KFS_RUNTIME.withImage(RuntimeImage.fromRegistry('registry.local/kfs-runtime:canary'));
    expect(predictorImage(chart, 'canary', own)).toBe('registry.local/kfs-runtime:canary');
    expect(predictorImage(chart, 'sk', undefined, ModelFormat.SKLEARN)).toBe('kserve/sklearnserver:v0.20.0');
    expect(predictorImage(chart, 'iris')).toBe(`ghcr.io/cdk8s-kfserving/kfs-runtime:0.1.0@${DIGEST}`);
  });

  test('a context value that is not an image reference fails at construction, naming the key', () => {
    const app = testApp();
    app.node.setContext(KFS_RUNTIME_IMAGE_CONTEXT_KEY, 'Not An Image');
    const chart = new Chart(app, 'c', { namespace: 'models' });
    expect(errorOf(() => predictorImage(chart, 'iris'))).toBe(
      `construct context 'cdk8s-kfserving:kfsRuntimeImage' ('Not An Image') is not an image reference; set it to [registry/]repository[:tag][@sha256:digest], e.g. 'registry.example.com/kfs-runtime@sha256:<digest printed by npm run image>'`,
    );
  });
});
