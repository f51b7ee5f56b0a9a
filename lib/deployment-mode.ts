/**
 * How an InferenceService runs (KServe's `serving.kserve.io/deploymentMode`). The same props work in
 * both; props that mean nothing in the chosen mode fail synth with a message saying so.
 */
export enum DeploymentMode {
  /** Knative Services (KServe "Serverless"): revisions, scale to and from zero, request-based autoscaling. */
  KNATIVE = 'Knative',
  /**
   * Plain Deployments and Services with a HorizontalPodAutoscaler or KEDA ScaledObject (KServe
   * "Standard", formerly "RawDeployment"): no Knative needed, no queue-proxy in the request path.
   */
  RAW = 'Standard',
}
