/**
 * How an InferenceService runs (KServe's `serving.kserve.io/deploymentMode`).
 *
 * Only Knative ("Serverless") is available today; raw Deployments ("Standard") come with the
 * autoscaling work and will keep the same props.
 */
export enum DeploymentMode {
  /** Knative Services: revisions, scale to and from zero, request-based autoscaling. */
  KNATIVE = 'Knative',
}
