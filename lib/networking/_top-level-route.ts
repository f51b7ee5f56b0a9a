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
  const routeTo = (backendHost: string, match: istio.VirtualServiceSpecHttpMatch[], rewrite?: istio.VirtualServiceSpecHttpRewrite): istio.VirtualServiceSpecHttp => ({
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

  const http: istio.VirtualServiceSpecHttp[] = [];
  if (input.explainerHost) {
    http.push(routeTo(input.explainerHost, authorityMatches({ regex: kserve.EXPLAIN_PATH_REGEX })));
  }
  http.push(routeTo(input.defaultBackendHost, authorityMatches()));

  // KServe's pathTemplate routes (`ingress_reconciler.go`): the explain path keeps its `/v1/models/...`
  // tail, everything else under the prefix is rewritten to `/`.
  const path = input.pathRouting;
  if (path) {
    const authority = { regex: hostRegex(path.host) };
    if (input.explainerHost) {
      const explain = `^${escapeRegex(path.prefix)}(${kserve.EXPLAIN_PATH_REGEX.slice(1, -1)})$`;
      http.push(routeTo(input.explainerHost, [{ authority, gateways: externalGateways, uri: { regex: explain } }],
        { uriRegexRewrite: { match: explain, rewrite: '\\1' } }));
    }
    http.push(routeTo(input.defaultBackendHost, [
      { authority, gateways: externalGateways, uri: { prefix: `${path.prefix}/` } },
      { authority, gateways: externalGateways, uri: { exact: path.prefix } },
    ], { uri: '/' }));
  }

  const clusterLocal = input.externalHosts.length === 0;
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      hosts: [...new Set([internal, ...input.externalHosts, ...(path ? [path.host] : [])])],
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

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function hostRegex(host: string): string {
  return `^${escapeRegex(host)}(?::\\d{1,5})?$`;
}
