import { randomBytes } from 'node:crypto';

/** Who a request is made as: what an authenticator would report, and what RBAC subjects match. */
export interface KubeIdentity {
  /** User name, e.g. `alice` or `system:serviceaccount:models:model-controller`. */
  readonly user: string;
  /** @default - none besides `system:authenticated`, which the API server adds itself */
  readonly groups?: readonly string[];
}

/** An identity with the static bearer token the API server knows it by. */
export interface StaticTokenIdentity extends KubeIdentity {
  readonly token: string;
}

/** The identity Kubernetes gives a ServiceAccount's tokens (RoleBinding subjects of kind ServiceAccount match it). */
export function serviceAccountIdentity(namespace: string, name: string): KubeIdentity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
}

export function withNewToken(identity: KubeIdentity): StaticTokenIdentity {
  return { ...identity, token: randomBytes(24).toString('hex') };
}

/**
 * The `--token-auth-file` CSV: `token,user,uid,"group1,group2"`. The API server reads it once at
 * start, which is why identities are declared when the cluster starts.
 */
export function renderTokenAuthFile(identities: readonly StaticTokenIdentity[]): string {
  return identities.map((identity, index) => {
    for (const value of [identity.user, ...(identity.groups ?? [])]) {
      if (/[",\n]/.test(value)) throw new Error(`identity ${JSON.stringify(value)}: user and group names cannot contain quotes, commas or newlines in a token file`);
    }
    const groups = identity.groups && identity.groups.length > 0 ? `,"${identity.groups.join(',')}"` : '';
    return `${identity.token},${identity.user},uid-${index + 1}${groups}\n`;
  }).join('');
}
