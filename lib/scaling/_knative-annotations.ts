import * as kserve from '../_kserve';
import { ResolvedScaling } from './_resolve-scaling';

/**
 * Knative mode: the resolved scaling as `autoscaling.knative.dev/*` annotations for the revision
 * template (KServe `SetAutoScalingAnnotations`, plus the tuning KServe passes through). Each key comes
 * with the prop it was set from, so a user annotation with the same key can be reported.
 * @internal
 */
export interface KnativeAutoscalingAnnotations {
  readonly annotations: { [key: string]: string };
  /** Annotation key → the prop it comes from, e.g. `scaleMetric`. */
  readonly sources: { [key: string]: string };
}

export function knativeAutoscalingAnnotations(scaling: ResolvedScaling): KnativeAutoscalingAnnotations {
  const annotations: { [key: string]: string } = {};
  const sources: { [key: string]: string } = {};
  const set = (key: string, value: string | number | undefined, source: string) => {
    if (value === undefined) return;
    annotations[key] = String(value);
    sources[key] = source;
  };
  const metric = scaling.metric;
  if (metric) {
    set(kserve.ANNOTATION_AUTOSCALING_CLASS, metric.isRequestBased ? kserve.KNATIVE_KPA_CLASS : kserve.KNATIVE_HPA_CLASS, 'scaleMetric');
    set(kserve.ANNOTATION_METRIC, metric.type, 'scaleMetric');
    // cpu: percent of the request; memory: mebibytes; concurrency/rps: per replica.
    set(kserve.ANNOTATION_TARGET, metric.target, 'scaleMetric');
  }
  set(kserve.ANNOTATION_MIN_SCALE, scaling.minReplicas, 'minReplicas/maxReplicas');
  set(kserve.ANNOTATION_MAX_SCALE, scaling.maxReplicas, 'minReplicas/maxReplicas');
  const tuning = scaling.knative;
  const seconds = (value: number | undefined) => value === undefined ? undefined : `${value}s`;
  set(kserve.ANNOTATION_INITIAL_SCALE, tuning.initialReplicas, 'knativeScaling.initialReplicas');
  set(kserve.ANNOTATION_TARGET_UTILIZATION, tuning.targetUtilizationPercentage, 'knativeScaling.targetUtilizationPercentage');
  set(kserve.ANNOTATION_SCALE_DOWN_DELAY, seconds(tuning.scaleDownDelaySeconds), 'knativeScaling.scaleDownDelay');
  set(kserve.ANNOTATION_SCALE_TO_ZERO_RETENTION, seconds(tuning.scaleToZeroPodRetentionSeconds), 'knativeScaling.scaleToZeroPodRetentionPeriod');
  set(kserve.ANNOTATION_WINDOW, seconds(tuning.stableWindowSeconds), 'knativeScaling.stableWindow');
  set(kserve.ANNOTATION_PANIC_WINDOW, tuning.panicWindowPercentage, 'knativeScaling.panicWindowPercentage');
  set(kserve.ANNOTATION_PANIC_THRESHOLD, tuning.panicThresholdPercentage, 'knativeScaling.panicThresholdPercentage');
  return { annotations, sources };
}

/** The revision template's annotations: KPA class unless chosen otherwise, then the user's, then the library's. */
export function revisionTemplateAnnotations(scaling: ResolvedScaling, own: { [key: string]: string }): { [key: string]: string } {
  return {
    [kserve.ANNOTATION_AUTOSCALING_CLASS]: kserve.KNATIVE_KPA_CLASS,
    ...own,
    ...knativeAutoscalingAnnotations(scaling).annotations,
  };
}
