/**
 * Where a component, or one of its revisions, answers: the in-cluster URL and, unless the component is
 * cluster-local, the external one. Read these from the constructs to wire other workloads, dashboards or
 * smoke tests to the exact revision they need.
 */
export interface Endpoint {
  /**
   * In-cluster URL, e.g. `http://latest-iris-predictor.models.svc.cluster.local`.
   */
  readonly clusterLocalUrl: string;

  /**
   * External URL through the cluster's Knative domain, e.g. `http://latest-iris-predictor.models.example.com`.
   * @default - none: the component is reachable only inside the cluster (label `networking.knative.dev/visibility: cluster-local`;
   * in raw mode: cluster-local, or no ingress gateway for a tag, or a component's split address)
   */
  readonly url?: string;
}
