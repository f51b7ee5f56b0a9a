import { computeDesiredState } from '../../../runtime/src/controller/desired-state';
import { ConditionType, desiredStatus, sameStatus } from '../../../runtime/src/controller/model-status';
import { MMS, trainedModel } from './fixtures';

const NOW = new Date('2026-11-25T12:30:00.000Z');
const conditionsOf = (status: ReturnType<typeof desiredStatus>) => Object.fromEntries((status.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));

describe('TrainedModel status: KServe condition types, plus ModelLoaded from what the replicas report', () => {
  const tm = trainedModel('iris', '64Mi');
  const admission = computeDesiredState(MMS, [tm]).admissions.get('iris');

  test('loaded on every ready replica: all conditions True, the inference URLs, observedGeneration', () => {
    const status = desiredStatus(tm, {
      isvc: MMS, inferenceServiceName: 'mms', admission, readyReplicas: 2,
      observations: [{ replica: 'p-1', ready: true, loaded: true }, { replica: 'p-2', ready: true, loaded: true }, { replica: 'p-3', ready: false, loaded: false }],
    }, NOW);
    expect(status.url).toBe('http://mms.models.example.com/v2/models/iris/infer');
    expect(status.address).toEqual({ url: 'http://mms.models.svc.cluster.local/v2/models/iris/infer' });
    expect(status.observedGeneration).toBe(1);
    expect(status.conditions?.map((c) => c.type)).toEqual(['FrameworkSupported', 'InferenceServiceReady', 'IsMMSPredictor', 'MemoryResourceAvailable', 'ModelLoaded', 'Ready']);
    expect(conditionsOf(status)).toEqual({
      FrameworkSupported: ['True', undefined, undefined],
      InferenceServiceReady: ['True', undefined, undefined],
      IsMMSPredictor: ['True', undefined, undefined],
      MemoryResourceAvailable: ['True', undefined, undefined],
      ModelLoaded: ['True', 'Loaded', 'loaded on 2 of 2 ready replicas'],
      Ready: ['True', undefined, undefined],
    });
    expect(status.conditions?.every((c) => c.lastTransitionTime === NOW.toISOString())).toBe(true);
  });

  test('still loading somewhere: Ready False with the count', () => {
    const status = desiredStatus(tm, { isvc: MMS, inferenceServiceName: 'mms', admission, readyReplicas: 3,
      observations: [{ replica: 'p-1', ready: true, loaded: true }, { replica: 'p-2', ready: true, loaded: false }, { replica: 'p-3', ready: true, loaded: false, unreachable: true }] }, NOW);
    expect(conditionsOf(status).Ready).toEqual(['False', 'Loading', 'loaded on 1 of 3 ready replicas']);
  });

  test('a failed load says where and why', () => {
    const status = desiredStatus(tm, { isvc: MMS, inferenceServiceName: 'mms', admission, readyReplicas: 2,
      observations: [{ replica: 'p-1', ready: true, loaded: true }, { replica: 'p-2', ready: true, loaded: false, failure: 'no such key' }] }, NOW);
    expect(conditionsOf(status).ModelLoaded).toEqual(['False', 'ModelLoadFailed', 'loaded on 1 of 2 ready replicas; failed on p-2: no such key']);
  });

  test('memory overflow: MemoryResourceAvailable False with the reason, not loaded, Ready False for the same reason', () => {
    const big = trainedModel('big', '2Gi');
    const status = desiredStatus(big, { isvc: MMS, inferenceServiceName: 'mms', admission: computeDesiredState(MMS, [big]).admissions.get('big'), readyReplicas: 1, observations: [] }, NOW);
    const message = "needs 2Gi, but only 1Gi of the predictor's 1Gi memory limit is free";
    expect(conditionsOf(status)).toMatchObject({
      FrameworkSupported: ['True', undefined, undefined],
      MemoryResourceAvailable: ['False', 'MemoryResourceNotAvailable', message],
      ModelLoaded: ['False', 'NotAdmitted', 'not loaded: the model was not admitted (see the other conditions)'],
      Ready: ['False', 'MemoryResourceNotAvailable', message],
    });
  });

  test('unsupported framework: FrameworkSupported False, memory not checked', () => {
    const sk = trainedModel('sk', '1Mi', { framework: 'sklearn' });
    const status = desiredStatus(sk, { isvc: MMS, inferenceServiceName: 'mms', admission: computeDesiredState(MMS, [sk]).admissions.get('sk'), readyReplicas: 1, observations: [] }, NOW);
    expect(conditionsOf(status)).toMatchObject({
      FrameworkSupported: ['False', 'FrameworkNotSupported', "framework 'sklearn' is not served by InferenceService 'mms' (it serves onnx)"],
      MemoryResourceAvailable: ['Unknown', 'FrameworkNotSupported', 'not checked: the framework is not supported'],
      Ready: ['False', 'FrameworkNotSupported', "framework 'sklearn' is not served by InferenceService 'mms' (it serves onnx)"],
    });
  });

  test('no ready replica: InferenceServiceReady False (KServe\'s reason)', () => {
    const status = desiredStatus(tm, { isvc: MMS, inferenceServiceName: 'mms', admission, readyReplicas: 0, observations: [{ replica: 'p-1', ready: false, loaded: true }] }, NOW);
    expect(conditionsOf(status).InferenceServiceReady).toEqual(['False', 'InferenceServiceNotReady', "InferenceService 'mms' has no ready predictor replica"]);
    expect(conditionsOf(status).Ready[1]).toBe('InferenceServiceNotReady');
  });

  test('an InferenceService this controller does not serve: no URL, InferenceServiceNotFound', () => {
    const status = desiredStatus(tm, { isvc: undefined, inferenceServiceName: 'other', admission: undefined, readyReplicas: 0, observations: [] }, NOW);
    expect(status.url).toBeUndefined();
    const message = "InferenceService 'other' is not a multi-model InferenceService served by this controller";
    expect(conditionsOf(status)).toMatchObject({ InferenceServiceReady: ['False', 'InferenceServiceNotFound', message], Ready: ['False', 'InferenceServiceNotFound', message], FrameworkSupported: ['Unknown', 'InferenceServiceNotFound', message] });
  });

  test('lastTransitionTime is kept while a condition keeps its status, so an unchanged model needs no write', () => {
    const input = { isvc: MMS, inferenceServiceName: 'mms', admission, readyReplicas: 1, observations: [{ replica: 'p-1', ready: true, loaded: false }] };
    const first = desiredStatus(tm, input, NOW);
    const later = new Date(NOW.getTime() + 60_000);
    const again = desiredStatus({ ...tm, status: first }, input, later);
    expect(again).toEqual(first);
    expect(sameStatus(first, again)).toBe(true);
    const loaded = desiredStatus({ ...tm, status: first }, { ...input, observations: [{ replica: 'p-1', ready: true, loaded: true }] }, later);
    const byType = new Map(loaded.conditions!.map((c) => [c.type, c.lastTransitionTime]));
    expect(byType.get(ConditionType.MODEL_LOADED)).toBe(later.toISOString());
    expect(byType.get(ConditionType.FRAMEWORK_SUPPORTED)).toBe(NOW.toISOString());
    expect(sameStatus(first, loaded)).toBe(false);
  });
});
