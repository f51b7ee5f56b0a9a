import * as k8s from '@kubernetes/client-node';
import type { InferenceServiceConfig } from './controller-config';
import { MODEL_CONFIG_FILE_NAME, TRAINED_MODEL_GROUP, TRAINED_MODEL_PLURAL, TRAINED_MODEL_VERSION, type TrainedModelObject, type TrainedModelStatus } from './kube-objects';
import { describeError } from './describe-error';

/** The field manager of everything the controller writes (visible in `managedFields`). */
export const FIELD_MANAGER = 'kfs-model-controller';

/** The two kinds of writes the controller makes to the API server. */
export class KubeWriter {
  readonly #core: k8s.CoreV1Api;
  readonly #custom: k8s.CustomObjectsApi;

  constructor(kubeConfig: k8s.KubeConfig) {
    this.#core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.#custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  /**
   * Server-side apply of `data.models.json` only: the InferenceService's chart emits the ConfigMap
   * without data, so neither owner ever overwrites the other's fields, and applying unchanged
   * content changes nothing on the server.
   */
  async writeModelConfig(isvc: InferenceServiceConfig, modelsJson: string): Promise<void> {
    try {
      await this.#core.patchNamespacedConfigMap(
        {
          name: isvc.modelConfigMap,
          namespace: isvc.namespace,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: isvc.modelConfigMap, namespace: isvc.namespace }, data: { [MODEL_CONFIG_FILE_NAME]: modelsJson } },
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
      );
    } catch (error) {
      // RBAC grants patch on this name only, so a missing ConfigMap surfaces as a forbidden create.
      if (error instanceof k8s.ApiException && error.code === 403 && String(error.body).includes('cannot create resource')) {
        throw new Error(`ConfigMap ${isvc.namespace}/${isvc.modelConfigMap} does not exist; apply the InferenceService's manifests, which include it`);
      }
      throw new Error(`ConfigMap ${isvc.namespace}/${isvc.modelConfigMap}: ${describeError(error)}`);
    }
  }

  /**
   * Merge patch of the status subresource. The controller owns the whole status, so absent fields are
   * sent as null (removed) and the conditions list is replaced as a whole. A TrainedModel deleted
   * meanwhile is not an error.
   */
  async writeStatus(tm: TrainedModelObject, status: TrainedModelStatus): Promise<void> {
    const body = { status: { url: status.url ?? null, address: status.address ?? null, conditions: status.conditions, observedGeneration: status.observedGeneration ?? null } };
    try {
      await this.#custom.patchNamespacedCustomObjectStatus(
        { group: TRAINED_MODEL_GROUP, version: TRAINED_MODEL_VERSION, plural: TRAINED_MODEL_PLURAL, namespace: tm.metadata.namespace!, name: tm.metadata.name, body },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    } catch (error) {
      if (error instanceof k8s.ApiException && error.code === 404) return;
      throw new Error(`TrainedModel ${tm.metadata.namespace}/${tm.metadata.name} status: ${describeError(error)}`);
    }
  }
}
