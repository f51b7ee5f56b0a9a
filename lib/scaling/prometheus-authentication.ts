import { ISecret } from 'cdk8s-plus-27';
import { ValidationError, quote } from '../_validation';

/** How KEDA's Prometheus scaler authenticates (its `authModes` metadata). */
export enum PrometheusAuthMode {
  /** `Authorization: Bearer <token>`. */
  BEARER = 'bearer',
  /** HTTP basic authentication. */
  BASIC = 'basic',
  /** Client certificate. */
  TLS = 'tls',
  /** A custom header. */
  CUSTOM = 'custom',
}

/**
 * Credentials for a Prometheus-backed trigger. The library writes a KEDA `TriggerAuthentication` that
 * reads them from a Secret (so they never appear in the ScaledObject), or refers to one you manage.
 */
export class PrometheusAuthentication {
  /** A bearer token in `secret` under `tokenKey`. */
  public static bearer(secret: ISecret, tokenKey: string): PrometheusAuthentication {
    return new PrometheusAuthentication(PrometheusAuthMode.BEARER, [{ parameter: 'bearerToken', secretName: secret.name, key: checkKey(tokenKey) }]);
  }

  /** A user name and password in `secret` under `usernameKey` and `passwordKey`. */
  public static basic(secret: ISecret, usernameKey: string, passwordKey: string): PrometheusAuthentication {
    return new PrometheusAuthentication(PrometheusAuthMode.BASIC, [
      { parameter: 'username', secretName: secret.name, key: checkKey(usernameKey) },
      { parameter: 'password', secretName: secret.name, key: checkKey(passwordKey) },
    ]);
  }

  /** A `TriggerAuthentication` you manage yourself, in the component's namespace. */
  public static fromTriggerAuthenticationName(name: string, mode: PrometheusAuthMode): PrometheusAuthentication {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw new ValidationError(`PrometheusAuthentication.fromTriggerAuthenticationName: name (${quote(name)}) is not a Kubernetes object name; use lowercase letters, digits, "-" and "."`);
    }
    return new PrometheusAuthentication(mode, [], name);
  }

  private constructor(
    /** The `authModes` value. */
    public readonly mode: PrometheusAuthMode,
    /** Secret keys the library's TriggerAuthentication maps to KEDA parameters. @internal */
    public readonly _secretRefs: { parameter: string; secretName: string; key: string }[],
    /** The TriggerAuthentication to refer to when it is not created by the library. */
    public readonly existingName?: string,
  ) {}
}

function checkKey(key: string): string {
  if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) {
    throw new ValidationError(`PrometheusAuthentication: key (${quote(key)}) is not a Secret key; use letters, digits, "-", "_" and "."`);
  }
  return key;
}
