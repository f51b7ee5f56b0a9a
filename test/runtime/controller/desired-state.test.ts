import { createHash } from 'node:crypto';
import { AdmissionVerdict, computeDesiredState, renderModelConfig } from '../../../runtime/src/controller/desired-state';
import type { TrainedModelObject } from '../../../runtime/src/controller/kube-objects';
import { MMS, trainedModel } from './fixtures';
import { isFrom, planReplica } from '../../../runtime/src/controller/replica-plan';
import { replicasOf } from '../../../runtime/src/controller/replicas';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('computeDesiredState: admission is a pure function of the TrainedModels', () => {
  test('admits in creation order while the memory fits; the first that does not fit is rejected with the numbers', () => {
    const state = computeDesiredState(MMS, [
      trainedModel('c', '512Mi', { createdSecond: 3 }),
      trainedModel('a', '256Mi', { createdSecond: 1 }),
      trainedModel('b', '384Mi', { createdSecond: 2 }),
    ]);
    expect(state.models.map((m) => m.name)).toEqual(['a', 'b']);
    expect(state.admissions.get('c')).toEqual({
      verdict: AdmissionVerdict.MEMORY_NOT_AVAILABLE,
      message: "needs 512Mi, but only 384Mi of the predictor's 1Gi memory limit is free (in use: a 256Mi, b 384Mi)",
    });
    expect(state.admissions.get('b')).toEqual({ verdict: AdmissionVerdict.ADMITTED, message: 'admitted: 640Mi of 1Gi in use' });
  });

  test('a later, smaller model that fits is admitted after a rejected one (each is checked against what is admitted)', () => {
    const state = computeDesiredState(MMS, [trainedModel('big', '2Gi', { createdSecond: 1 }), trainedModel('small', '1Mi', { createdSecond: 2 })]);
    expect(state.models.map((m) => m.name)).toEqual(['small']);
    expect(state.admissions.get('big')?.verdict).toBe(AdmissionVerdict.MEMORY_NOT_AVAILABLE);
  });

  test('deleting an earlier model lets a waiting one in (level-triggered: recomputed from scratch)', () => {
    const models = [trainedModel('a', '768Mi', { createdSecond: 1 }), trainedModel('b', '512Mi', { createdSecond: 2 })];
    expect(computeDesiredState(MMS, models).models.map((m) => m.name)).toEqual(['a']);
    expect(computeDesiredState(MMS, models.slice(1)).models.map((m) => m.name)).toEqual(['b']);
  });

  test('a waiting model never evicts an admitted one: models whose status says admitted keep their memory, whatever their age', () => {
    // 'waiting' is older but did not fit when 'late-a' and 'late-b' were admitted; now 'early' is deleted.
    const admitted = (tm: ReturnType<typeof trainedModel>) => ({ ...tm, status: { conditions: [{ type: 'MemoryResourceAvailable', status: 'True' as const }] } });
    const state = computeDesiredState(MMS, [
      trainedModel('waiting', '600Mi', { createdSecond: 2 }),
      admitted(trainedModel('late-a', '256Mi', { createdSecond: 3 })),
      admitted(trainedModel('late-b', '256Mi', { createdSecond: 4 })),
      trainedModel('newest', '256Mi', { createdSecond: 5 }),
    ]);
    expect(state.models.map((m) => m.name)).toEqual(['late-a', 'late-b', 'newest']);
    expect(state.admissions.get('waiting')?.message).toBe("needs 600Mi, but only 512Mi of the predictor's 1Gi memory limit is free (in use: late-a 256Mi, late-b 256Mi)");
  });

  test('among models not yet admitted, the one waiting longest goes first when memory frees up', () => {
    const admitted = (tm: ReturnType<typeof trainedModel>) => ({ ...tm, status: { conditions: [{ type: 'MemoryResourceAvailable', status: 'True' as const }] } });
    const state = computeDesiredState(MMS, [
      admitted(trainedModel('kept', '512Mi', { createdSecond: 1 })),
      trainedModel('older', '512Mi', { createdSecond: 2 }),
      trainedModel('newer', '512Mi', { createdSecond: 3 }),
    ]);
    expect(state.models.map((m) => m.name)).toEqual(['kept', 'older']);
  });

  test('same creation second: ordered by name, so every controller decides the same', () => {
    const state = computeDesiredState(MMS, [trainedModel('y', '600Mi'), trainedModel('x', '600Mi')]);
    expect(state.models.map((m) => m.name)).toEqual(['x']);
  });

  test('a framework the runtime does not serve is rejected and takes no memory', () => {
    const state = computeDesiredState(MMS, [trainedModel('sk', '1Gi', { framework: 'sklearn', createdSecond: 1 }), trainedModel('ox', '1Gi', { createdSecond: 2 })]);
    expect(state.admissions.get('sk')).toEqual({ verdict: AdmissionVerdict.FRAMEWORK_NOT_SUPPORTED, message: "framework 'sklearn' is not served by InferenceService 'mms' (it serves onnx)" });
    expect(state.models.map((m) => m.name)).toEqual(['ox']);
  });

  test('framework names are compared case-insensitively (KServe writes ONNX and onnx alike)', () => {
    expect(computeDesiredState(MMS, [trainedModel('m', '1Mi', { framework: 'ONNX' })]).models).toHaveLength(1);
  });

  test('malformed memory or a missing field is InvalidSpec (possible under KServe\'s own CRD, which has no patterns)', () => {
    const missing: TrainedModelObject = { metadata: { name: 'm', namespace: 'models' }, spec: { inferenceService: 'mms', model: { framework: 'onnx', memory: '1Mi' } } };
    const state = computeDesiredState(MMS, [trainedModel('bad', 'lots'), missing]);
    expect(state.admissions.get('bad')).toEqual({ verdict: AdmissionVerdict.INVALID_SPEC, message: "spec.model.memory 'lots' is not a Kubernetes quantity; write it like 256Mi, 2Gi or 500M" });
    expect(state.admissions.get('m')).toEqual({ verdict: AdmissionVerdict.INVALID_SPEC, message: 'spec.model needs storageUri, framework and memory' });
    expect(state.models).toEqual([]);
  });

  test('a TrainedModel being deleted is not desired', () => {
    expect(computeDesiredState(MMS, [trainedModel('gone', '1Mi', { deleting: true })]).models).toEqual([]);
  });

  test("renders KServe's models.json, sorted by name, byte-identical for the same models", () => {
    const models = computeDesiredState(MMS, [trainedModel('b', '1Mi', { createdSecond: 1 }), trainedModel('a', 1048576, { createdSecond: 2 })]).models;
    expect(renderModelConfig(models)).toBe('[{"modelName":"a","modelSpec":{"storageUri":"s3://models/a","framework":"onnx","memory":"1048576"}},'
      + '{"modelName":"b","modelSpec":{"storageUri":"s3://models/b","framework":"onnx","memory":"1Mi"}}]');
  });
});

describe('planReplica: what one replica must do', () => {
  const desired = computeDesiredState(MMS, [trainedModel('a', '1Mi'), trainedModel('b', '1Mi'), trainedModel('c', '1Mi'), trainedModel('d', '1Mi')]).models;

  test('loads what is missing, failed, or from another storage URI; waits for what is loading; leaves what is current', () => {
    const plan = planReplica(desired, [
      { name: 'a', state: 'READY', reason: '', storageUri: 's3://models/a' },
      { name: 'b', state: 'READY', reason: '', storageUri: 's3://models/b-old' },
      { name: 'c', state: 'LOADING', reason: '', storageUri: 's3://models/c' },
    ]);
    expect(plan.loads.map((m) => m.name)).toEqual(['b', 'd']);
    expect(plan.loading).toEqual(['c']);
    expect(plan.unloads).toEqual([]);
  });

  test('a model that failed, or was unloaded, from the same URI is loaded again', () => {
    const plan = planReplica(desired.slice(0, 2), [
      { name: 'a', state: 'UNAVAILABLE', reason: 'download failed', storageUri: 's3://models/a' },
      { name: 'b', state: 'UNAVAILABLE', reason: 'unloaded', storageUri: 's3://models/b' },
    ]);
    expect(plan.loads.map((m) => m.name)).toEqual(['a', 'b']);
  });

  test('unloads served or loading models nobody wants, and never unloads twice (UNAVAILABLE rows hold nothing)', () => {
    const plan = planReplica([], [
      { name: 'x', state: 'READY', reason: '' },
      { name: 'y', state: 'LOADING', reason: '' },
      { name: 'z', state: 'UNAVAILABLE', reason: 'unloaded' },
      { name: 'folder', state: '', reason: '' },
    ]);
    expect(plan.unloads).toEqual(['x', 'y']);
  });

  test('a replica that reports digests is matched by the digest of the URI, so a URI with a credential in its query is still current', () => {
    const presigned = 'https://store.example/models/a.onnx?X-Amz-Signature=0123abcd';
    const [model] = computeDesiredState(MMS, [trainedModel('a', '1Mi', { storageUri: presigned })]).models;
    const row = (storageUri: string) => ({ name: 'a', state: 'READY', reason: '', storageUri: 'https://store.example/models/a.onnx?<redacted>', storageUriSha256: sha256(storageUri) });
    expect(isFrom(row(presigned), presigned)).toBe(true);
    expect(planReplica([model!], [row(presigned)]).loads).toEqual([]);
    // Same redacted form, another signature: another URI, so the model is loaded from the new one.
    expect(isFrom(row(presigned.replace('0123abcd', '4567ef01')), presigned)).toBe(false);
    expect(planReplica([model!], [row(presigned.replace('0123abcd', '4567ef01'))]).loads).toEqual([model]);
  });

  test('a replica without digests (another v2 server) is matched by the URI it reports', () => {
    expect(isFrom({ name: 'a', state: 'READY', reason: '', storageUri: 's3://models/a' }, 's3://models/a')).toBe(true);
    expect(isFrom({ name: 'a', state: 'READY', reason: '', storageUri: 's3://models/a' }, 's3://models/a2')).toBe(false);
    expect(isFrom({ name: 'a', state: 'READY', reason: '' }, 's3://models/a')).toBe(false);
    expect(isFrom(undefined, 's3://models/a')).toBe(false);
  });

  test('nothing to do when the replica serves exactly the desired models', () => {
    const rows = desired.map((m) => ({ name: m.name, state: 'READY', reason: '', storageUri: m.storageUri }));
    expect(planReplica(desired, rows)).toEqual({ loads: [], unloads: [], loading: [] });
  });
});

describe('replicasOf: predictor replicas from their pods', () => {
  const pod = (name: string, extra: { ip?: string; ready?: boolean; deleting?: boolean; phase?: string; port?: number; container?: string } = {}) => ({
    metadata: { name, ...(extra.deleting ? { deletionTimestamp: '2026-11-25T13:00:00Z' } : {}) },
    spec: { containers: [{ name: 'queue-proxy', ports: [{ containerPort: 8012 }] }, { name: extra.container ?? 'kserve-container', ports: [{ containerPort: extra.port ?? 8080 }] }] },
    status: { phase: extra.phase ?? 'Running', ...(extra.ip === undefined ? {} : { podIP: extra.ip }), conditions: [{ type: 'Ready', status: extra.ready ? 'True' : 'False' }] },
  });

  test('every pod with an IP that is not terminating, ready or not, at the model container\'s port; sorted by name', () => {
    expect(replicasOf([
      pod('p-2', { ip: '10.0.0.2', ready: false }),
      pod('p-1', { ip: '10.0.0.1', ready: true, port: 9000 }),
      pod('p-3'),
      pod('p-4', { ip: '10.0.0.4', ready: true, deleting: true }),
      pod('p-5', { ip: '10.0.0.5', phase: 'Failed' }),
      pod('p-6', { ip: 'fd00::6', ready: true }),
      pod('p-7', { ip: '10.0.0.7', container: 'other' }),
    ])).toEqual([
      { name: 'p-1', url: 'http://10.0.0.1:9000', ready: true },
      { name: 'p-2', url: 'http://10.0.0.2:8080', ready: false },
      { name: 'p-6', url: 'http://[fd00::6]:8080', ready: true },
    ]);
  });
});
