import * as gw from '../../imports/istio-gateway-networking.istio.io';
import { TlsVersion } from './ingress-tls';

/** @internal */
export interface TlsGatewayInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly hosts: string[];
  readonly credentialName: string;
  readonly selector: { [key: string]: string };
  readonly httpsRedirect: boolean;
  readonly minProtocolVersion: TlsVersion;
}

/**
 * An Istio Gateway that terminates TLS for the InferenceService's external hosts with the given
 * certificate Secret, and (by default) answers plain HTTP with a redirect to HTTPS.
 * @internal
 */
export function renderTlsGateway(input: TlsGatewayInput): gw.GatewayProps {
  const servers: gw.GatewaySpecServers[] = [{
    port: { number: 443, name: 'https', protocol: 'HTTPS' },
    hosts: input.hosts,
    tls: {
      mode: gw.GatewaySpecServersTlsMode.SIMPLE,
      credentialName: input.credentialName,
      minProtocolVersion: input.minProtocolVersion as string as gw.GatewaySpecServersTlsMinProtocolVersion,
    },
  }];
  if (input.httpsRedirect) {
    servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: input.hosts, tls: { httpsRedirect: true } });
  }
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: { selector: input.selector, servers },
  };
}
