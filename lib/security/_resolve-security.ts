import * as kserve from '../_kserve';
import { isDns1123Label, propError } from '../_validation';
import { AccessRule, AccessRuleCaller } from './access-rule';
import { JwtIssuer } from './jwt';
import { MeshMode } from './mesh-mode';
import { MutualTlsMode } from './mutual-tls-mode';
import { SecurityOptions } from './security-options';

/**
 * `security` props checked and defaulted: what the mesh policies are rendered from.
 * @internal
 */
export interface ResolvedSecurity {
  readonly mesh: MeshMode;
  readonly mutualTls: MutualTlsMode;
  readonly destinationRule: boolean;
  readonly jwtRules: ResolvedJwtRule[];
  readonly jwtRequired: boolean;
  /** Istio path patterns that need no token. */
  readonly publicPaths: string[];
  /** ALLOW rules; present only with denyByDefault. */
  readonly allowRules?: AccessRule[];
  readonly gatewayNamespace: string;
  readonly knativeNamespace: string;
  readonly trustDomain: string;
}

/** @internal */
export interface ResolvedJwtRule {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly jwks?: string;
  readonly audiences?: string[];
  readonly fromHeaders?: { name: string; prefix?: string }[];
  readonly fromCookies?: string[];
  readonly forwardOriginalToken: boolean;
}

/** What the rules depend on elsewhere in the InferenceService. @internal */
export interface SecurityContextInfo {
  readonly owner: string;
  /** A transformer or explainer calls the predictor and must pass the caller's token on. */
  readonly forwardsToPredictor: boolean;
  readonly warn: (message: string) => void;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function resolveSecurity(info: SecurityContextInfo, options: SecurityOptions | undefined): ResolvedSecurity {
  const { owner } = info;
  const mesh = options?.mesh ?? MeshMode.NONE;
  if (mesh === MeshMode.NONE) {
    // Everything below is enforced by the sidecar; without one it would be silently ignored.
    const meshOnly: [string, unknown][] = [
      ['security.mutualTls', options?.mutualTls],
      ['security.destinationRule', options?.destinationRule],
      ['security.jwt', options?.jwt],
      ['security.publicPaths', options?.publicPaths],
      ['security.authorization', options?.authorization],
    ];
    const set = meshOnly.find(([, value]) => value !== undefined);
    if (set) {
      throw propError(owner, 'security.mesh', mesh, `cannot enforce ${set[0]}: Istio applies it in each pod's sidecar, and without one it is silently ignored`,
        'set security.mesh to MeshMode.ISTIO_SIDECAR');
    }
  }

  const gatewayNamespace = checkNamespace(owner, 'security.gatewayNamespace', options?.gatewayNamespace ?? kserve.ISTIO_SYSTEM_NAMESPACE);
  const knativeNamespace = checkNamespace(owner, 'security.knativeNamespace', options?.knativeNamespace ?? kserve.KNATIVE_SERVING_NAMESPACE);
  const trustDomain = options?.trustDomain ?? 'cluster.local';
  if (!TRUST_DOMAIN.test(trustDomain)) {
    throw propError(owner, 'security.trustDomain', trustDomain, 'is not a trust domain', "use the mesh's trust domain, e.g. 'cluster.local'");
  }

  const jwtRules = (options?.jwt?.issuers ?? []).map((issuer, index) => resolveJwtIssuer(info, `security.jwt.issuers[${index}]`, issuer));
  if (options?.jwt && jwtRules.length === 0) {
    throw propError(owner, 'security.jwt.issuers', [], 'is empty', 'list at least one issuer, e.g. { issuer: \'https://accounts.example.com\', jwksUri: \'https://accounts.example.com/.well-known/jwks.json\' }');
  }

  const authorization = options?.authorization;
  const allow = authorization?.allow ?? [];
  let allowRules: AccessRule[] | undefined;
  if (authorization?.denyByDefault) {
    if (allow.length === 0) {
      throw propError(owner, 'security.authorization.allow', [], 'is empty while denyByDefault is true, so only Knative\'s probes and metrics scrapes would reach the pods',
        'add an allow rule, e.g. AccessRule.fromAuthenticatedUsers({ paths: [ApiPath.PREDICT] })');
    }
    allowRules = allow;
  } else if (allow.length > 0) {
    throw propError(owner, 'security.authorization.denyByDefault', false,
      `is off, but allow has ${allow.length} rule${allow.length === 1 ? '' : 's'}, and an Istio ALLOW policy denies every request it does not match`,
      'set denyByDefault: true to say so, or remove the allow rules');
  }
  allow.forEach((rule, index) => {
    if (rule.needsJwt && jwtRules.length === 0) {
      throw propError(owner, `security.authorization.allow[${index}]`, rule.caller, 'matches on a validated token, but security.jwt is not set, so no token is ever validated',
        'configure security.jwt with the issuer of the tokens');
    }
    if (rule.matchesPeerIdentity) {
      const what = rule.caller === AccessRuleCaller.NAMESPACES ? 'namespace' : 'service account';
      info.warn(`${owner}: security.authorization.allow[${index}] matches the caller's ${what}, but requests proxied by Knative's activator arrive from '${knativeNamespace}' `
        + `and requests through the top-level route from '${gatewayNamespace}'; it only matches callers that reach the pods directly (minReplicas ≥ 1 and `
        + "autoscaling.knative.dev/target-burst-capacity: '0' keep the activator off the path), see docs/security.md");
    }
  });

  return {
    mesh,
    mutualTls: options?.mutualTls ?? MutualTlsMode.STRICT,
    destinationRule: options?.destinationRule ?? false,
    jwtRules,
    jwtRequired: jwtRules.length > 0 && (options?.jwt?.required ?? true),
    publicPaths: (options?.publicPaths ?? []).flatMap(path => path.patterns),
    allowRules,
    gatewayNamespace,
    knativeNamespace,
    trustDomain,
  };
}

function resolveJwtIssuer(info: SecurityContextInfo, prop: string, issuer: JwtIssuer): ResolvedJwtRule {
  const { owner } = info;
  if (issuer.issuer.trim().length === 0) {
    throw propError(owner, `${prop}.issuer`, issuer.issuer, 'is empty', "use the tokens' iss claim, e.g. 'https://accounts.example.com'");
  }
  if ((issuer.jwksUri === undefined) === (issuer.jwks === undefined)) {
    throw propError(owner, prop, issuer.issuer, `sets ${issuer.jwksUri === undefined ? 'neither' : 'both'} of jwksUri and jwks`,
      'set exactly one: jwksUri for keys Istio fetches, or jwks for an inline key set');
  }
  if (issuer.jwksUri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(issuer.jwksUri);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:') {
      throw propError(owner, `${prop}.jwksUri`, issuer.jwksUri, 'is not an https:// URL, so the signing keys could be tampered with in transit',
        "serve the key set over HTTPS, e.g. 'https://accounts.example.com/.well-known/jwks.json'");
    }
  }
  if (issuer.jwks !== undefined) {
    let keys: unknown;
    try {
      keys = (JSON.parse(issuer.jwks) as { keys?: unknown }).keys;
    } catch {
      keys = undefined;
    }
    if (!Array.isArray(keys) || keys.length === 0) {
      throw propError(owner, `${prop}.jwks`, `${issuer.jwks.slice(0, 40)}${issuer.jwks.length > 40 ? '…' : ''}`, 'is not a JSON Web Key Set',
        'give the JSON document {"keys": [...]} with at least one key');
    }
  }
  for (const header of issuer.fromHeaders ?? []) {
    if (!HEADER_NAME.test(header.name)) {
      throw propError(owner, `${prop}.fromHeaders`, header.name, 'is not an HTTP header name', "use e.g. 'Authorization' or 'x-jwt-assertion'");
    }
  }
  return {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    jwks: issuer.jwks,
    audiences: issuer.audiences,
    fromHeaders: issuer.fromHeaders?.map(header => ({ name: header.name, prefix: header.prefix })),
    fromCookies: issuer.fromCookies,
    forwardOriginalToken: issuer.forwardOriginalToken ?? info.forwardsToPredictor,
  };
}

function checkNamespace(owner: string, prop: string, namespace: string): string {
  if (!isDns1123Label(namespace)) {
    throw propError(owner, prop, namespace, 'is not a namespace name', 'use lowercase letters, digits and "-"');
  }
  return namespace;
}
