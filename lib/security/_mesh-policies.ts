import * as authz from '../../imports/istio-authorizationpolicy-security.istio.io';
import * as dr from '../../imports/istio-destinationrule-networking.istio.io';
import * as pa from '../../imports/istio-peerauthentication-security.istio.io';
import * as ra from '../../imports/istio-requestauthentication-security.istio.io';
import * as kserve from '../_kserve';
import { MutualTlsMode } from './mutual-tls-mode';
import { ResolvedSecurity } from './_resolve-security';

/**
 * Pure renderers for the Istio policies of one InferenceService. Every policy selects the InferenceService's
 * pods by KServe's `serving.kserve.io/inferenceservice` label, so it covers predictor, transformer and
 * explainer, and nothing else in the namespace.
 * @internal
 */
export interface MeshPolicyInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly security: ResolvedSecurity;
  /**
   * Ports that only serve metrics: queue-proxy's 9090 (Knative's autoscaler) and 9091 (request
   * metrics), plus the application metrics ports when Prometheus scrapes them directly.
   */
  readonly metricsPorts: number[];
  /** Knative mode: queue-proxy, the activator and net-istio's probes are in the picture (raw mode has none of them). */
  readonly knative: boolean;
}

/** queue-proxy's admin port; the kubelet calls `/wait-for-drain` there from the node, without a sidecar. */
const QUEUE_PROXY_ADMIN_PORT = 8022;
const WAIT_FOR_DRAIN_PATH = '/wait-for-drain';

function metadata(input: MeshPolicyInput, name: string) {
  return { name, namespace: input.namespace, labels: input.labels };
}

function selector(input: MeshPolicyInput): { matchLabels: { [key: string]: string } } {
  return { matchLabels: { [kserve.LABEL_INFERENCE_SERVICE]: input.isvcName } };
}

/** Ports that keep accepting plaintext under STRICT, so callers without a sidecar still reach them. */
export function permissivePorts(input: MeshPolicyInput): number[] {
  return [...new Set([...(input.knative ? [QUEUE_PROXY_ADMIN_PORT] : []), ...input.metricsPorts])].sort((a, b) => a - b);
}

/**
 * STRICT (by default) with port-level PERMISSIVE exceptions for the ports Knative's and Prometheus'
 * sidecar-less callers use: the kubelet's preStop drain (8022), the autoscaler's scrape (9090),
 * Prometheus (9091 and direct application scrapes). Istio treats the keys as container ports.
 */
export function renderPeerAuthentication(input: MeshPolicyInput): pa.PeerAuthenticationProps {
  const mode = input.security.mutualTls;
  const portLevelMtls: { [port: string]: pa.PeerAuthenticationSpecPortLevelMtls } = {};
  if (mode === MutualTlsMode.STRICT) {
    for (const port of permissivePorts(input)) portLevelMtls[String(port)] = { mode: pa.PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE };
  }
  return {
    metadata: metadata(input, input.isvcName),
    spec: {
      selector: selector(input),
      mtls: { mode: mode as string as pa.PeerAuthenticationSpecMtlsMode },
      portLevelMtls: Object.keys(portLevelMtls).length > 0 ? portLevelMtls : undefined,
    },
  };
}

/**
 * The client side of the same choice. Knative creates one Kubernetes Service per revision (names not
 * known at synth), so the host is the namespace wildcard.
 */
export function renderDestinationRule(input: MeshPolicyInput): dr.DestinationRuleProps {
  const mode = input.security.mutualTls === MutualTlsMode.DISABLE
    ? dr.DestinationRuleSpecTrafficPolicyTlsMode.DISABLE
    : dr.DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL;
  return {
    metadata: metadata(input, input.isvcName),
    spec: {
      host: `*.${input.namespace}.svc.cluster.local`,
      trafficPolicy: { tls: { mode } },
    },
  };
}

export function renderRequestAuthentication(input: MeshPolicyInput): ra.RequestAuthenticationProps {
  return {
    metadata: metadata(input, input.isvcName),
    spec: {
      selector: selector(input),
      jwtRules: input.security.jwtRules.map(rule => ({
        issuer: rule.issuer,
        jwksUri: rule.jwksUri,
        jwks: rule.jwks,
        audiences: rule.audiences,
        fromHeaders: rule.fromHeaders,
        fromCookies: rule.fromCookies,
        forwardOriginalToken: rule.forwardOriginalToken,
      })),
    },
  };
}

/** Ports whose traffic is metrics or the drain hook, never inference. */
function systemPorts(input: MeshPolicyInput): string[] {
  return permissivePorts(input).map(String);
}

/**
 * `RequestAuthentication` rejects bad tokens but lets requests without one through; this DENY policy
 * closes that (Istio's recommended pattern: DENY with `notRequestPrincipals: ["*"]`). Two exceptions:
 * Knative's probe and metrics paths from the Knative and gateway namespaces (the activator, autoscaler
 * and net-istio probe without tokens), and the metrics/drain ports. DENY is evaluated before any ALLOW
 * policy, so the token stays required whatever the allow rules say.
 */
export function renderJwtRequirement(input: MeshPolicyInput): authz.AuthorizationPolicyProps {
  const { security } = input;
  const system = input.knative ? [...kserve.KNATIVE_SYSTEM_PATHS] : [];
  const notPaths = [...system, ...security.publicPaths];
  const notPorts = systemPorts(input);
  const rules: authz.AuthorizationPolicySpecRules[] = [{
    from: [{ source: { notRequestPrincipals: ['*'] } }],
    to: notPaths.length > 0 || notPorts.length > 0
      ? [{ operation: { notPaths: notPaths.length > 0 ? notPaths : undefined, notPorts: notPorts.length > 0 ? notPorts : undefined } }]
      : undefined,
  }];
  if (input.knative) {
    rules.push({
      from: [{ source: { notRequestPrincipals: ['*'], notNamespaces: [security.knativeNamespace, security.gatewayNamespace] } }],
      to: [{ operation: { paths: system, notPorts: notPorts.length > 0 ? notPorts : undefined } }],
    });
  }
  return {
    metadata: metadata(input, `${input.isvcName}-require-jwt`),
    spec: { selector: selector(input), action: authz.AuthorizationPolicySpecAction.DENY, rules },
  };
}

/**
 * Deny by default: only the user's rules and Knative's own traffic. The activator's and net-istio's
 * probes come from the Knative and gateway namespaces (mTLS identities); the autoscaler's and
 * Prometheus' scrapes may be plaintext on the PERMISSIVE ports, where there is no identity to check, so
 * those ports are allowed by port. They serve metrics only. Raw mode has no Knative traffic; only the
 * metrics ports scraped directly are added.
 */
export function renderAllowPolicy(input: MeshPolicyInput): authz.AuthorizationPolicyProps {
  const { security } = input;
  const systemRules: authz.AuthorizationPolicySpecRules[] = input.knative ? [
    { from: [{ source: { namespaces: [security.knativeNamespace] } }], to: [{ operation: { paths: [...kserve.KNATIVE_SYSTEM_PATHS] } }] },
    { from: [{ source: { namespaces: [security.gatewayNamespace] } }], to: [{ operation: { paths: [kserve.KNATIVE_PROBE_PATH] } }] },
    { to: [{ operation: { ports: [String(QUEUE_PROXY_ADMIN_PORT)], paths: [WAIT_FOR_DRAIN_PATH] } }] },
  ] : [];
  if (input.metricsPorts.length > 0) systemRules.push({ to: [{ operation: { ports: input.metricsPorts.map(String) } }] });
  return {
    metadata: metadata(input, `${input.isvcName}-allow`),
    spec: {
      selector: selector(input),
      action: authz.AuthorizationPolicySpecAction.ALLOW,
      rules: [...(security.allowRules ?? []).map(rule => rule._toIstio(security.trustDomain)), ...systemRules],
    },
  };
}
