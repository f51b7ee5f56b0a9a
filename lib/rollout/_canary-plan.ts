import * as kserve from '../_kserve';
import { ValidationError, propError } from '../_validation';
import { Predictor } from '../components/predictor';
import { ServingComponent } from '../components/serving-component';
import { ComponentKind } from '../components/_resolved';
import { DeploymentMode } from '../deployment-mode';
import { CanaryRouteInput, HeaderConditions } from '../networking/_top-level-route';
import { CanaryRollout } from './canary-rollout';
import { RequestMatch } from './request-match';

/**
 * The InferenceService-level rules of a canary rollout, and the routes it adds to the top-level
 * VirtualService. Per-component naming and traffic live in `_component-revisions.ts`.
 * @internal
 */

/** What the checks need to know about the InferenceService. */
export interface CanaryHost {
  readonly owner: string;
  readonly deploymentMode: DeploymentMode;
  readonly hasTransformer: boolean;
  readonly hasExplainer: boolean;
  /** Raw mode: whether a Kubernetes Ingress is emitted (external, unless turned off). */
  readonly kubernetesIngress: boolean;
}

/** Rules that need only the props: run before any component is built. */
export function checkCanary(isvc: CanaryHost, canary: CanaryRollout): void {
  const { owner } = isvc;
  // Istio's handling of an Ingress sends requests straight to the Service it names, the stable track's,
  // past the weights and header rules of the VirtualService.
  if (isvc.deploymentMode === DeploymentMode.RAW && isvc.kubernetesIngress) {
    throw propError(owner, 'ingress.kubernetesIngress', true, "sends external requests straight to the stable components' Services, past the canary's weighted routes",
      "set ingress.kubernetesIngress to false and ingress.ingressGateway (e.g. 'istio-system/istio-ingressgateway') so the VirtualService routes external requests, or make the InferenceService cluster-local");
  }
  for (const [kind, present] of [[ComponentKind.TRANSFORMER, isvc.hasTransformer], [ComponentKind.EXPLAINER, isvc.hasExplainer]] as const) {
    if (canary[kind] && !present) {
      throw new ValidationError(`${owner}: canary.${kind} is set but the InferenceService has no ${kind}; add the stable ${kind} first (a component cannot start out as a canary), or remove canary.${kind}`);
    }
  }
  // Header and mirror rules act on the component that takes predict traffic; without a canary of it there
  // is no canary revision to send those requests to.
  const entry = isvc.hasTransformer ? ComponentKind.TRANSFORMER : ComponentKind.PREDICTOR;
  if (canary[entry]) return;
  const rule = canary.canaryWhen.length > 0 ? 'canaryWhen' : canary.stableWhen.length > 0 ? 'stableWhen' : canary.mirrorPercent !== undefined ? 'mirrorPercent' : undefined;
  if (rule) {
    throw new ValidationError(`${owner}: canary.${rule} needs a canary of the ${entry}, which takes predict traffic, but canary.${entry} is not set; roll out the ${entry} as well, or split by percent only`);
  }
}

/**
 * A canary predictor must speak the protocol the transformer and explainer were wired for: they are told
 * one protocol (`PROTOCOL`) and call the predictor's address, which Knative (raw mode: the mesh) splits between both revisions.
 */
export function checkCanaryWiring(owner: string, predictor: Predictor, dependents: ComponentKind[]): void {
  const canaryProtocol = predictor._canaryProtocolVersion;
  if (canaryProtocol === undefined || canaryProtocol === predictor.protocolVersion || dependents.length === 0) return;
  throw new ValidationError(`${owner}: canary.predictor speaks protocol '${canaryProtocol}' but the predictor speaks '${predictor.protocolVersion}', and the ${dependents.join(' and ')} call${dependents.length === 1 ? 's' : ''} both revisions with one protocol; keep the protocol, or serve the new protocol from a new InferenceService`);
}

/**
 * The top-level route's view of a component's canary, or nothing when the component has none. Knative mode
 * goes through the revisions' tag hosts (Knative splits by percent itself); raw mode through the two
 * tracks' Services, the canary's named like its revision.
 */
export function canaryRoute(component: ServingComponent | undefined, canary: CanaryRollout | undefined, mirror: boolean): CanaryRouteInput | undefined {
  if (!component || !canary || component.canaryRevisionName === undefined) return undefined;
  const host = (name: string) => `${name}.${component.namespace}.svc.cluster.local`;
  const raw = component.deploymentMode === DeploymentMode.RAW;
  return {
    canaryHost: host(raw ? component.canaryRevisionName : kserve.taggedServiceName(kserve.CANARY_TAG, component.serviceName)),
    stableHost: host(raw ? component.serviceName : kserve.taggedServiceName(kserve.STABLE_TAG, component.serviceName)),
    percent: canary.percent,
    canaryWhen: canary.canaryWhen.map(toConditions),
    stableWhen: canary.stableWhen.map(toConditions),
    mirrorPercent: mirror ? canary.mirrorPercent : undefined,
  };
}

function toConditions(match: RequestMatch): HeaderConditions {
  return match._toIstioHeaders();
}
