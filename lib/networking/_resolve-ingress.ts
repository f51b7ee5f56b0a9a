import * as kserve from '../_kserve';
import { propError } from '../_validation';
import { DeploymentMode } from '../deployment-mode';
import { IngressOptions } from './ingress-options';
import { rawExternalHost } from './_raw-route';
import { TlsVersion } from './ingress-tls';
import { Visibility } from './visibility';

/**
 * `ingress` props checked and defaulted.
 * @internal
 */
export interface ResolvedIngress {
  readonly domain: string;
  /** Knative mode: always; raw mode: only when given (otherwise the route is mesh-only). */
  readonly ingressGateway?: string;
  /** Knative mode only. */
  readonly localGateway?: string;
  readonly localGatewayService?: string;
  /** Raw mode: emit a Kubernetes Ingress. */
  readonly kubernetesIngress: boolean;
  readonly ingressClassName?: string;
  readonly visibility: Visibility;
  /**
   * Knative: `<isvc>.<ns>.<domain>` and the additional hosts; raw: `<isvc>-<ns>.<domain>` (KServe's
   * raw-mode host); empty when cluster-local.
   */
  readonly externalHosts: string[];
  readonly pathRouting?: { readonly host: string; readonly prefix: string };
  readonly tls?: {
    readonly credentialName: string;
    readonly selector: { [key: string]: string };
    readonly httpsRedirect: boolean;
    readonly minProtocolVersion: TlsVersion;
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GATEWAY_REFERENCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const PATH_PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;

export function resolveIngress(owner: string, isvc: { name: string; namespace: string; labels?: { [key: string]: string } }, ingress: IngressOptions | undefined,
  mode: DeploymentMode): ResolvedIngress {
  const raw = mode === DeploymentMode.RAW;
  const onlyIn = (prop: keyof IngressOptions, inRaw: boolean) => {
    const value = ingress?.[prop];
    if (value !== undefined && raw !== inRaw) {
      throw inRaw
        ? propError(owner, `ingress.${prop}`, value, 'is used only in raw deployment mode', 'remove it; in Knative mode requests reach the components through Knative\'s gateways')
        : propError(owner, `ingress.${prop}`, value, 'is used only in Knative mode', 'remove it; raw deployment mode routes straight to the components\' Services');
    }
  };
  onlyIn('localGateway', false);
  onlyIn('localGatewayService', false);
  onlyIn('additionalHosts', false);
  onlyIn('pathRouting', false);
  onlyIn('tls', false);
  onlyIn('kubernetesIngress', true);
  onlyIn('ingressClassName', true);
  const domain = ingress?.domain ?? kserve.DEFAULT_DOMAIN;
  const ingressGateway = ingress?.ingressGateway ?? (raw ? undefined : kserve.KNATIVE_INGRESS_GATEWAY);
  const localGateway = raw ? undefined : ingress?.localGateway ?? kserve.KNATIVE_LOCAL_GATEWAY;
  const localGatewayService = raw ? undefined : ingress?.localGatewayService ?? kserve.KNATIVE_LOCAL_GATEWAY_SERVICE;
  if (!DNS_SUBDOMAIN.test(domain) || domain.length > 253) {
    throw propError(owner, 'ingress.domain', domain, 'is not a DNS domain', "use the cluster's Knative domain, e.g. 'models.example.com'");
  }
  for (const [prop, value] of [['ingressGateway', ingressGateway], ['localGateway', localGateway]] as const) {
    if (value !== undefined && !GATEWAY_REFERENCE.test(value)) {
      throw propError(owner, `ingress.${prop}`, value, 'is not a gateway reference', "write it as '<namespace>/<gateway-name>', e.g. 'istio-system/public-gateway'");
    }
  }
  if (localGatewayService !== undefined && !DNS_SUBDOMAIN.test(localGatewayService)) {
    throw propError(owner, 'ingress.localGatewayService', localGatewayService, 'is not a Service host name', "use '<service>.<namespace>.svc.cluster.local'");
  }
  if (raw && ingress?.kubernetesIngress === false && ingress?.ingressClassName !== undefined) {
    throw propError(owner, 'ingress.ingressClassName', ingress.ingressClassName, 'means nothing with kubernetesIngress false', 'remove ingressClassName, or let the library emit the Ingress');
  }

  const visibility = resolveVisibility(owner, ingress?.visibility, isvc.labels);
  const additionalHosts = ingress?.additionalHosts ?? [];
  for (const host of additionalHosts) {
    if (!DNS_SUBDOMAIN.test(host) || host.length > 253 || !host.includes('.')) {
      throw propError(owner, 'ingress.additionalHosts', host, 'is not a fully qualified host name', "use e.g. 'iris.ml.example.com'");
    }
  }

  if (visibility === Visibility.CLUSTER_LOCAL) {
    // Everything that only makes sense on the ingress gateway contradicts cluster-local.
    const external: [string, unknown][] = [
      ['ingress.domain', ingress?.domain],
      ['ingress.ingressGateway', ingress?.ingressGateway],
      ['ingress.kubernetesIngress', ingress?.kubernetesIngress === true ? true : undefined],
      ['ingress.ingressClassName', ingress?.ingressClassName],
      ['ingress.additionalHosts', ingress?.additionalHosts],
      ['ingress.pathRouting', ingress?.pathRouting?.host],
      ['ingress.tls', ingress?.tls?.credentialName],
    ];
    const set = external.find(([, value]) => value !== undefined);
    if (set) {
      throw propError(owner, set[0], set[1], 'sets up external access, but ingress.visibility is CLUSTER_LOCAL, so the ingress gateway never routes to this InferenceService',
        `remove ${set[0]}, or use Visibility.EXTERNAL`);
    }
  }

  let pathRouting: ResolvedIngress['pathRouting'];
  if (ingress?.pathRouting) {
    const { host } = ingress.pathRouting;
    if (!DNS_SUBDOMAIN.test(host) || !host.includes('.')) {
      throw propError(owner, 'ingress.pathRouting.host', host, 'is not a fully qualified host name', "use the shared host, e.g. 'models.example.com'");
    }
    const prefix = ingress.pathRouting.pathPrefix ?? `/serving/${isvc.namespace}/${isvc.name}`;
    if (!PATH_PREFIX.test(prefix)) {
      throw propError(owner, 'ingress.pathRouting.pathPrefix', prefix, 'is not a path prefix', "start it with '/', without a trailing '/', e.g. '/serving/models/iris'");
    }
    pathRouting = { host, prefix };
  }

  let tls: ResolvedIngress['tls'];
  if (ingress?.tls) {
    const { credentialName } = ingress.tls;
    if (credentialName.length > 253 || !DNS_SUBDOMAIN.test(credentialName)) {
      throw propError(owner, 'ingress.tls.credentialName', credentialName, 'is not a Secret name', 'use the name of the TLS Secret in the gateway\'s namespace, e.g. \'iris-tls\'');
    }
    const selector = ingress.tls.gatewaySelector ?? { istio: 'ingressgateway' };
    if (Object.keys(selector).length === 0) {
      throw propError(owner, 'ingress.tls.gatewaySelector', {}, 'is empty, so the Gateway would apply to every gateway pod in the mesh', "select your ingress gateway's pods, e.g. { istio: 'ingressgateway' }");
    }
    tls = {
      credentialName,
      selector,
      httpsRedirect: ingress.tls.httpsRedirect ?? true,
      minProtocolVersion: ingress.tls.minProtocolVersion ?? TlsVersion.TLS_1_2,
    };
  }

  const clusterLocal = visibility === Visibility.CLUSTER_LOCAL;
  const ingressClassName = raw && !clusterLocal && (ingress?.kubernetesIngress ?? true) ? ingress?.ingressClassName ?? kserve.DEFAULT_INGRESS_CLASS : undefined;
  if (ingressClassName !== undefined && (ingressClassName.length > 253 || !DNS_SUBDOMAIN.test(ingressClassName))) {
    throw propError(owner, 'ingress.ingressClassName', ingressClassName, 'is not an IngressClass name', "use the name of an IngressClass in the cluster, e.g. 'istio' or 'nginx'");
  }
  const externalHosts = clusterLocal ? []
    : raw ? [rawExternalHost({ name: isvc.name, namespace: isvc.namespace, domain })]
      : [...new Set([`${isvc.name}.${isvc.namespace}.${domain}`, ...additionalHosts])];
  return {
    domain,
    // Cluster-local: no ingress gateway (raw mode binds the mesh only; Knative mode keeps the default for the route input).
    ingressGateway: raw && clusterLocal ? undefined : ingressGateway,
    localGateway,
    localGatewayService,
    kubernetesIngress: raw && !clusterLocal && (ingress?.kubernetesIngress ?? true),
    ingressClassName,
    visibility,
    externalHosts,
    pathRouting,
    tls,
  };
}

/** KServe users mark cluster-local services with Knative's label; honour it, but not against the prop. */
function resolveVisibility(owner: string, visibility: Visibility | undefined, labels: { [key: string]: string } | undefined): Visibility {
  const label = labels?.[kserve.LABEL_KNATIVE_VISIBILITY];
  if (label !== undefined && label !== kserve.VISIBILITY_CLUSTER_LOCAL) {
    throw propError(owner, `labels[${kserve.LABEL_KNATIVE_VISIBILITY}]`, label, 'is not a Knative visibility', `use '${kserve.VISIBILITY_CLUSTER_LOCAL}', or ingress.visibility`);
  }
  if (label !== undefined && visibility === Visibility.EXTERNAL) {
    throw propError(owner, 'ingress.visibility', visibility, `contradicts the label ${kserve.LABEL_KNATIVE_VISIBILITY}: ${label}`, 'remove the label, or use Visibility.CLUSTER_LOCAL');
  }
  return visibility ?? (label !== undefined ? Visibility.CLUSTER_LOCAL : Visibility.EXTERNAL);
}
