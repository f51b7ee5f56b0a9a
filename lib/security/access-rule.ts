import * as istio from '../../imports/istio-authorizationpolicy-security.istio.io';
import { ValidationError, isDns1123Label, quote } from '../_validation';
import { ApiPath } from './api-path';

/** HTTP methods an access rule can be limited to (gRPC calls are `POST`). */
export enum HttpMethod {
  GET = 'GET',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  HEAD = 'HEAD',
  OPTIONS = 'OPTIONS',
}

/** What an access rule lets callers do. */
export interface AccessRuleOptions {
  /**
   * The paths the rule allows, e.g. `[ApiPath.PREDICT]`.
   * @default - every path
   */
  readonly paths?: ApiPath[];

  /**
   * The methods the rule allows.
   * @default - every method
   */
  readonly methods?: HttpMethod[];
}

/** Who an access rule matches. */
export enum AccessRuleCaller {
  /** Any request with a valid token from a configured JWT issuer. */
  AUTHENTICATED_USER = 'authenticated-user',
  /** Requests whose token carries given claim values. */
  JWT_CLAIMS = 'jwt-claims',
  /** Mesh workloads running as given service accounts (their mTLS identity). */
  SERVICE_ACCOUNTS = 'service-accounts',
  /** Mesh workloads in given namespaces (their mTLS identity). */
  NAMESPACES = 'namespaces',
  /** Anyone, on the given paths only. */
  ANYONE = 'anyone',
}

const CLAIM_NAME = /^[A-Za-z0-9_:.\-/]+$/;

/**
 * One ALLOW rule of an InferenceService's authorization policy: who may call which paths.
 *
 * Rules on the token (`fromAuthenticatedUsers`, `fromJwtClaims`) hold on every route to the pods: the
 * token travels through Istio's gateways and Knative's activator unchanged. Rules on the caller's mesh
 * identity (`fromServiceAccounts`, `fromNamespaces`) see the *last hop*: a request proxied by Knative's
 * activator arrives from `knative-serving`, one through the InferenceService's top-level route from the
 * gateway's namespace (knative/serving#6122, net-istio#554). They only match callers that reach the pods
 * directly; see docs/security.md.
 */
export class AccessRule {
  /** Any request that carries a valid token from one of the configured issuers. */
  public static fromAuthenticatedUsers(options: AccessRuleOptions = {}): AccessRule {
    return new AccessRule(AccessRuleCaller.AUTHENTICATED_USER, [], {}, options);
  }

  /**
   * Requests whose token has, for every listed claim, one of the listed values, e.g.
   * `{ groups: ['ml-team'], scope: ['predict'] }`.
   */
  public static fromJwtClaims(claims: { [claim: string]: string[] }, options: AccessRuleOptions = {}): AccessRule {
    const names = Object.keys(claims);
    if (names.length === 0) {
      throw new ValidationError('AccessRule.fromJwtClaims: claims ({}) is empty; name at least one claim and its accepted values, e.g. { groups: [\'ml-team\'] }');
    }
    for (const name of names) {
      if (!CLAIM_NAME.test(name)) {
        throw new ValidationError(`AccessRule.fromJwtClaims: claim (${quote(name)}) is not a claim name Istio can match; use letters, digits, "_", ":", ".", "-" and "/"`);
      }
      if (claims[name].length === 0) {
        throw new ValidationError(`AccessRule.fromJwtClaims: claim '${name}' has no values; list the values that grant access`);
      }
    }
    return new AccessRule(AccessRuleCaller.JWT_CLAIMS, [], claims, options);
  }

  /**
   * Mesh workloads running as the given service accounts, written `<namespace>/<name>`.
   */
  public static fromServiceAccounts(serviceAccounts: string[], options: AccessRuleOptions = {}): AccessRule {
    checkNonEmpty('AccessRule.fromServiceAccounts', 'serviceAccounts', serviceAccounts, "'models/batch-scorer'");
    for (const account of serviceAccounts) {
      const [namespace, name, ...rest] = account.split('/');
      if (rest.length > 0 || !namespace || !name || !isDns1123Label(namespace) || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
        throw new ValidationError(`AccessRule.fromServiceAccounts: service account (${quote(account)}) is not '<namespace>/<name>'; write e.g. 'models/batch-scorer'`);
      }
    }
    return new AccessRule(AccessRuleCaller.SERVICE_ACCOUNTS, serviceAccounts, {}, options);
  }

  /** Mesh workloads in the given namespaces. */
  public static fromNamespaces(namespaces: string[], options: AccessRuleOptions = {}): AccessRule {
    checkNonEmpty('AccessRule.fromNamespaces', 'namespaces', namespaces, "'team-a'");
    for (const namespace of namespaces) {
      if (!isDns1123Label(namespace)) {
        throw new ValidationError(`AccessRule.fromNamespaces: namespace (${quote(namespace)}) is not a namespace name; use lowercase letters, digits and "-"`);
      }
    }
    return new AccessRule(AccessRuleCaller.NAMESPACES, namespaces, {}, options);
  }

  /**
   * Anyone, on the given paths only (e.g. health checks for an external monitor). Paths are required:
   * a rule that allows anyone everything would switch authorization off.
   */
  public static fromAnyone(options: AccessRuleOptions): AccessRule {
    if (!options.paths || options.paths.length === 0) {
      throw new ValidationError('AccessRule.fromAnyone: options.paths is empty; list the paths anyone may call, e.g. [ApiPath.HEALTH] (allowing every path would switch authorization off)');
    }
    return new AccessRule(AccessRuleCaller.ANYONE, [], {}, options);
  }

  private constructor(
    /** Who the rule matches. */
    public readonly caller: AccessRuleCaller,
    /** The service accounts or namespaces, for the identity-based rules. */
    public readonly identities: string[],
    /** The claims and accepted values, for `fromJwtClaims`. */
    public readonly claims: { [claim: string]: string[] },
    /** Paths and methods. */
    public readonly options: AccessRuleOptions,
  ) {}

  /** True when the rule relies on a validated token, so it needs `security.jwt`. */
  public get needsJwt(): boolean {
    return this.caller === AccessRuleCaller.AUTHENTICATED_USER || this.caller === AccessRuleCaller.JWT_CLAIMS;
  }

  /** True when the rule matches the caller's mesh identity, which proxies (activator, gateways) replace. */
  public get matchesPeerIdentity(): boolean {
    return this.caller === AccessRuleCaller.SERVICE_ACCOUNTS || this.caller === AccessRuleCaller.NAMESPACES;
  }

  /**
   * The Istio rule. `trustDomain` builds SPIFFE principals for service accounts.
   * @internal
   */
  public _toIstio(trustDomain: string): istio.AuthorizationPolicySpecRules {
    const paths = this.options.paths?.flatMap(path => path.patterns);
    const methods = this.options.methods?.map(method => method.toString());
    const to = paths || methods ? [{ operation: { paths, methods } }] : undefined;
    switch (this.caller) {
      case AccessRuleCaller.AUTHENTICATED_USER:
        return { from: [{ source: { requestPrincipals: ['*'] } }], to };
      case AccessRuleCaller.JWT_CLAIMS:
        return {
          from: [{ source: { requestPrincipals: ['*'] } }],
          to,
          when: Object.keys(this.claims).sort().map(claim => ({ key: `request.auth.claims[${claim}]`, values: this.claims[claim] })),
        };
      case AccessRuleCaller.SERVICE_ACCOUNTS:
        return {
          from: [{ source: { principals: this.identities.map(account => `${trustDomain}/ns/${account.replace('/', '/sa/')}`) } }],
          to,
        };
      case AccessRuleCaller.NAMESPACES:
        return { from: [{ source: { namespaces: this.identities } }], to };
      case AccessRuleCaller.ANYONE:
        return { to };
    }
  }
}

function checkNonEmpty(owner: string, prop: string, values: string[], example: string): void {
  if (values.length === 0) {
    throw new ValidationError(`${owner}: ${prop} ([]) is empty; list at least one, e.g. ${example}`);
  }
}
