/**
 * How requests reach an InferenceService from outside the cluster and from inside the mesh. The
 * defaults match a default Knative + Istio install and KServe's `ingress` configuration.
 */
export interface IngressOptions {
  /**
   * The cluster's Knative domain (`config-domain`); the external host is `<isvc>.<namespace>.<domain>`.
   * @default 'example.com'
   */
  readonly domain?: string;

  /**
   * Istio gateway for external traffic, as `<namespace>/<name>`.
   * @default 'knative-serving/knative-ingress-gateway'
   */
  readonly ingressGateway?: string;

  /**
   * Istio gateway for cluster-local traffic, as `<namespace>/<name>`.
   * @default 'knative-serving/knative-local-gateway'
   */
  readonly localGateway?: string;

  /**
   * The Kubernetes Service behind the local gateway, which the route forwards to so Knative can split
   * traffic between revisions.
   * @default 'knative-local-gateway.istio-system.svc.cluster.local'
   */
  readonly localGatewayService?: string;
}
