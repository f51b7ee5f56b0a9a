import * as kserve from '../_kserve';
import * as keda from '../../imports/keda-scaledobject-keda.sh';
import * as kedaAuth from '../../imports/keda-triggerauthentication-keda.sh';
import { HpaTarget } from './_hpa';
import { ResolvedKeda, ResolvedScaling } from './_resolve-scaling';
import { Trigger, TriggerType } from './trigger';

/**
 * Raw mode with `Autoscaler.keda(...)`: a KEDA ScaledObject named like the Deployment it scales
 * (KServe `keda_reconciler.go`), plus one TriggerAuthentication `<deployment>-trigger-<n>` for each
 * trigger whose credentials the library manages.
 * @internal
 */

export function triggerAuthenticationName(target: HpaTarget, index: number): string {
  return `${target.name}-trigger-${index}`;
}

export function renderScaledObject(target: HpaTarget, scaling: ResolvedScaling): keda.ScaledObjectProps {
  const options = scaling.keda!;
  return {
    metadata: { name: target.name, namespace: target.namespace, labels: target.labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.name },
      minReplicaCount: scaling.minReplicas,
      maxReplicaCount: scaling.maxReplicas,
      pollingInterval: options.pollingIntervalSeconds,
      cooldownPeriod: options.cooldownPeriodSeconds,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: { stabilizationWindowSeconds: options.scaleDownStabilizationSeconds },
            scaleUp: { stabilizationWindowSeconds: options.scaleUpStabilizationSeconds },
          },
        },
      },
      triggers: options.triggers.map((trigger, index) => renderTrigger(target, trigger, index)),
    },
  };
}

function renderTrigger(target: HpaTarget, trigger: Trigger, index: number): keda.ScaledObjectSpecTriggers {
  const metadata = { ...trigger._metadata };
  if (trigger.type === TriggerType.GPU_UTILIZATION) metadata.query = gpuUtilizationQuery(target, trigger);
  const auth = trigger.authentication;
  if (auth) metadata.authModes = auth.mode;
  return {
    // gpuUtilization is a Prometheus query underneath.
    type: trigger.type === TriggerType.GPU_UTILIZATION ? TriggerType.PROMETHEUS : trigger.type,
    metricType: trigger._metricType,
    metadata,
    authenticationRef: auth ? { name: auth.existingName ?? triggerAuthenticationName(target, index) } : undefined,
  };
}

/**
 * Average utilization over the GPUs of this Deployment's pods (`<deployment>-<replicaset hash>-<pod
 * hash>`), so with metric type `Value` replicas follow it the way a CPU HPA follows CPU utilization.
 */
function gpuUtilizationQuery(target: HpaTarget, trigger: Trigger): string {
  const labels = trigger._dcgmLabels!;
  return `avg(${kserve.DCGM_GPU_UTILIZATION_METRIC}{${labels.namespace}="${target.namespace}",${labels.pod}=~"${target.name}-[a-z0-9]+-[a-z0-9]+"})`;
}

/** TriggerAuthentications the library creates (credentials from Secrets), in trigger order. */
export function renderTriggerAuthentications(target: HpaTarget, options: ResolvedKeda): kedaAuth.TriggerAuthenticationProps[] {
  return options.triggers.flatMap((trigger, index) => {
    const auth = trigger.authentication;
    if (!auth || auth.existingName !== undefined) return [];
    return [{
      metadata: { name: triggerAuthenticationName(target, index), namespace: target.namespace, labels: target.labels },
      spec: { secretTargetRef: auth._secretRefs.map(ref => ({ parameter: ref.parameter, name: ref.secretName, key: ref.key })) },
    }];
  });
}
