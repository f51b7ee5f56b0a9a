import type { PayloadLoggingOptions } from './payload-logging-options';

/** KServe's event types (`pkg/logger/types.go`). */
export const REQUEST_EVENT_TYPE = 'org.kubeflow.serving.inference.request';
export const RESPONSE_EVENT_TYPE = 'org.kubeflow.serving.inference.response';

/** One logged payload, before it becomes a CloudEvent. */
export interface PayloadEvent {
  /** The request id; a request and its response share it. */
  readonly id: string;
  readonly type: typeof REQUEST_EVENT_TYPE | typeof RESPONSE_EVENT_TYPE;
  /** Request arrival, or response completion. */
  readonly time: Date;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** Allow-listed request headers, name → values (KServe's `metadata` attribute). */
  readonly metadata: Readonly<Record<string, readonly string[]>> | undefined;
}

/** The attributes every event of this server carries, resolved once. */
export interface EventSource {
  readonly source: string;
  readonly inferenceService: string;
  readonly namespace: string;
  readonly component: string;
  readonly endpoint: string;
  /** The `annotations` attribute (JSON of name → value), absent when there are none. */
  readonly annotations: string | undefined;
}

export function eventSource(options: PayloadLoggingOptions, env: NodeJS.ProcessEnv, hostname: string): EventSource {
  return {
    source: options.sourceUri ?? hostname,
    inferenceService: options.inferenceService ?? env.INFERENCE_SERVICE_NAME ?? '',
    namespace: options.namespace ?? env.POD_NAMESPACE ?? '',
    component: options.component ?? 'predictor',
    endpoint: options.endpoint ?? '',
    annotations: annotationsAttribute(options.metadataAnnotations),
  };
}

/** KServe sets the attribute only when there are annotations; serialized once, it is the same for every event. */
function annotationsAttribute(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  return annotations === undefined || Object.keys(annotations).length === 0 ? undefined : headerSafe(JSON.stringify(annotations));
}

/**
 * Percent-encodes what an HTTP header cannot carry (anything outside printable ASCII, and '%'
 * itself), as the CloudEvents HTTP binding asks of attribute values; annotation values are free
 * text and may hold any Unicode.
 */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x24\x26-\x7e]+/gu, (run) => encodeURIComponent(run));
}
