/**
 * The parts of the Kubernetes objects the controller reads and writes, typed by hand: client-node's
 * generated types are ESM and heavier than what a pure function needs, and these files must stay
 * importable from jest (CommonJS) tests.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string | Date;
  readonly deletionTimestamp?: string | Date;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Knative-style condition, as KServe's TrainedModel status carries them. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly severity?: string;
  readonly lastTransitionTime?: string;
}

export interface TrainedModelStatus {
  readonly url?: string;
  readonly address?: { readonly url?: string };
  readonly conditions?: readonly Condition[];
  readonly observedGeneration?: number;
}

/** `serving.kserve.io/v1alpha1` TrainedModel. */
export interface TrainedModelObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly inferenceService?: string;
    readonly model?: {
      readonly storageUri?: string;
      readonly framework?: string;
      readonly memory?: string | number;
    };
  };
  readonly status?: TrainedModelStatus;
}

export interface PodObject {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly containers?: readonly { readonly name: string; readonly ports?: readonly { readonly containerPort: number; readonly name?: string }[] }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

export const TRAINED_MODEL_GROUP = 'serving.kserve.io';
export const TRAINED_MODEL_VERSION = 'v1alpha1';
export const TRAINED_MODEL_PLURAL = 'trainedmodels';
/** KServe's labels on every predictor pod (template labels of the Knative revision or raw Deployment). */
export const LABEL_INFERENCE_SERVICE = 'serving.kserve.io/inferenceservice';
export const LABEL_COMPONENT = 'component';
export const MODEL_CONTAINER_NAME = 'kserve-container';
export const MODEL_CONFIG_FILE_NAME = 'models.json';
