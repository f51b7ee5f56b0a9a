import { propError } from '../_validation';
import { MeshMode } from '../security/mesh-mode';
import { ObservabilityOptions } from './observability-options';
import { checkTelemetry } from './_telemetry';

/** @internal */
export interface ResolvedObservability {
  readonly prometheus?: { readonly mergeWithIstio: boolean };
  readonly telemetry: boolean;
}

export function resolveObservability(owner: string, options: ObservabilityOptions | undefined, mesh: MeshMode, egressControlled: boolean): ResolvedObservability {
  checkTelemetry(owner, options?.tracing, options?.accessLogging);
  if (mesh === MeshMode.NONE) {
    const sidecarOnly = options?.tracing ? 'observability.tracing' : options?.accessLogging ? 'observability.accessLogging' : undefined;
    if (sidecarOnly) {
      throw propError(owner, 'security.mesh', mesh, `cannot apply ${sidecarOnly}: the spans and access logs come from the pods' Istio sidecars`,
        'set security.mesh to MeshMode.ISTIO_SIDECAR');
    }
  }
  if (options?.tracing && egressControlled && !options.tracing.collector) {
    throw propError(owner, 'observability.tracing.collector', undefined, 'is not set, but egress is restricted, so the sidecars could not send spans',
      "name the provider's collector, e.g. EgressHost.http('otel-collector.observability.svc.cluster.local', 4317)");
  }
  return {
    prometheus: options?.prometheus ? { mergeWithIstio: options.prometheus.mergeWithIstio ?? true } : undefined,
    telemetry: options?.tracing !== undefined || options?.accessLogging !== undefined,
  };
}
