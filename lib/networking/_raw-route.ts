import { k8s } from 'cdk8s-plus-27';
import * as kserve from '../_kserve';
import * as istio from '../../imports/istio-virtualservice-networking.istio.io';
import { CanaryRouteInput, HeaderConditions, hostRegex, internalHost } from './_top-level-route';

/**
 * Raw deployment mode's top-level routing. There is no Knative local gateway to hand requests to, so
 * the VirtualService `<isvc>` routes straight to the components' Services (port 80): inside the mesh
 * for `<isvc>.<namespace>.svc.cluster.local`, and through the ingress gateway when one is given. A
 * Kubernetes Ingress `<isvc>` gives KServe's raw-mode hosts (`<isvc>-<namespace>.<domain>` and one per
 * component), and an ExternalName Service makes the in-cluster name resolve without a mesh too.
 * @internal
 */
export interface RawBackend {
  /** The component's Service name, e.g. `iris-predictor`. */
  readonly serviceName: string;
  /** Route timeout in seconds. */
  readonly timeoutSeconds?: number;
  /** While the component has a canary: the two tracks' Service hosts, the weights and the header and mirror rules. */
  readonly canary?: CanaryRouteInput;
}

export interface RawRouteInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly domain: string;
  /** Istio gateway for external traffic; none means the mesh only. */
  readonly ingressGateway?: string;
  readonly ingressClassName?: string;
  readonly labels: { [key: string]: string };
  /** Takes predict traffic: the transformer when there is one, else the predictor. */
  readonly defaultBackend: RawBackend;
  readonly explainer?: RawBackend;
  /** Every component, predictor first, for the per-component Ingress hosts. */
  readonly components: RawBackend[];
  /** A canary's tag Services; with an ingress gateway, each gets its external host `<tag service>-<namespace>.<domain>`. */
  readonly tagBackends: RawBackend[];
}

/** KServe's raw-mode host (`domainTemplate` default `{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}`). */
export function rawExternalHost(input: { name: string; namespace: string; domain: string }): string {
  return `${input.name}-${input.namespace}.${input.domain}`;
}

function serviceHost(input: RawRouteInput, backend: RawBackend): string {
  return `${backend.serviceName}.${input.namespace}.svc.cluster.local`;
}

/** The canary's weight first, as Knative lists its traffic; the weights sum to 100. */
export function weightedRoute(canary: { canaryHost: string; stableHost: string; percent: number }): istio.VirtualServiceSpecHttpRoute[] {
  return [
    { destination: destination(canary.canaryHost), weight: canary.percent },
    { destination: destination(canary.stableHost), weight: 100 - canary.percent },
  ];
}

function destination(host: string): istio.VirtualServiceSpecHttpRouteDestination {
  return { host, port: { number: kserve.RAW_SERVICE_PORT } };
}

export function renderRawVirtualService(input: RawRouteInput): istio.VirtualServiceProps {
  const internal = internalHost(input);
  const external = rawExternalHost({ name: input.isvcName, namespace: input.namespace, domain: input.domain });
  const authorityMatches = (uri?: istio.VirtualServiceSpecHttpMatchUri): istio.VirtualServiceSpecHttpMatch[] => [
    { authority: { regex: hostRegex(internal) }, gateways: [kserve.ISTIO_MESH_GATEWAY], uri },
    ...input.ingressGateway ? [{ authority: { regex: hostRegex(external) }, gateways: [input.ingressGateway], uri }] : [],
  ];
  const rule = (backend: RawBackend, match: istio.VirtualServiceSpecHttpMatch[], route: istio.VirtualServiceSpecHttpRoute[], name?: string): istio.VirtualServiceSpecHttp => ({
    name,
    match,
    headers: { request: { set: { [kserve.HEADER_ISVC_NAME]: input.isvcName, [kserve.HEADER_ISVC_NAMESPACE]: input.namespace } } },
    route,
    timeout: backend.timeoutSeconds === undefined ? undefined : `${backend.timeoutSeconds}s`,
  });

  /**
   * The rules for one kind of request to one component, in the order Knative mode writes them: stable pins,
   * then canary conditions (one match per alternative and authority), then the weighted split, which
   * carries the mirror. Istio mirrors straight to the canary's Service and discards the copy's response.
   */
  const rulesFor = (backend: RawBackend, matches: istio.VirtualServiceSpecHttpMatch[], rules: { name: string; mirror: boolean }): istio.VirtualServiceSpecHttp[] => {
    const canary = backend.canary;
    if (!canary) return [rule(backend, matches, [{ destination: destination(serviceHost(input, backend)), weight: 100 }])];
    const withHeaders = (alternatives: HeaderConditions[]) => alternatives.flatMap(headers => matches.map(match => ({ ...match, headers })));
    const named = (suffix: string) => (rules.name ? `${rules.name}-${suffix}` : suffix);
    const split = rule(backend, matches, weightedRoute(canary));
    return [
      ...canary.stableWhen.length > 0 ? [rule(backend, withHeaders(canary.stableWhen), [{ destination: destination(canary.stableHost), weight: 100 }], named('stable-when'))] : [],
      ...canary.canaryWhen.length > 0 ? [rule(backend, withHeaders(canary.canaryWhen), [{ destination: destination(canary.canaryHost), weight: 100 }], named('canary-when'))] : [],
      rules.mirror && canary.mirrorPercent !== undefined
        ? { ...split, mirror: destination(canary.canaryHost), mirrorPercentage: { value: canary.mirrorPercent } }
        : split,
    ];
  };
  const http: istio.VirtualServiceSpecHttp[] = [];
  if (input.explainer) http.push(...rulesFor(input.explainer, authorityMatches({ regex: kserve.EXPLAIN_PATH_REGEX }), { name: 'explain', mirror: false }));
  http.push(...rulesFor(input.defaultBackend, authorityMatches(), { name: '', mirror: true }));
  // Tag hosts reach one track each, from outside only: inside the cluster the tag Services answer themselves.
  const gateway = input.ingressGateway;
  const tags = gateway ? input.tagBackends.map(backend => ({ backend, host: rawExternalHost({ name: backend.serviceName, namespace: input.namespace, domain: input.domain }) })) : [];
  for (const { backend, host } of tags) {
    http.push(rule(backend, [{ authority: { regex: hostRegex(host) }, gateways: [gateway!] }], [{ destination: destination(serviceHost(input, backend)), weight: 100 }], backend.serviceName));
  }
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      hosts: input.ingressGateway ? [internal, external, ...tags.map(tag => tag.host)] : [internal],
      gateways: input.ingressGateway ? [kserve.ISTIO_MESH_GATEWAY, input.ingressGateway] : [kserve.ISTIO_MESH_GATEWAY],
      http,
    },
  };
}

export function renderRawExternalNameService(input: RawRouteInput): k8s.KubeServiceProps {
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: { type: 'ExternalName', externalName: serviceHost(input, input.defaultBackend), sessionAffinity: 'None' },
  };
}

/** KServe's raw-mode Ingress (`kube_ingress_reconciler.go`): the top-level host, then one host per component. */
export function renderRawIngress(input: RawRouteInput): k8s.KubeIngressProps {
  const rule = (host: string, backend: RawBackend): k8s.IngressRule => ({
    host,
    http: {
      paths: [{
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: backend.serviceName, port: { number: kserve.RAW_SERVICE_PORT } } },
      }],
    },
  });
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      ingressClassName: input.ingressClassName,
      rules: [
        rule(rawExternalHost({ name: input.isvcName, namespace: input.namespace, domain: input.domain }), input.defaultBackend),
        ...input.components.map(c => rule(rawExternalHost({ name: c.serviceName, namespace: input.namespace, domain: input.domain }), c)),
      ],
    },
  };
}
