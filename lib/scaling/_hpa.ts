import { k8s } from 'cdk8s-plus-27';
import { ResolvedScaling } from './_resolve-scaling';
import { ScalingMetricType } from './scaling-metric';

/**
 * Raw mode with `Autoscaler.hpa()`: an `autoscaling/v2` HorizontalPodAutoscaler named like the
 * Deployment it scales (KServe `hpa_reconciler.go`): cpu utilization (80 % unless `scaleMetric` says
 * otherwise) or average memory.
 * @internal
 */
export interface HpaTarget {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
}

/** KServe's default CPU target when no metric is given. */
const DEFAULT_CPU_UTILIZATION = 80;

export function renderHorizontalPodAutoscaler(target: HpaTarget, scaling: ResolvedScaling): k8s.KubeHorizontalPodAutoscalerV2Props {
  const metric = scaling.metric;
  const resource: k8s.ResourceMetricSourceV2 = metric?.type === ScalingMetricType.MEMORY
    ? { name: 'memory', target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(metric.targetString) } }
    : { name: 'cpu', target: { type: 'Utilization', averageUtilization: metric?.target ?? DEFAULT_CPU_UTILIZATION } };
  return {
    metadata: { name: target.name, namespace: target.namespace, labels: target.labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.name },
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas!,
      metrics: [{ type: 'Resource', resource }],
    },
  };
}
