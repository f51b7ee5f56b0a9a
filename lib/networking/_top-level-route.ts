import { k8s } from 'cdk8s-plus-27';
import * as kserve from '../_kserve';
import * as istio from '../../imports/istio-virtualservice-networking.istio.io';

/**
 * The InferenceService's own address, `<isvc>.<namespace>`, as KServe builds it: an Istio
 * VirtualService that matches the InferenceService's hosts and forwards to Knative's local gateway with
 * the chosen component's host, and an ExternalName Service so the in-cluster name resolves.
 * @internal
 */
export interface TopLevelRouteInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly domain: string;
  readonly ingressGateway: string;
  readonly localGateway: string;
  readonly localGatewayService: string;
  readonly labels: { [key: string]: string };
  /** Host of the component that takes predict traffic: the transformer when there is one, else the predictor. */
  readonly defaultBackendHost: string;
  /** Host of the explainer, when there is one. */
  readonly explainerHost?: string;
  /** External hosts (`<isvc>.<ns>.<domain>` and any additional ones); empty when cluster-local. */
  readonly externalHosts: string[];
  /** The gateway external hosts are bound to: the ingress gateway, or the InferenceService's TLS gateway. */
  readonly externalGateway: string;
  /** Path-based routing on a shared host. */
  readonly pathRouting?: { readonly host: string; readonly prefix: string };
  /** Routing beyond percentages for the component that takes predict traffic, while it has a canary. */
  readonly defaultBackendCanary?: CanaryRouteInput;
  /** Routing beyond percentages for the explainer, while it has a canary. */
  readonly explainerCanary?: CanaryRouteInput;
}

/** Header conditions that must all hold: one alternative of a match. */
export type HeaderConditions = { [header: string]: istio.VirtualServiceSpecHttpMatchHeaders };

/**
 * How requests reach the revisions of a component with a canary: by percentage, by header (any
 * alternative), or as mirrored copies. Knative mode addresses revisions by their Knative tag hosts and
 * leaves the percentage to Knative; raw mode addresses the two tracks' Services and weighs them itself.
 */
export interface CanaryRouteInput {
  /** Cluster-local host of the canary, e.g. `latest-iris-predictor.models.svc.cluster.local` (raw: `iris-predictor-v2.…`). */
  readonly canaryHost: string;
  /** Cluster-local host of the stable revision, e.g. `prev-iris-predictor.models.svc.cluster.local` (raw: `iris-predictor.…`). */
  readonly stableHost: string;
  /** Share of requests to the canary (raw mode's route weights; Knative splits it in the Knative Service). */
  readonly percent: number;
  readonly canaryWhen: HeaderConditions[];
  readonly stableWhen: HeaderConditions[];
  /** Percentage of requests to copy to the canary. */
  readonly mirrorPercent?: number;
}

export function internalHost(input: { isvcName: string; namespace: string }): string {
  return `${input.isvcName}.${input.namespace}.svc.cluster.local`;
}

export function externalHost(input: { isvcName: string; namespace: string; domain: string }): string {
  return `${input.isvcName}.${input.namespace}.${input.domain}`;
}

export function renderTopLevelVirtualService(input: TopLevelRouteInput): istio.VirtualServiceProps {
  const internal = internalHost(input);
  const localGateways = [input.localGateway, kserve.ISTIO_MESH_GATEWAY];
  const externalGateways = [input.externalGateway];
  // One match per authority: the in-cluster name through the local gateway and the mesh, each external
  // name through the external gateway (none when cluster-local). Ports are optional in Host headers.
  const authorityMatches = (uri?: istio.VirtualServiceSpecHttpMatchUri): istio.VirtualServiceSpecHttpMatch[] => [
    { authority: { regex: hostRegex(internal) }, gateways: localGateways, uri },
    ...input.externalHosts.map(host => ({ authority: { regex: hostRegex(host) }, gateways: externalGateways, uri })),
  ];
  const routeTo = (backendHost: string, match: istio.VirtualServiceSpecHttpMatch[], rewrite?: istio.VirtualServiceSpecHttpRewrite, name?: string): istio.VirtualServiceSpecHttp => ({
    name,
    match,
    rewrite,
    headers: {
      request: {
        set: {
          Host: backendHost,
          [kserve.HEADER_ISVC_NAME]: input.isvcName,
          [kserve.HEADER_ISVC_NAMESPACE]: input.namespace,
        },
      },
    },
    route: [{ destination: { host: input.localGatewayService, port: { number: 80 } }, weight: 100 }],
  });

  /**
   * The rules for one kind of request (`matches`) to one component: with a canary, its header rules come
   * first, stable pins before canary conditions so that an explicit "stay on stable" wins, each match
   * repeated per alternative (Istio ORs matches and ANDs the conditions within one). They go to the
   * revisions' tag hosts, which Knative serves on its local gateway like the component's own host.
   */
  const rulesFor = (backendHost: string, matches: istio.VirtualServiceSpecHttpMatch[], canary: CanaryRouteInput | undefined,
    rules: { rewrite?: istio.VirtualServiceSpecHttpRewrite; name: string; mirror: boolean }): istio.VirtualServiceSpecHttp[] => {
    const withHeaders = (alternatives: HeaderConditions[]) => alternatives.flatMap(headers => matches.map(match => ({ ...match, headers })));
    const named = (suffix: string) => (rules.name ? `${rules.name}-${suffix}` : suffix);
    const own = routeTo(backendHost, matches, rules.rewrite);
    return [
      ...canary && canary.stableWhen.length > 0 ? [routeTo(canary.stableHost, withHeaders(canary.stableWhen), rules.rewrite, named('stable-when'))] : [],
      ...canary && canary.canaryWhen.length > 0 ? [routeTo(canary.canaryHost, withHeaders(canary.canaryWhen), rules.rewrite, named('canary-when'))] : [],
      // Istio mirrors after the route's header changes and appends "-shadow" to the Host, so the copy
      // reaches Knative's local gateway as `<backend host>-shadow`, where the rule at the end picks it up.
      rules.mirror && canary?.mirrorPercent !== undefined
        ? { ...own, mirror: { host: input.localGatewayService, port: { number: 80 } }, mirrorPercentage: { value: canary.mirrorPercent } }
        : own,
    ];
  };

  const http: istio.VirtualServiceSpecHttp[] = [];
  if (input.explainerHost) {
    http.push(...rulesFor(input.explainerHost, authorityMatches({ regex: kserve.EXPLAIN_PATH_REGEX }), input.explainerCanary, { name: 'explain', mirror: false }));
  }
  http.push(...rulesFor(input.defaultBackendHost, authorityMatches(), input.defaultBackendCanary, { name: '', mirror: true }));

  // KServe's pathTemplate routes (`ingress_reconciler.go`): the explain path keeps its `/v1/models/...`
  // tail, everything else under the prefix is rewritten to `/`. Canary rules apply here as well.
  const path = input.pathRouting;
  if (path) {
    const authority = { regex: hostRegex(path.host) };
    if (input.explainerHost) {
      const explain = `^${escapeRegex(path.prefix)}(${kserve.EXPLAIN_PATH_REGEX.slice(1, -1)})$`;
      http.push(...rulesFor(input.explainerHost, [{ authority, gateways: externalGateways, uri: { regex: explain } }], input.explainerCanary,
        { rewrite: { uriRegexRewrite: { match: explain, rewrite: '\\1' } }, name: 'path-explain', mirror: false }));
    }
    http.push(...rulesFor(input.defaultBackendHost, [
      { authority, gateways: externalGateways, uri: { prefix: `${path.prefix}/` } },
      { authority, gateways: externalGateways, uri: { exact: path.prefix } },
    ], input.defaultBackendCanary, { rewrite: { uri: '/' }, name: 'path', mirror: true }));
  }

  // Mirrored copies arrive at the local gateway as `<backend host>-shadow`: match that host there only,
  // and re-target the copy to the canary's tag host. Istio discards the response.
  const mirror = input.defaultBackendCanary?.mirrorPercent !== undefined ? input.defaultBackendCanary : undefined;
  const shadowHost = `${input.defaultBackendHost}${ISTIO_SHADOW_SUFFIX}`;
  if (mirror) {
    http.push(routeTo(mirror.canaryHost, [{ authority: { regex: hostRegex(shadowHost) }, gateways: [input.localGateway] }], undefined, 'mirror-to-canary'));
  }

  const clusterLocal = input.externalHosts.length === 0;
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      hosts: [...new Set([internal, ...input.externalHosts, ...(path ? [path.host] : []), ...(mirror ? [shadowHost] : [])])],
      gateways: clusterLocal ? localGateways : [...localGateways, input.externalGateway],
      http,
    },
  };
}

export function renderExternalNameService(input: TopLevelRouteInput): k8s.KubeServiceProps {
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      type: 'ExternalName',
      externalName: input.localGatewayService,
      sessionAffinity: 'None',
    },
  };
}

/** What Istio (Envoy) appends to the Host of a mirrored request. */
const ISTIO_SHADOW_SUFFIX = '-shadow';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function hostRegex(host: string): string {
  return `^${escapeRegex(host)}(?::\\d{1,5})?$`;
}
