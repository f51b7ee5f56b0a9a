import type { InferenceServiceConfig } from '../../../runtime/src/controller/controller-config';
import type { TrainedModelObject } from '../../../runtime/src/controller/kube-objects';

/** Test data shared by the controller's unit tests. */

export const MMS: InferenceServiceConfig = {
  namespace: 'models', name: 'mms', modelConfigMap: 'modelconfig-mms-0', memoryLimit: '1Gi', memoryLimitBytes: 2 ** 30,
  frameworks: ['onnx'], url: 'http://mms.models.example.com', clusterLocalUrl: 'http://mms.models.svc.cluster.local',
};

export function trainedModel(name: string, memory: string | number, options: { framework?: string; createdSecond?: number; storageUri?: string; deleting?: boolean } = {}): TrainedModelObject {
  return {
    metadata: {
      name, namespace: 'models', uid: `uid-${name}`, generation: 1,
      creationTimestamp: new Date(Date.UTC(2026, 10, 25, 12, 0, options.createdSecond ?? 0)).toISOString(),
      ...(options.deleting ? { deletionTimestamp: '2026-11-25T13:00:00Z' } : {}),
    },
    spec: { inferenceService: 'mms', model: { storageUri: options.storageUri ?? `s3://models/${name}`, framework: options.framework ?? 'onnx', memory } },
  };
}
