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
}

export function internalHost(input: { isvcName: string; namespace: string }): string {
  return `${input.isvcName}.${input.namespace}.svc.cluster.local`;
}

export function externalHost(input: { isvcName: string; namespace: string; domain: string }): string {
  return `${input.isvcName}.${input.namespace}.${input.domain}`;
}

export function renderTopLevelVirtualService(input: TopLevelRouteInput): istio.VirtualServiceProps {
  const internal = internalHost(input);
  const external = externalHost(input);
  const localGateways = [input.localGateway, kserve.ISTIO_MESH_GATEWAY];
  // One match per authority: the in-cluster name through the local gateway and the mesh, the
  // external name through the ingress gateway. Ports are optional in Host headers.
  const authorityMatches = (uri?: istio.VirtualServiceSpecHttpMatchUri): istio.VirtualServiceSpecHttpMatch[] => [
    { authority: { regex: hostRegex(internal) }, gateways: localGateways, uri },
    { authority: { regex: hostRegex(external) }, gateways: [input.ingressGateway], uri },
  ];
  const routeTo = (backendHost: string, match: istio.VirtualServiceSpecHttpMatch[]): istio.VirtualServiceSpecHttp => ({
    match,
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

  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      hosts: [internal, external],
      gateways: [input.localGateway, kserve.ISTIO_MESH_GATEWAY, input.ingressGateway],
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

export function hostRegex(host: string): string {
  return `^${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?::\\d{1,5})?$`;
}
