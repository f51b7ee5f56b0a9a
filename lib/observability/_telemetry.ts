import * as telemetry from '../../imports/istio-telemetry-telemetry.istio.io';
import * as kserve from '../_kserve';
import { propError } from '../_validation';
import { AccessLogOptions, TracingOptions } from './observability-options';

/** @internal */
export interface TelemetryInput {
  readonly isvcName: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly tracing?: TracingOptions;
  readonly accessLogging?: AccessLogOptions;
}

const PROVIDER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Checks the tracing and access-log options. @internal */
export function checkTelemetry(owner: string, tracing: TracingOptions | undefined, accessLogging: AccessLogOptions | undefined): void {
  if (tracing) {
    if (!PROVIDER_NAME.test(tracing.provider)) {
      throw propError(owner, 'observability.tracing.provider', tracing.provider, 'is not an extension provider name', "use the name from Istio's meshConfig.extensionProviders, e.g. 'otel-tracing'");
    }
    const sampling = tracing.samplingPercentage;
    if (sampling !== undefined && (!Number.isFinite(sampling) || sampling < 0 || sampling > 100)) {
      throw propError(owner, 'observability.tracing.samplingPercentage', sampling, 'is not a percentage', 'use a number from 0 to 100, e.g. 10');
    }
  }
  if (accessLogging?.provider !== undefined && !PROVIDER_NAME.test(accessLogging.provider)) {
    throw propError(owner, 'observability.accessLogging.provider', accessLogging.provider, 'is not an extension provider name', "use 'envoy' or a name from Istio's meshConfig.extensionProviders");
  }
  if (accessLogging?.filter !== undefined && accessLogging.filter.trim().length === 0) {
    throw propError(owner, 'observability.accessLogging.filter', accessLogging.filter, 'is empty', "leave it unset to log every request, or write a CEL expression such as 'response.code >= 400'");
  }
}

/** An Istio Telemetry scoped to the InferenceService's pods. @internal */
export function renderTelemetry(input: TelemetryInput): telemetry.TelemetryProps {
  return {
    metadata: { name: input.isvcName, namespace: input.namespace, labels: input.labels },
    spec: {
      selector: { matchLabels: { [kserve.LABEL_INFERENCE_SERVICE]: input.isvcName } },
      tracing: input.tracing ? [{
        providers: [{ name: input.tracing.provider }],
        randomSamplingPercentage: input.tracing.samplingPercentage ?? 1,
      }] : undefined,
      accessLogging: input.accessLogging ? [{
        providers: [{ name: input.accessLogging.provider ?? 'envoy' }],
        filter: input.accessLogging.filter !== undefined ? { expression: input.accessLogging.filter } : undefined,
      }] : undefined,
    },
  };
}
