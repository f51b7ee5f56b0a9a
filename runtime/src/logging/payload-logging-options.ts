/** Which events the request logger sends (KServe's `logger.mode`). */
export type LogMode = 'all' | 'request' | 'response';

export const LOG_MODES: readonly LogMode[] = ['all', 'request', 'response'];

/**
 * Request/response logging as CloudEvents, KServe's logger built into the server: every inference
 * request (and its 200 response) is posted asynchronously to `url`.
 */
export interface PayloadLoggingOptions {
  /** The sink, an http(s) URL that accepts CloudEvents in binary mode (e.g. a Knative Broker). */
  readonly url: string;
  /** @default 'all' */
  readonly mode?: LogMode;
  /**
   * Request headers copied into the event's `metadata` attribute (KServe's `metadataHeaders`).
   * @default - none
   */
  readonly metadataHeaders?: readonly string[];
  /**
   * Annotations of the InferenceService, name → value, sent with every event as its `annotations`
   * extension attribute (JSON), as KServe's logger does for `logger.metadataAnnotations`.
   * @default - none: no annotations attribute
   */
  readonly metadataAnnotations?: Readonly<Record<string, string>>;
  /**
   * The events' `source`.
   * @default - the host name (the pod name in Kubernetes)
   */
  readonly sourceUri?: string;
  /** The `inferenceservicename` attribute. @default - $INFERENCE_SERVICE_NAME, else '' */
  readonly inferenceService?: string;
  /** The `namespace` attribute. @default - $POD_NAMESPACE, else '' */
  readonly namespace?: string;
  /** The `component` attribute. @default 'predictor' */
  readonly component?: string;
  /** The `endpoint` attribute (KServe: `default` or `canary`). @default '' */
  readonly endpoint?: string;
  /**
   * Events held in memory while they wait to be sent (or sent again), newer ones are dropped (and
   * counted) once it is full, so logging never holds back serving. Events in flight to the sink
   * are not counted here.
   * @default 1000
   */
  readonly queueSize?: number;
  /**
   * Keep-alive connections to the sink. KServe's logger runs 5 workers with an event each; here
   * every connection carries many events at once (see `pipelineDepth`), so a few suffice.
   * @default 4
   */
  readonly connections?: number;
  /**
   * Events a connection carries at once, written back to back without waiting for each answer
   * (HTTP/1.1 pipelining) once the sink has answered one with keep-alive. 1 sends one event at a
   * time, as KServe's logger does.
   * @default 64
   */
  readonly pipelineDepth?: number;
  /**
   * How long an event waits for others to share its socket write. On a loopback or sidecar hop a
   * write costs tens of microseconds of the server's CPU, about what serving a small model does;
   * sharing it is what keeps logging cheap (the bench's logger cost per event fell from 44 to 9 us
   * with 5 ms). 0 sends what is queued at the end of each event-loop turn.
   * @default 5
   */
  readonly batchDelayMs?: number;
  /** Tries per event before it is dropped. @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay, doubled on each later try. @default 100 */
  readonly retryBackoffMs?: number;
  /** Time limit of one POST to the sink. @default 5000 */
  readonly sendTimeoutMs?: number;
}
