import * as kserve from '../_kserve';
import { propError } from '../_validation';
import { PodSecurity, SeccompProfile } from '../security/pod-security';
import { KnativeFeatureFlag, featureFlagWarning } from '../warnings';
import type { ComponentContext } from './_resolve';
import { ComponentKind, ResolvedSecurityContext } from './_resolved';

/**
 * Turns `podSecurity` into container securityContexts: Pod Security Standards "restricted" unless the
 * user overrides a field, with a warning for every override that leaves the profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
 * @internal
 */
export interface ResolvedPodSecurity {
  readonly container: ResolvedSecurityContext;
  readonly initContainer: ResolvedSecurityContext;
  readonly automountServiceAccountToken: boolean;
}

export function resolvePodSecurity(ctx: ComponentContext, kind: ComponentKind, security: PodSecurity | undefined): ResolvedPodSecurity {
  const prop = `${kind}.podSecurity`;
  for (const field of ['runAsUser', 'runAsGroup'] as const) {
    const value = security?.[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 2147483647)) {
      throw propError(ctx.owner, `${prop}.${field}`, value, 'is not a valid ID', 'use a whole number from 0 to 2147483647');
    }
  }
  const runAsNonRoot = security?.runAsNonRoot ?? true;
  if (runAsNonRoot && security?.runAsUser === 0) {
    throw propError(ctx.owner, `${prop}.runAsUser`, 0, 'is root, but runAsNonRoot is true', 'use a non-zero UID, or set runAsNonRoot: false (which leaves the "restricted" profile)');
  }
  const seccomp = security?.seccompProfile ?? SeccompProfile.RUNTIME_DEFAULT;
  // cdk8s-plus spells capabilities `CAP_…`; Kubernetes (and the "restricted" check, which allows exactly
  // `NET_BIND_SERVICE`) expects them without the prefix.
  const add = security?.addCapabilities?.map(capability => capability.toString().replace(/^CAP_/, ''));

  const leaves = (what: string) => ctx.warn(`${ctx.owner}: ${prop}.${what} leaves the Pod Security Standards "restricted" profile; a namespace that enforces it rejects the ${kind} pods`);
  if (!runAsNonRoot) leaves('runAsNonRoot (false)');
  if (security?.runAsUser === 0) leaves('runAsUser (0)');
  if (security?.allowPrivilegeEscalation === true) leaves('allowPrivilegeEscalation (true)');
  if (seccomp === SeccompProfile.UNCONFINED) leaves("seccompProfile ('Unconfined')");
  const extraCapabilities = (add ?? []).filter(capability => capability !== 'NET_BIND_SERVICE');
  if (extraCapabilities.length > 0) {
    leaves(`addCapabilities (${extraCapabilities.join(', ')})`);
    ctx.warn(featureFlagWarning(ctx.owner, `${prop}.addCapabilities (${extraCapabilities.join(', ')})`, KnativeFeatureFlag.ADD_CAPABILITIES));
  }

  const container: ResolvedSecurityContext = {
    runAsNonRoot,
    runAsUser: security?.runAsUser,
    runAsGroup: security?.runAsGroup,
    allowPrivilegeEscalation: security?.allowPrivilegeEscalation ?? false,
    readOnlyRootFilesystem: security?.readOnlyRootFilesystem ?? true,
    capabilities: { add: add && add.length > 0 ? add : undefined, drop: ['ALL'] },
    seccompProfile: { type: seccomp.type, localhostProfile: seccomp.localhostProfile },
  };
  // With an Istio sidecar, init containers run before the proxy is up while iptables already redirects
  // their traffic to it, so a download would fail. Running as the proxy's UID is excluded from the
  // redirect; KServe does the same for its storage-initializer (`SetIstioCniSecurityContext`).
  const initContainer: ResolvedSecurityContext = ctx.podWiring?.istioSidecar
    ? { ...container, runAsUser: kserve.ISTIO_PROXY_UID, runAsGroup: security?.runAsGroup ?? kserve.ISTIO_PROXY_UID }
    : container;
  return { container, initContainer, automountServiceAccountToken: security?.automountServiceAccountToken ?? false };
}

/**
 * A resolved securityContext as the manifests spell it, in Kubernetes field order. Plain data, so it
 * fits both the Knative Service's and the Deployment's container types.
 */
export function renderSecurityContext(security: ResolvedSecurityContext) {
  return {
    runAsNonRoot: security.runAsNonRoot,
    runAsUser: security.runAsUser,
    runAsGroup: security.runAsGroup,
    allowPrivilegeEscalation: security.allowPrivilegeEscalation,
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
    capabilities: { add: security.capabilities.add, drop: security.capabilities.drop },
    seccompProfile: { type: security.seccompProfile.type, localhostProfile: security.seccompProfile.localhostProfile },
  };
}
