import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as kserve from '../_kserve';

/** Options of the TrainedModel CustomResourceDefinition. */
export interface TrainedModelCrdProps {
  /**
   * Labels of the CustomResourceDefinition.
   * @default - `app.kubernetes.io/part-of: cdk8s-kfserving` only
   */
  readonly labels?: { [key: string]: string };
}

/** Kubernetes resource quantity (the pattern controller-gen writes for `resource.Quantity`). */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/**
 * The `trainedmodels.serving.kserve.io` CustomResourceDefinition, written by this library rather
 * than copied from KServe: the same group, version, names, printer columns and spec/status shape as
 * KServe's `v1alpha1` (so KServe manifests and tools work unchanged), plus the checks KServe's
 * admission webhook makes (`trainedmodel_webhook.go`), as schema patterns and CEL rules because no
 * webhook runs here: the name, the storage URI schemes the model puller supports, and `memory`
 * immutable after create.
 *
 * A cluster that already runs KServe has this CRD; emit it only where KServe is not installed.
 */
export class TrainedModelCrd extends Construct {
  /** `trainedmodels.serving.kserve.io`. */
  public static readonly CRD_NAME = `${kserve.TRAINED_MODEL_PLURAL}.${kserve.SERVING_API_GROUP}`;

  /** The generated CustomResourceDefinition. */
  public readonly resource: k8s.KubeCustomResourceDefinition;

  constructor(scope: Construct, id: string, props: TrainedModelCrdProps = {}) {
    super(scope, id);
    this.resource = new k8s.KubeCustomResourceDefinition(this, 'Resource', {
      metadata: {
        name: TrainedModelCrd.CRD_NAME,
        labels: { 'app.kubernetes.io/part-of': 'cdk8s-kfserving', ...props.labels },
      },
      spec: {
        group: kserve.SERVING_API_GROUP,
        names: { kind: kserve.TRAINED_MODEL_KIND, listKind: `${kserve.TRAINED_MODEL_KIND}List`, plural: kserve.TRAINED_MODEL_PLURAL, singular: 'trainedmodel', shortNames: ['tm'] },
        scope: 'Namespaced',
        versions: [{
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'URL', type: 'string', jsonPath: '.status.url' },
            { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
            { name: 'InferenceService', type: 'string', jsonPath: '.spec.inferenceService', priority: 1 },
            { name: 'Reason', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].reason", priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openApiv3Schema: trainedModelSchema() },
        }],
      },
    });
    // CustomResourceDefinitions are cluster-scoped; cdk8s would copy the chart's namespace onto it.
    if (Chart.of(this).namespace !== undefined) this.resource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}

function trainedModelSchema(): k8s.JsonSchemaProps {
  return {
    type: 'object',
    description: 'A model loaded into the predictor replicas of a multi-model InferenceService (KServe serving.kserve.io/v1alpha1 TrainedModel).',
    xKubernetesValidations: [{
      // KServe's webhook: `[a-zA-Z0-9_-]+`; an object name is lowercase already, so this forbids dots.
      rule: "self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
      message: 'metadata.name must be lowercase letters, digits and "-", starting and ending with a letter or digit: it is the model name in inference URLs',
    }],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['inferenceService', 'model'],
        properties: {
          inferenceService: { type: 'string', minLength: 1, description: 'Name of the multi-model InferenceService (same namespace) whose predictor replicas load the model.' },
          model: {
            type: 'object',
            required: ['framework', 'memory', 'storageUri'],
            xKubernetesValidations: [{ rule: 'self.memory == oldSelf.memory', message: 'memory is immutable: delete the TrainedModel and create it again to change it' }],
            properties: {
              framework: { type: 'string', minLength: 1, description: 'The model format, e.g. onnx; the predictor runtime must serve it.' },
              memory: {
                anyOf: [{ type: 'integer' }, { type: 'string' }],
                pattern: QUANTITY_PATTERN,
                xKubernetesIntOrString: true,
                description: 'Memory the loaded model needs; admitted while the sum over the InferenceService fits in its predictor memory limit. Immutable.',
              },
              storageUri: {
                type: 'string',
                pattern: '^(s3|gs|https?)://.+',
                description: 'Where the model is stored: s3://, gs://, https:// or http:// (what a running predictor can pull).',
              },
            },
          },
        },
      },
      status: {
        type: 'object',
        properties: {
          url: { type: 'string', description: 'External inference URL of the model.' },
          address: {
            type: 'object',
            properties: { url: { type: 'string' }, name: { type: 'string' }, CACerts: { type: 'string' }, audience: { type: 'string' } },
          },
          annotations: { type: 'object', additionalProperties: { type: 'string' } },
          conditions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['status', 'type'],
              properties: {
                type: { type: 'string' },
                status: { type: 'string' },
                severity: { type: 'string' },
                reason: { type: 'string' },
                message: { type: 'string' },
                lastTransitionTime: { type: 'string' },
              },
            },
          },
          observedGeneration: { type: 'integer', format: 'int64' },
        },
      },
    },
  };
}
