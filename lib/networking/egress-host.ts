import { ValidationError, quote } from '../_validation';

/** How the pods talk to an egress host. */
export enum EgressProtocol {
  /** TLS originated by the application (HTTPS, gRPC over TLS). */
  TLS = 'TLS',
  /** Plaintext HTTP/1.1 or HTTP/2 (including plaintext gRPC, e.g. OTLP to an in-cluster collector). */
  HTTP = 'HTTP',
}

const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IN_CLUSTER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;

/**
 * A host the InferenceService's pods may call. In-cluster Services are recognised by their
 * `<service>.<namespace>.svc[.cluster.local]` name and allowed by namespace; anything else is external
 * and gets an Istio `ServiceEntry`.
 */
export class EgressHost {
  /** A host reached over TLS, e.g. `EgressHost.https('api.example.com')`. */
  public static https(host: string, port: number = 443): EgressHost {
    return new EgressHost('EgressHost.https', host, port, EgressProtocol.TLS);
  }

  /** A host reached over plaintext HTTP (in-cluster stores such as MinIO, collectors). */
  public static http(host: string, port: number = 80): EgressHost {
    return new EgressHost('EgressHost.http', host, port, EgressProtocol.HTTP);
  }

  /** The host of an `http://` or `https://` URL, with its port (80/443 unless the URL says otherwise). */
  public static fromUrl(url: string): EgressHost {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError(`EgressHost.fromUrl: url (${quote(url)}) is not a URL; write it as https://host[:port]`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new ValidationError(`EgressHost.fromUrl: url (${quote(url)}) is not http:// or https://; use EgressHost.https or EgressHost.http for other protocols`);
    }
    const tls = parsed.protocol === 'https:';
    const port = parsed.port ? Number(parsed.port) : tls ? 443 : 80;
    return new EgressHost('EgressHost.fromUrl', parsed.hostname, port, tls ? EgressProtocol.TLS : EgressProtocol.HTTP);
  }

  /** The Service's namespace for an in-cluster host, undefined for an external one. */
  public readonly namespace?: string;

  private constructor(owner: string, public readonly host: string, public readonly port: number, public readonly protocol: EgressProtocol) {
    if (host.length > 253 || !HOST.test(host)) {
      throw new ValidationError(`${owner}: host (${quote(host)}) is not a DNS name; write a host name such as 'storage.googleapis.com', without scheme, port or path`);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ValidationError(`${owner}: port (${port}) is not a TCP port; use a whole number from 1 to 65535`);
    }
    this.namespace = IN_CLUSTER.exec(host)?.[2];
  }

  /** True when the host is a Service inside the cluster. */
  public get inCluster(): boolean {
    return this.namespace !== undefined;
  }

  /** `host:port`. */
  public toString(): string {
    return `${this.host}:${this.port}`;
  }
}
