/** Minimum TLS versions an Istio gateway can require. */
export enum TlsVersion {
  TLS_1_2 = 'TLSV1_2',
  TLS_1_3 = 'TLSV1_3',
}

/**
 * TLS termination for the InferenceService's external hosts at an Istio ingress gateway: the library
 * emits a `Gateway` named after the InferenceService (HTTPS on 443 with the certificate, HTTP on 80
 * redirecting to HTTPS) and binds the external hosts of the top-level route to it.
 */
export interface IngressTls {
  /**
   * The Kubernetes TLS Secret (`tls.crt`, `tls.key`) with the certificate. Istio reads it from the
   * namespace of the gateway *workload* (`istio-system` for the default ingress gateway), not of the
   * Gateway resource; cert-manager's `Certificate` should write it there.
   */
  readonly credentialName: string;

  /**
   * Labels of the gateway pods that serve the hosts.
   * @default { istio: 'ingressgateway' } (Istio's default ingress gateway, which Knative uses too)
   */
  readonly gatewaySelector?: { [key: string]: string };

  /**
   * Redirect plain HTTP on port 80 to HTTPS.
   * @default true
   */
  readonly httpsRedirect?: boolean;

  /**
   * The oldest TLS version accepted.
   * @default TlsVersion.TLS_1_2
   */
  readonly minProtocolVersion?: TlsVersion;
}
