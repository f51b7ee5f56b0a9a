import { IngressTls } from './ingress-tls';
import { PathRouting } from './path-routing';
import { Visibility } from './visibility';

/**
 * How requests reach an InferenceService from outside the cluster and from inside the mesh. The
 * defaults match a default Knative + Istio install and KServe's `ingress` configuration; in raw
 * deployment mode, KServe's raw-mode defaults (a Kubernetes Ingress of class `istio`).
 */
export interface IngressOptions {
  /**
   * The cluster's domain. Knative mode: Knative's `config-domain`, external host
   * `<isvc>.<namespace>.<domain>`. Raw mode: KServe's `ingressDomain`, host `<isvc>-<namespace>.<domain>`.
   * @default 'example.com'
   */
  readonly domain?: string;

  /**
   * Istio gateway for external traffic, as `<namespace>/<name>`. In raw mode the top-level
   * VirtualService binds it only when you set it.
   * @default - 'knative-serving/knative-ingress-gateway' in Knative mode; none in raw mode (mesh only)
   */
  readonly ingressGateway?: string;

  /**
   * Istio gateway for cluster-local traffic, as `<namespace>/<name>`. Knative mode only.
   * @default 'knative-serving/knative-local-gateway'
   */
  readonly localGateway?: string;

  /**
   * The Kubernetes Service behind the local gateway, which the route forwards to so Knative can split
   * traffic between revisions. Knative mode only.
   * @default 'knative-local-gateway.istio-system.svc.cluster.local'
   */
  readonly localGatewayService?: string;

  /**
   * Raw mode: also emit a Kubernetes Ingress named after the InferenceService, with KServe's hosts
   * (`<isvc>-<namespace>.<domain>` and one per component). Knative mode only routes through Istio.
   * @default - true in raw mode
   */
  readonly kubernetesIngress?: boolean;

  /**
   * Raw mode: the Ingress class of the Kubernetes Ingress.
   * @default 'istio' (KServe's `ingressClassName`)
   */
  readonly ingressClassName?: string;

  /**
   * Who can reach the InferenceService. In raw mode, cluster-local means no Kubernetes Ingress and no
   * ingress gateway (KServe's `networking.kserve.io/visibility: cluster-local`).
   * @default Visibility.EXTERNAL (or CLUSTER_LOCAL when `labels` carries `networking.knative.dev/visibility: cluster-local`, as in KServe)
   */
  readonly visibility?: Visibility;

  /**
   * More external host names for the top-level route (a custom domain), e.g. `iris.ml.example.com`;
   * point their DNS at the ingress gateway. Knative mode only.
   * @default - only `<name>.<namespace>.<domain>`
   */
  readonly additionalHosts?: string[];

  /**
   * Path-based routing on a shared host, beside the host-based routes. Knative mode only.
   * @default - host-based routing only
   */
  readonly pathRouting?: PathRouting;

  /**
   * TLS termination at an Istio gateway for the external hosts. Knative mode only.
   * @default - plain HTTP through `ingressGateway` (TLS as configured on that gateway)
   */
  readonly tls?: IngressTls;
}
