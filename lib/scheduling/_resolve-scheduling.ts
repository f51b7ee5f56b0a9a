import { isLabelValue, isQualifiedName, propError } from '../_validation';
import { DeploymentMode } from '../deployment-mode';
import { Gpu } from '../resources/gpu';
import { KnativeFeatureFlag, featureFlagWarning } from '../warnings';
import { Toleration } from './toleration';

/**
 * Where a component's pods may run: node selector, tolerations and the node affinity that picks GPU
 * products. In Knative mode each of these needs a `config-features` flag, reported as a warning.
 * @internal
 */
export interface ResolvedScheduling {
  readonly nodeSelector?: { [key: string]: string };
  readonly tolerations: ReturnType<Toleration['_toKube']>[];
  readonly affinity?: ResolvedAffinity;
}

export interface ResolvedAffinity {
  readonly nodeAffinity: {
    readonly requiredDuringSchedulingIgnoredDuringExecution: {
      readonly nodeSelectorTerms: { readonly matchExpressions: { key: string; operator: string; values: string[] }[] }[];
    };
  };
}

export interface SchedulingProps {
  readonly nodeSelector?: { [key: string]: string };
  readonly tolerations?: Toleration[];
  readonly gpu?: Gpu;
}

export interface SchedulingContext {
  readonly owner: string;
  readonly deploymentMode: DeploymentMode;
  readonly warn: (message: string) => void;
}

export function resolveScheduling(ctx: SchedulingContext, kind: string, props: SchedulingProps): ResolvedScheduling {
  const knative = ctx.deploymentMode === DeploymentMode.KNATIVE;
  let nodeSelector: { [key: string]: string } | undefined;
  const keys = Object.keys(props.nodeSelector ?? {}).sort();
  if (keys.length > 0) {
    nodeSelector = {};
    for (const key of keys) {
      const value = props.nodeSelector![key];
      if (!isQualifiedName(key)) {
        throw propError(ctx.owner, `${kind}.nodeSelector`, key, 'is not a label key', "write it as [prefix/]name, e.g. 'cloud.google.com/gke-nodepool'");
      }
      if (!isLabelValue(value)) {
        throw propError(ctx.owner, `${kind}.nodeSelector.${key}`, value, 'is not a label value', 'use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
      }
      nodeSelector[key] = value;
    }
    if (knative) ctx.warn(featureFlagWarning(ctx.owner, `${kind}.nodeSelector`, KnativeFeatureFlag.NODE_SELECTOR));
  }

  const tolerations = (props.tolerations ?? []).map(t => t._toKube());
  if (tolerations.length > 0 && knative) ctx.warn(featureFlagWarning(ctx.owner, `${kind}.tolerations`, KnativeFeatureFlag.TOLERATIONS));

  let affinity: ResolvedAffinity | undefined;
  const gpu = props.gpu;
  if (gpu && gpu.products.length > 0) {
    affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: gpu.productLabel!, operator: 'In', values: gpu.products }] }],
        },
      },
    };
    if (knative) ctx.warn(featureFlagWarning(ctx.owner, `${kind}.gpu.products (node affinity on '${gpu.productLabel}')`, KnativeFeatureFlag.AFFINITY));
  }
  return { nodeSelector, tolerations, affinity };
}
