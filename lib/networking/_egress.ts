import { k8s } from 'cdk8s-plus-27';
import * as se from '../../imports/istio-serviceentry-networking.istio.io';
import * as sidecar from '../../imports/istio-sidecar-networking.istio.io';
import * as kserve from '../_kserve';
import { propError } from '../_validation';
import { StorageScheme, StorageUri } from '../model/storage-uri';
import { EgressHost, EgressProtocol } from './egress-host';
import { EgressOptions } from './egress-options';

/**
 * Egress control for one InferenceService: which hosts its pods may call, derived from the props, and
 * the Istio Sidecar, ServiceEntries and NetworkPolicy that enforce it. Pure functions.
 * @internal
 */
export interface EgressInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  /** Every host the pods may call beyond the fixed set, deduplicated and sorted. */
  readonly hosts: EgressHost[];
  readonly meshSidecar: boolean;
  readonly networkPolicy: boolean;
  readonly externalCidrs: string[];
  readonly gatewayNamespace: string;
  /** Knative's namespace (activator, autoscaler), in Knative mode; raw mode has no Knative traffic. */
  readonly knativeNamespace?: string;
  /** Prometheus' namespace and the ports it scrapes, when scraping is on. */
  readonly monitoring?: { readonly namespace: string; readonly ports: number[] };
}

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/**
 * The hosts a model download talks to. AWS SDKs call the bucket's virtual-hosted endpoint (or the
 * path-style one), regional when a region is configured, and STS to exchange a workload-identity token
 * (EKS IRSA); GCS clients call storage.googleapis.com and oauth2.googleapis.com for service-account keys.
 */
export function storageHosts(owner: string, uri: StorageUri, options: EgressOptions): EgressHost[] {
  switch (uri.scheme) {
    case StorageScheme.S3: {
      if (options.s3Endpoint !== undefined) return [EgressHost.fromUrl(options.s3Endpoint)];
      const hosts = ['s3.amazonaws.com', `${uri.bucket}.s3.amazonaws.com`, 'sts.amazonaws.com'];
      if (options.awsRegion !== undefined) {
        hosts.push(`s3.${options.awsRegion}.amazonaws.com`, `${uri.bucket}.s3.${options.awsRegion}.amazonaws.com`, `sts.${options.awsRegion}.amazonaws.com`);
      }
      // Bucket names may contain dots, which make valid DNS names; anything else was rejected by StorageUri.
      return hosts.map(host => EgressHost.https(host));
    }
    case StorageScheme.GCS:
      return [EgressHost.https('storage.googleapis.com'), EgressHost.https('oauth2.googleapis.com')];
    case StorageScheme.HTTPS:
    case StorageScheme.HTTP:
      return [EgressHost.fromUrl(uri.uri)];
    case StorageScheme.PVC:
    case StorageScheme.FILE:
      return [];
  }
  throw propError(owner, 'storageUri', uri.uri, 'has a scheme egress control does not know', 'allow its host with egress.allowHosts');
}

export function checkEgressOptions(owner: string, options: EgressOptions): void {
  if (options.awsRegion !== undefined && !AWS_REGION.test(options.awsRegion)) {
    throw propError(owner, 'egress.awsRegion', options.awsRegion, 'is not an AWS region', "use e.g. 'eu-west-1'");
  }
  for (const cidr of options.externalCidrs ?? []) {
    if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr) && !/^[0-9a-f:]+\/\d{1,3}$/i.test(cidr)) {
      throw propError(owner, 'egress.externalCidrs', cidr, 'is not a CIDR', "write it as e.g. '52.216.0.0/15'");
    }
  }
  if (options.externalCidrs !== undefined && options.externalCidrs.length === 0) {
    throw propError(owner, 'egress.externalCidrs', [], 'is empty, so the NetworkPolicy would block every external host the model store needs', "leave it unset for ['0.0.0.0/0'], or list the store's ranges");
  }
}

/** Deduplicated by host, port and protocol; sorted so output is stable. */
export function uniqueHosts(hosts: EgressHost[]): EgressHost[] {
  const byKey = new Map<string, EgressHost>();
  for (const host of hosts) byKey.set(`${host.host}:${host.port}:${host.protocol}`, host);
  return [...byKey.values()].sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
}

function metadata(input: EgressInput, name: string) {
  return { name, namespace: input.namespace, labels: input.labels };
}

const selectorLabels = (input: EgressInput) => ({ [kserve.LABEL_INFERENCE_SERVICE]: input.isvcName });

/**
 * Registry-only egress for the pods' sidecars: the own namespace (other components, ServiceEntries
 * below), Knative (the activator, for calls between components) and Istio's namespace (istiod, the
 * local gateway behind `<isvc>-predictor.<ns>`), plus in-cluster stores by exact host.
 */
export function renderSidecar(input: EgressInput): sidecar.SidecarProps {
  const inCluster = input.hosts.filter(host => host.inCluster && host.namespace !== input.namespace).map(host => `${host.namespace}/${host.host}`);
  return {
    metadata: metadata(input, input.isvcName),
    spec: {
      workloadSelector: { labels: selectorLabels(input) },
      egress: [{ hosts: [...new Set(['./*', `${input.gatewayNamespace}/*`, ...(input.knativeNamespace ? [`${input.knativeNamespace}/*`] : []), ...inCluster])] }],
      outboundTrafficPolicy: { mode: sidecar.SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
    },
  };
}

/** One ServiceEntry per external port and protocol, visible only in the InferenceService's namespace (named, not '.', which YAML 1.1 parsers read as a number). */
export function renderServiceEntries(input: EgressInput): { id: string; props: se.ServiceEntryProps }[] {
  const groups = new Map<string, EgressHost[]>();
  for (const host of input.hosts.filter(h => !h.inCluster)) {
    const key = `${host.protocol === EgressProtocol.TLS ? 'tls' : 'http'}-${host.port}`;
    groups.set(key, [...groups.get(key) ?? [], host]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, hosts]) => ({
    id: `ServiceEntry-${key}`,
    props: {
      metadata: metadata(input, `${input.isvcName}-egress-${key}`),
      spec: {
        hosts: hosts.map(host => host.host),
        ports: [{ number: hosts[0].port, name: key, protocol: hosts[0].protocol }],
        location: se.ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        resolution: se.ServiceEntrySpecResolution.DNS,
        exportTo: [input.namespace],
      },
    },
  }));
}

const namespacePeer = (namespace: string): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
});
const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

/**
 * Ingress only from Knative (activator, autoscaler), Istio's gateways, the own namespace and, on the
 * metrics ports, Prometheus; egress only to DNS, those namespaces and the derived hosts. The kubelet's
 * probes are not affected: NetworkPolicy always allows traffic from the pod's node.
 */
export function renderNetworkPolicy(input: EgressInput): k8s.KubeNetworkPolicyProps {
  const systemPeers = [...(input.knativeNamespace ? [namespacePeer(input.knativeNamespace)] : []), namespacePeer(input.gatewayNamespace), { podSelector: {} }];
  const ingress: k8s.NetworkPolicyIngressRule[] = [{ from: systemPeers }];
  if (input.monitoring) {
    ingress.push({ from: [namespacePeer(input.monitoring.namespace)], ports: input.monitoring.ports.map(tcp) });
  }
  const egress: k8s.NetworkPolicyEgressRule[] = [
    // DNS wherever the cluster runs it (kube-dns, NodeLocal DNSCache on a link-local address).
    { ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }] },
    { to: systemPeers },
  ];
  const inClusterByNamespace = new Map<string, number[]>();
  for (const host of input.hosts.filter(h => h.inCluster && h.namespace !== input.namespace)) {
    inClusterByNamespace.set(host.namespace!, [...inClusterByNamespace.get(host.namespace!) ?? [], host.port]);
  }
  for (const [namespace, ports] of [...inClusterByNamespace.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    egress.push({ to: [namespacePeer(namespace)], ports: [...new Set(ports)].sort((a, b) => a - b).map(tcp) });
  }
  const externalPorts = [...new Set(input.hosts.filter(h => !h.inCluster).map(h => h.port))].sort((a, b) => a - b);
  if (externalPorts.length > 0) {
    egress.push({ to: input.externalCidrs.map(cidr => ({ ipBlock: { cidr } })), ports: externalPorts.map(tcp) });
  }
  return {
    metadata: metadata(input, input.isvcName),
    spec: {
      podSelector: { matchLabels: selectorLabels(input) },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    },
  };
}

/** Everything the egress objects are built from, gathered from the InferenceService's props. */
export function egressInput(owner: string, input: {
  isvcName: string;
  namespace: string;
  labels: { [key: string]: string };
  options: EgressOptions;
  meshSidecar: boolean;
  knative: boolean;
  security: { gatewayNamespace: string; knativeNamespace: string };
  storageUris: StorageUri[];
  tracingCollector?: EgressHost;
  /** http(s) URLs the model server calls itself (request logger sink, OTLP endpoint). */
  runtimeEndpoints?: string[];
  scrapePorts?: number[];
}): EgressInput {
  const { options } = input;
  checkEgressOptions(owner, options);
  const monitoringNamespace = options.monitoringNamespace ?? 'monitoring';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(monitoringNamespace)) {
    throw propError(owner, 'egress.monitoringNamespace', monitoringNamespace, 'is not a namespace name', 'use lowercase letters, digits and "-"');
  }
  return {
    isvcName: input.isvcName,
    namespace: input.namespace,
    labels: input.labels,
    hosts: uniqueHosts([
      ...input.storageUris.flatMap(uri => storageHosts(owner, uri, options)),
      ...(input.tracingCollector ? [input.tracingCollector] : []),
      ...(input.runtimeEndpoints ?? []).map(url => EgressHost.fromUrl(url)),
      ...options.allowHosts ?? [],
    ]),
    meshSidecar: input.meshSidecar,
    networkPolicy: options.networkPolicy ?? true,
    externalCidrs: options.externalCidrs ?? ['0.0.0.0/0'],
    gatewayNamespace: input.security.gatewayNamespace,
    knativeNamespace: input.knative ? input.security.knativeNamespace : undefined,
    monitoring: input.scrapePorts ? { namespace: monitoringNamespace, ports: [...new Set(input.scrapePorts)].sort((a, b) => a - b) } : undefined,
  };
}
