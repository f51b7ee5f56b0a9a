import { AccessRule } from './access-rule';
import { JwtOptions } from './jwt';
import { MeshMode } from './mesh-mode';
import { MutualTlsMode } from './mutual-tls-mode';
import { ApiPath } from './api-path';

/** Who may call the InferenceService's pods. */
export interface AuthorizationOptions {
  /**
   * Deny every request that no `allow` rule matches. Knative's system traffic keeps working: the
   * activator's and net-istio's probes (`/healthz`), the autoscaler's and Prometheus' metrics scrapes
   * and queue-proxy's drain hook are always allowed (see docs/security.md for the full table).
   * @default false
   */
  readonly denyByDefault?: boolean;

  /**
   * The requests to allow; used with `denyByDefault`.
   * @default []
   */
  readonly allow?: AccessRule[];
}

/**
 * Mesh security for an InferenceService: mTLS, JWT authentication and authorization, enforced by the
 * Istio sidecar of every pod of the InferenceService (selected by `serving.kserve.io/inferenceservice`).
 */
export interface SecurityOptions {
  /**
   * Whether the pods join the Istio mesh. Everything else here needs `MeshMode.ISTIO_SIDECAR`.
   * @default MeshMode.NONE
   */
  readonly mesh?: MeshMode;

  /**
   * mTLS mode of the pods (an Istio `PeerAuthentication`). STRICT keeps queue-proxy's admin and metrics
   * ports (8022, 9090, 9091) PERMISSIVE so the kubelet's drain hook, Knative's autoscaler and Prometheus
   * still reach them without a sidecar. STRICT also needs Knative's activator in the mesh
   * (`kubectl label namespace knative-serving istio-injection=enabled`), as Knative's guide says.
   * @default MutualTlsMode.STRICT
   */
  readonly mutualTls?: MutualTlsMode;

  /**
   * Also emit a `DestinationRule` that tells mesh clients the matching TLS mode (`ISTIO_MUTUAL`, or
   * `DISABLE` for `MutualTlsMode.DISABLE`). Istio's auto mTLS does this by itself unless the mesh turned
   * it off. Knative names a Service per revision, so the rule's host is the namespace's
   * `*.<namespace>.svc.cluster.local`: it applies to every Service in the namespace.
   * @default false
   */
  readonly destinationRule?: boolean;

  /**
   * JWT authentication (an Istio `RequestAuthentication`, plus a DENY policy for requests without a
   * token unless `jwt.required` is false).
   * @default - no JWT authentication
   */
  readonly jwt?: JwtOptions;

  /**
   * Paths that need no token even when `jwt.required` is true, e.g. `[ApiPath.HEALTH]`.
   * @default - none beyond Knative's probe and metrics paths
   */
  readonly publicPaths?: ApiPath[];

  /**
   * Authorization: deny by default with explicit allow rules.
   * @default - no authorization policy beyond the JWT requirement
   */
  readonly authorization?: AuthorizationOptions;

  /**
   * Namespace of Istio's gateways (ingress and Knative's local gateway), whose probes are allowed.
   * @default 'istio-system'
   */
  readonly gatewayNamespace?: string;

  /**
   * Namespace of Knative Serving (activator, autoscaler).
   * @default 'knative-serving'
   */
  readonly knativeNamespace?: string;

  /**
   * The mesh's trust domain, for service-account principals.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}
