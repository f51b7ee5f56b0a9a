import * as knative from '../../imports/knative-serving.knative.dev';
import * as kserve from '../_kserve';
import { ValidationError, propError } from '../_validation';
import { DeploymentMode } from '../deployment-mode';
import { KnativeRevisionRouting, renderKnativeService } from '../components/_knative-service';
import { ComponentContext } from '../components/_resolve';
import { ResolvedComponent } from '../components/_resolved';
import { rawExternalHost } from '../networking/_raw-route';
import { CanaryRollout } from './canary-rollout';
import { Endpoint } from './endpoint';
import { RawCanaryPlan, planRawCanary } from './_raw-canary';
import { checkDistinctRevisions, resolveRevisionName, templateHash } from './_revision-name';

/**
 * Per component: which revisions exist, what the Knative Service's template and traffic are, and where
 * each revision answers. Pure functions of the resolved components and the rollout.
 * @internal
 */

/** What a component is told by its InferenceService about naming and routing its revisions. */
export interface ComponentRolloutInput {
  /** The cluster's domain, for external URLs. */
  readonly domain: string;
  /** The InferenceService's rollout, if any; each component rolls out only if the rollout describes it. */
  readonly rollout?: CanaryRollout;
  /** Raw mode: whether the Kubernetes Ingress gives each component an external host. */
  readonly componentIngress?: boolean;
  /** Raw mode: whether the VirtualService takes external requests on the ingress gateway, and so routes tag hosts too. */
  readonly tagIngress?: boolean;
}

export interface ComponentRevisions {
  /** The component the Knative Service's template describes: the canary while there is one (raw mode: the stable one). */
  readonly template: ResolvedComponent;
  /** The canary, while one is rolled out (raw mode: renamed to its Deployment's name). */
  readonly canary?: ResolvedComponent;
  /** Raw mode: the canary's Deployment, Services and weights, while one is rolled out. */
  readonly rawCanary?: RawCanaryPlan;
  /** Knative mode: the template's revision name and the traffic. Raw mode has no revisions. */
  readonly routing?: KnativeRevisionRouting;
  readonly stableRevisionName?: string;
  readonly canaryRevisionName?: string;
  readonly endpoint: Endpoint;
  readonly canaryEndpoint?: Endpoint;
  readonly stableEndpoint?: Endpoint;
  readonly tagEndpoints: { [tag: string]: Endpoint };
}

/** Without a rollout: KServe's "blue-green" traffic, everything to the latest ready revision. */
const LATEST_READY: knative.ServiceSpecTraffic[] = [{ latestRevision: true, percent: 100 }];

export function resolveComponentRevisions(ctx: ComponentContext, input: ComponentRolloutInput, stable: ResolvedComponent, canary?: ResolvedComponent): ComponentRevisions {
  const { owner } = ctx;
  const kind = stable.kind;
  if (ctx.deploymentMode === DeploymentMode.RAW) return resolveRawRevisions(owner, input, stable, canary);
  const stableNamed = { prop: kind, ...nameRevision(owner, kind, stable) };
  if (!canary || !input.rollout) {
    return {
      template: stable,
      routing: { revisionName: stableNamed.revisionName, traffic: LATEST_READY },
      stableRevisionName: stableNamed.revisionName,
      endpoint: endpointOf(stable.serviceName, stable, input.domain),
      tagEndpoints: {},
    };
  }

  const rollout = input.rollout;
  const canaryNamed = { prop: `canary.${kind}`, ...nameRevision(owner, `canary.${kind}`, canary) };
  checkDistinctRevisions(owner, stableNamed, canaryNamed);

  const canaryTags = [kserve.CANARY_TAG, ...rollout.canaryTags];
  const stableTags = [kserve.STABLE_TAG, ...rollout.stableTags];
  for (const tag of [...canaryTags, ...stableTags]) checkTaggedHost(owner, canary.serviceName, kind, tag, rollout);

  const target = (revisionName: string, percent: number, tag: string): knative.ServiceSpecTraffic =>
    ({ revisionName, latestRevision: false, percent, tag });
  // Canary first, as KServe writes it; extra tags ride along at 0 % so they only add URLs.
  const traffic = [
    target(canaryNamed.revisionName, rollout.percent, kserve.CANARY_TAG),
    target(stableNamed.revisionName, 100 - rollout.percent, kserve.STABLE_TAG),
    ...rollout.canaryTags.map(tag => target(canaryNamed.revisionName, 0, tag)),
    ...rollout.stableTags.map(tag => target(stableNamed.revisionName, 0, tag)),
  ];

  const tagEndpoints: { [tag: string]: Endpoint } = {};
  for (const tag of [...canaryTags, ...stableTags]) tagEndpoints[tag] = endpointOf(kserve.taggedServiceName(tag, canary.serviceName), canary, input.domain);
  return {
    template: canary,
    canary,
    routing: { revisionName: canaryNamed.revisionName, traffic },
    stableRevisionName: stableNamed.revisionName,
    canaryRevisionName: canaryNamed.revisionName,
    endpoint: endpointOf(canary.serviceName, canary, input.domain),
    canaryEndpoint: tagEndpoints[kserve.CANARY_TAG],
    stableEndpoint: tagEndpoints[kserve.STABLE_TAG],
    tagEndpoints,
  };
}

/**
 * Raw mode: the stable Deployment and Service keep the component's name; a canary is a second track
 * (`_raw-canary.ts`) whose tags are Services of their own. With an ingress gateway, the top-level
 * VirtualService also routes each tag's external host, `<tag service>-<namespace>.<domain>` (KServe's
 * raw-mode host pattern), to that Service; the Kubernetes Ingress is refused beside a canary.
 */
function resolveRawRevisions(owner: string, input: ComponentRolloutInput, stable: ResolvedComponent, canary: ResolvedComponent | undefined): ComponentRevisions {
  const kind = stable.kind;
  const clusterLocal = (hostLabel: string): Endpoint => ({ clusterLocalUrl: `http://${hostLabel}.${stable.namespace}.svc.cluster.local` });
  if (stable.revision !== undefined) {
    throw propError(owner, `${kind}.revision`, stable.revision, 'names a Knative revision, and in raw deployment mode the stable Deployment is always named after the component',
      "remove it; in raw mode only a canary's revision id is used, to name the canary's Deployment");
  }
  if (!canary || !input.rollout) {
    // KServe's raw-mode Ingress gives each component the host `<service>-<namespace>.<domain>`.
    const external = input.componentIngress ? `http://${rawExternalHost({ name: stable.serviceName, namespace: stable.namespace, domain: input.domain })}` : undefined;
    return { template: stable, endpoint: { ...clusterLocal(stable.serviceName), url: external }, tagEndpoints: {} };
  }
  const rollout = input.rollout;
  for (const tag of [kserve.CANARY_TAG, ...rollout.canaryTags, kserve.STABLE_TAG, ...rollout.stableTags]) checkTaggedHost(owner, stable.serviceName, kind, tag, rollout);
  const plan = planRawCanary(owner, stable, canary, rollout);
  const tagEndpoints: { [tag: string]: Endpoint } = {};
  for (const service of plan.tagServices) {
    const external = input.tagIngress ? `http://${rawExternalHost({ name: service.name, namespace: stable.namespace, domain: input.domain })}` : undefined;
    tagEndpoints[service.tag] = { ...clusterLocal(service.name), url: external };
  }
  return {
    template: stable,
    canary: plan.canary,
    rawCanary: plan,
    canaryRevisionName: plan.canary.serviceName,
    endpoint: clusterLocal(stable.serviceName),
    canaryEndpoint: tagEndpoints[kserve.CANARY_TAG],
    stableEndpoint: tagEndpoints[kserve.STABLE_TAG],
    tagEndpoints,
  };
}

function nameRevision(owner: string, prop: string, component: ResolvedComponent): { revisionName: string; hash: string } {
  const hash = templateHash(renderKnativeService(component).spec!.template!);
  return { hash, revisionName: resolveRevisionName(owner, `${prop}.revision`, component.serviceName, component.revision, hash) };
}

/** Knative answers a tag at `<tag>-<service>` (its default `tag-template`; raw mode: a Service of that name); that host label must fit DNS. */
function checkTaggedHost(owner: string, serviceName: string, kind: string, tag: string, rollout: CanaryRollout): void {
  const host = kserve.taggedServiceName(tag, serviceName);
  if (host.length <= kserve.DNS_LABEL_MAX_LENGTH) return;
  const isvcName = serviceName.slice(0, -(kind.length + 1));
  if (tag === kserve.CANARY_TAG || tag === kserve.STABLE_TAG) {
    const longest = kserve.DNS_LABEL_MAX_LENGTH - (Math.max(kserve.CANARY_TAG.length, kserve.STABLE_TAG.length) + 1) - (kind.length + 1);
    throw propError(owner, 'name', isvcName, `is too long for a canary of the ${kind}: its tagged host '${host}' would be ${host.length} characters, more than ${kserve.DNS_LABEL_MAX_LENGTH}`,
      `shorten the name to at most ${longest} characters`);
  }
  const prop = rollout.canaryTags.includes(tag) ? 'canary.canaryTags' : 'canary.stableTags';
  throw new ValidationError(`${owner}: ${prop} ('${tag}') makes the tagged host '${host}' ${host.length} characters long, more than ${kserve.DNS_LABEL_MAX_LENGTH}; use a shorter tag`);
}

/** A URL pair for a host label under the component's namespace; no external URL for cluster-local components. */
function endpointOf(hostLabel: string, component: ResolvedComponent, domain: string): Endpoint {
  const clusterLocal = component.labels[kserve.LABEL_KNATIVE_VISIBILITY] === 'cluster-local';
  return {
    clusterLocalUrl: `http://${hostLabel}.${component.namespace}.svc.cluster.local`,
    url: clusterLocal ? undefined : `http://${hostLabel}.${component.namespace}.${domain}`,
  };
}

/**
 * Resolves a canary component with the InferenceService's context, so that its messages name the prop as
 * the user wrote it: `canary.predictor.minReplicas`, not `predictor.minReplicas`.
 */
export function resolveCanary<T>(ctx: ComponentContext, kind: string, resolve: (ctx: ComponentContext) => T): T {
  const stablePrefix = `${ctx.owner}: ${kind}`;
  const rename = (message: string) => (message.startsWith(stablePrefix) ? `${ctx.owner}: canary.${kind}${message.slice(stablePrefix.length)}` : message);
  try {
    return resolve({ ...ctx, warn: message => ctx.warn(rename(message)) });
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(rename(error.message));
    throw error;
  }
}
