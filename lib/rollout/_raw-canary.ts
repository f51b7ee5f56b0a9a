import * as istio from '../../imports/istio-virtualservice-networking.istio.io';
import * as kserve from '../_kserve';
import { propError } from '../_validation';
import { renderDeployment } from '../components/_deployment';
import { ResolvedComponent } from '../components/_resolved';
import { weightedRoute } from '../networking/_raw-route';
import { CanaryRollout } from './canary-rollout';
import { checkDistinctRevisions, resolveRevisionName, templateHash } from './_revision-name';

/**
 * Raw deployment mode's canary of one component, as two tracks side by side:
 *
 * - the stable track keeps the Deployment and Service `<isvc>-<component>` exactly as without a canary
 *   (a Deployment's selector is immutable, and any new pod label would restart the stable pods just
 *   because a canary started);
 * - the canary track is a second Deployment and Service named like a Knative revision,
 *   `<isvc>-<component>-<revision id>` or `-<pod-template hash>`, whose pods carry KServe's selector label
 *   `app: isvc.<that name>`, so each Service (and each autoscaler's Deployment) selects only its own pods;
 * - tag Services (`latest-…` on the canary, `prev-…` on the stable track, custom tags) give each track the
 *   addresses Knative's tags give revisions;
 * - Istio splits by weight: the top-level VirtualService for requests to the InferenceService, and a mesh
 *   VirtualService on the component's own host for calls from the other components (a transformer calling
 *   the predictor), as Knative splits them at the component's address.
 * @internal
 */

export interface RawCanaryPlan {
  /** The canary component, renamed to its Deployment and Service name. */
  readonly canary: ResolvedComponent;
  /** Share of requests to the canary; the stable track takes the rest. */
  readonly percent: number;
  /** One Service per tag, selecting the pods of the track it names. */
  readonly tagServices: RawTagService[];
}

export interface RawTagService {
  readonly tag: string;
  /** `<tag>-<isvc>-<component>`, the host Knative would give the tag. */
  readonly name: string;
  /** The track whose pods the Service selects. */
  readonly track: ResolvedComponent;
}

/** Characters a label value may have (Kubernetes). */
const LABEL_VALUE_MAX_LENGTH = 63;

export function planRawCanary(owner: string, stable: ResolvedComponent, canary: ResolvedComponent, rollout: CanaryRollout): RawCanaryPlan {
  const kind = stable.kind;
  // Both hashes are of the pod template as the stable Deployment would render it, so they compare the pods
  // themselves and never depend on the name they choose.
  const stableNamed = { prop: kind, ...nameTrack(owner, kind, stable, undefined) };
  const canaryNamed = { prop: `canary.${kind}`, ...nameTrack(owner, `canary.${kind}`, canary, canary.revision) };
  checkDistinctRevisions(owner, stableNamed, canaryNamed);
  checkSelectorLabel(owner, stable, canary, canaryNamed.revisionName);

  const renamed: ResolvedComponent = { ...canary, serviceName: canaryNamed.revisionName };
  const tagService = (tag: string, track: ResolvedComponent): RawTagService => ({ tag, name: kserve.taggedServiceName(tag, stable.serviceName), track });
  return {
    canary: renamed,
    percent: rollout.percent,
    tagServices: [
      ...[kserve.CANARY_TAG, ...rollout.canaryTags].map(tag => tagService(tag, renamed)),
      ...[kserve.STABLE_TAG, ...rollout.stableTags].map(tag => tagService(tag, stable)),
    ],
  };
}

function nameTrack(owner: string, prop: string, component: ResolvedComponent, revisionId: string | undefined): { revisionName: string; hash: string } {
  const hash = templateHash(renderDeployment(component).spec!.template);
  return { hash, revisionName: resolveRevisionName(owner, `${prop}.revision`, component.serviceName, revisionId, hash) };
}

/** KServe's selector label `app: isvc.<name>` must fit a label value (63 characters) for the canary's name too. */
function checkSelectorLabel(owner: string, stable: ResolvedComponent, canary: ResolvedComponent, canaryName: string): void {
  const value = kserve.rawAppLabelValue(canaryName);
  if (value.length <= LABEL_VALUE_MAX_LENGTH) return;
  const kind = stable.kind;
  const problem = `makes the canary pods' label '${kserve.LABEL_RAW_APP}: ${value}' ${value.length} characters long, more than ${LABEL_VALUE_MAX_LENGTH}`;
  const room = LABEL_VALUE_MAX_LENGTH - kserve.rawAppLabelValue(`${stable.serviceName}-`).length;
  if (canary.revision !== undefined) {
    throw propError(owner, `canary.${kind}.revision`, canary.revision, problem, `use an id of at most ${room} characters`);
  }
  const isvcName = stable.serviceName.slice(0, -(kind.length + 1));
  throw propError(owner, 'name', isvcName, `is too long for a raw-mode canary of the ${kind}: its template hash ${problem}`,
    `shorten the name to at most ${isvcName.length - (value.length - LABEL_VALUE_MAX_LENGTH)} characters, or give canary.${kind}.revision an id of at most ${room} characters`);
}

/**
 * The mesh VirtualService `<isvc>-<component>` on the component's own host: callers in the mesh (the
 * transformer and explainer call the predictor there) reach both tracks by weight, as Knative splits a
 * component's address between its revisions. Callers without a sidecar reach the stable Service only.
 */
export function renderComponentSplit(stable: ResolvedComponent, plan: RawCanaryPlan): istio.VirtualServiceProps {
  const host = (name: string) => `${name}.${stable.namespace}.svc.cluster.local`;
  return {
    metadata: { name: stable.serviceName, namespace: stable.namespace, labels: stable.labels },
    spec: {
      hosts: [host(stable.serviceName)],
      gateways: [kserve.ISTIO_MESH_GATEWAY],
      http: [{ route: weightedRoute({ canaryHost: host(plan.canary.serviceName), stableHost: host(stable.serviceName), percent: plan.percent }) }],
    },
  };
}
