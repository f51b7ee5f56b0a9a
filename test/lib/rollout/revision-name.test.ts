import { Duration } from 'cdk8s';
import { Cpu, EnvValue } from 'cdk8s-plus-27';
import * as knative from '../../../imports/knative-serving.knative.dev';
import { CanaryRollout, Gpu, InferenceService, InferenceServiceProps, ModelFormat, StorageUri } from '../../../lib';
import { renderKnativeService } from '../../../lib/components/_knative-service';
import { canonicalJson } from '../../../lib/rollout/_revision-name';
import { errorOf, find, newChart, synth } from '../_util';
import { explainer, transformer, transformerV2, v1, v2 } from './_fixtures';

/** The revision name each component's Knative Service template carries, by Knative Service name. */
function revisionNames(props: InferenceServiceProps, namespace = 'models'): { [service: string]: string } {
  const chart = newChart(namespace);
  new InferenceService(chart, 'iris', props);
  return Object.fromEntries(synth(chart).filter(m => m.apiVersion === 'serving.knative.dev/v1').map(m => [m.metadata.name, m.spec.template.metadata.name]));
}

function predictorRevision(props: InferenceServiceProps): string {
  return revisionNames(props)['iris-predictor'];
}

describe('default revision names: <service>-<hash of the template>', () => {
  test('every component template is named <service>-<5 hex digits>, and the construct reports the same name', () => {
    const chart = newChart();
    const isvc = new InferenceService(chart, 'iris', { predictor: v1, transformer, explainer });
    const manifests = synth(chart);
    for (const component of isvc.components) {
      const name = find(manifests, 'Service', component.serviceName).spec.template.metadata.name;
      expect(name).toMatch(new RegExp(`^${component.serviceName}-[0-9a-f]{5}$`));
      expect(component.revisionName).toBe(name);
      expect(component.stableRevisionName).toBe(name);
      expect(component.canaryRevisionName).toBeUndefined();
    }
  });

  test('the same code names the same revisions, in separate apps and runs', () => {
    const props = { predictor: v1, transformer, explainer };
    expect(revisionNames(props)).toEqual(revisionNames(props));
    // Pinned: a change here means every deployed revision gets a new name on upgrade.
    expect(predictorRevision({ predictor: v1 })).toBe('iris-predictor-20c8b');
  });

  test.each<[string, InferenceServiceProps]>([
    ['another model', { predictor: v2 }],
    ['min replicas (a template annotation)', { predictor: { ...v1, minReplicas: 1 } }],
    ['max replicas', { predictor: { ...v1, maxReplicas: 4 } }],
    ['a user annotation', { predictor: { ...v1, annotations: { 'autoscaling.knative.dev/target': '5' } } }],
    ['a component label (on the pods too)', { predictor: { ...v1, labels: { team: 'fraud' } } }],
    ['an InferenceService label (on the pods too)', { predictor: v1, labels: { team: 'fraud' } }],
    ['an environment variable', { predictor: { ...v1, env: { LOG_LEVEL: EnvValue.fromValue('debug') } } }],
    ['the timeout', { predictor: { ...v1, timeout: Duration.seconds(30) } }],
    ['the container concurrency', { predictor: { ...v1, containerConcurrency: 4 } }],
    ['the service account', { predictor: { ...v1, serviceAccountName: 'model-reader' } }],
  ])('any change to the template renames the revision: %s', (_change, props) => {
    const before = predictorRevision({ predictor: v1 });
    const after = predictorRevision(props);
    expect(after).toMatch(/^iris-predictor-[0-9a-f]{5}$/);
    expect(after).not.toBe(before);
  });

  test.each<[string, InferenceServiceProps]>([
    ['the Knative visibility label (Service only, not the template)', { predictor: { ...v1, labels: { 'networking.knative.dev/visibility': 'cluster-local' } } }],
    ['the ingress domain', { predictor: v1, ingress: { domain: 'ml.acme.io' } }],
    ['a transformer beside it', { predictor: v1, transformer }],
    ['a canary of another component', { predictor: v1, transformer, canary: new CanaryRollout({ transformer: transformerV2, percent: 10 }) }],
  ])('what is not in the template keeps the name: %s', (_change, props) => {
    expect(predictorRevision(props)).toBe(predictorRevision({ predictor: v1 }));
  });

  test('the namespace is not part of the name (revision names are per namespace)', () => {
    expect(revisionNames({ predictor: v1 }, 'team-b')['iris-predictor']).toBe(predictorRevision({ predictor: v1 }));
  });

  test('a transformer change renames only the transformer revision', () => {
    const before = revisionNames({ predictor: v1, transformer, explainer });
    const after = revisionNames({ predictor: v1, transformer: transformerV2, explainer });
    expect(after['iris-predictor']).toBe(before['iris-predictor']);
    expect(after['iris-explainer']).toBe(before['iris-explainer']);
    expect(after['iris-transformer']).not.toBe(before['iris-transformer']);
  });

  test('changing the traffic (the canary percentage) keeps both revision names', () => {
    const at = (percent: number) => {
      const chart = newChart();
      const isvc = new InferenceService(chart, 'iris', { predictor: v1, canary: new CanaryRollout({ predictor: v2, percent }) });
      return [isvc.predictor.stableRevisionName, isvc.predictor.canaryRevisionName];
    };
    expect(at(10)).toEqual(at(50));
  });
});

describe('user-given revision ids: <service>-<revision>', () => {
  test('the id names the revision exactly', () => {
    expect(revisionNames({ predictor: { ...v1, revision: 'v1' }, transformer: { ...transformer, revision: '2024-06-01' } })).toEqual({
      'iris-predictor': 'iris-predictor-v1',
      'iris-transformer': 'iris-transformer-2024-06-01',
    });
  });

  test('the id stays when the template changes (keeping names unique is then up to you)', () => {
    expect(predictorRevision({ predictor: { ...v2, revision: 'v1' } })).toBe('iris-predictor-v1');
  });

  test('an id of the longest allowed length fits Knative\'s 63 characters exactly', () => {
    const revision = 'r'.repeat(63 - 'iris-predictor-'.length);
    expect(predictorRevision({ predictor: { ...v1, revision } })).toHaveLength(63);
  });
});

describe('synth refuses two different templates under one revision name', () => {
  test('stable and canary with one revision id but different templates', () => {
    expect(errorOf(() => new InferenceService(newChart(), 'iris', {
      predictor: { ...v1, revision: 'v1' },
      canary: new CanaryRollout({ predictor: { ...v2, revision: 'v1' }, percent: 10 }),
    }))).toBe("InferenceService 'iris': canary.predictor and predictor are different templates under one revision name ('iris-predictor-v1'); Knative rejects a changed template under an existing revision name, so give canary.predictor.revision a new id");
  });

  test('a canary identical to the stable component has nothing to roll out', () => {
    expect(errorOf(() => new InferenceService(newChart(), 'iris', {
      predictor: v1,
      canary: new CanaryRollout({ predictor: v1, percent: 10 }),
    }))).toBe("InferenceService 'iris': canary.predictor is the same template as predictor (revision 'iris-predictor-20c8b'), so there is nothing to roll out; change canary.predictor, or remove it from the canary");
  });

  test('the same template under the same id is still nothing to roll out', () => {
    expect(errorOf(() => new InferenceService(newChart(), 'iris', {
      predictor: v1,
      transformer: { ...transformer, revision: 't1' },
      canary: new CanaryRollout({ transformer: { ...transformer, revision: 't1' }, percent: 10 }),
    }))).toBe("InferenceService 'iris': canary.transformer is the same template as transformer (revision 'iris-transformer-t1'), so there is nothing to roll out; change canary.transformer, or remove it from the canary");
  });

  test('different ids for the same template are two revisions (a deliberate re-deploy)', () => {
    const chart = newChart();
    const isvc = new InferenceService(chart, 'iris', { predictor: { ...v1, revision: 'a' }, canary: new CanaryRollout({ predictor: { ...v1, revision: 'b' }, percent: 10 }) });
    expect([isvc.predictor.stableRevisionName, isvc.predictor.canaryRevisionName]).toEqual(['iris-predictor-a', 'iris-predictor-b']);
  });
});

describe('the hash reads the template as written to the manifest', () => {
  test.each<[string, InferenceServiceProps]>([
    ['kfs-runtime with scaling and env', { predictor: { ...v1, minReplicas: 1, maxReplicas: 3, timeout: Duration.seconds(30), env: { A: EnvValue.fromValue('1') } } }],
    ['a runtime with the storage initializer', { predictor: { model: { format: ModelFormat.SKLEARN, storageUri: StorageUri.gcs('models', 'sk/1') } } }],
    ['a PVC-mounted model and a GPU', { predictor: { model: { format: ModelFormat.TENSORFLOW, storageUri: StorageUri.pvc('store', 'tf/1') }, gpu: Gpu.nvidia(1), resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) } } } }],
    ['a transformer and explainer', { predictor: v1, transformer, explainer }],
  ])('%s: canonical props = canonical manifest JSON', (_case, props) => {
    const isvc = new InferenceService(newChart(), 'iris', props);
    for (const component of isvc.components) {
      const template = renderKnativeService(component._resolved).spec!.template!;
      expect(canonicalJson(template)).toBe(canonicalJson(knative.toJson_ServiceSpecTemplate(template)));
    }
  });
});
