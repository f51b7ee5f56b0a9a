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
   * Events held in memory: waiting to be sent, waiting to be sent again, or sent and not answered
   * yet. Once it is full, new events are dropped (and counted), so logging never holds back serving.
   * @default 1000
   */
  readonly queueSize?: number;
  /**
   * Keep-alive connections to the sink, opened as they are needed. A batch goes to the connection
   * with the most room, so a sink that answers quickly gets one. A proxy serves the requests of one
   * connection one after another (Envoy does, and so an Istio sidecar), so a sink behind one takes
   * at most a request per round trip on each: 16 connections keep the rate of 16 senders, which a
   * saturated server needed to deliver every event (KServe's logger runs 5 workers).
   * @default 16
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
   * sharing it is what keeps logging cheap (in the bench, the server's CPU per event fell from
   * 44–62 µs to 9–16 µs). 0 sends what is queued at the end of each event-loop turn.
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
