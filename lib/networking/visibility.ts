/** Who can reach an InferenceService (KServe's `networking.knative.dev/visibility` label). */
export enum Visibility {
  /** Reachable through the ingress gateway at `<name>.<namespace>.<domain>` and inside the cluster. */
  EXTERNAL = 'external',
  /**
   * Reachable only inside the cluster, at `<name>.<namespace>.svc.cluster.local`: every component's
   * Knative Service gets the `cluster-local` visibility label and the top-level route binds only the
   * local gateway and the mesh, as KServe does.
   */
  CLUSTER_LOCAL = 'cluster-local',
}
