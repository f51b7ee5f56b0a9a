/**
 * The configuration file `kfs-runtime controller --config` reads (runtime/src/controller/controller-config.ts
 * parses and checks the same shape; docs/multi-model-serving.md documents it). No InferenceService
 * object exists in the cluster (synth output is what runs), so what the controller must know about
 * each one comes from here.
 * @internal
 */
export interface ControllerConfig {
  readonly inferenceServices: ControllerInferenceService[];
}

/** @internal */
export interface ControllerInferenceService {
  readonly namespace: string;
  readonly name: string;
  /** The ConfigMap its predictor pods mount (`modelconfig-<name>-0`). */
  readonly modelConfigMap: string;
  /** The predictor container's memory limit, e.g. `2Gi`: TrainedModels are admitted while their memory fits. */
  readonly memoryLimit: string;
  /** Model formats the predictor's runtime serves (TrainedModel `spec.model.framework`). */
  readonly frameworks: string[];
  /** External URL of the InferenceService, the base of TrainedModel `status.url`. */
  readonly url: string;
  /** In-cluster URL, the base of TrainedModel `status.address.url`. */
  readonly clusterLocalUrl: string;
}

/** Pretty JSON with a trailing newline: readable in `kubectl get cm -o yaml`, identical on every synth. */
export function renderControllerConfig(config: ControllerConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
