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
   * Events held in memory while the sink is slow or down; newer ones are dropped (and counted)
   * once it is full, so logging never holds back serving.
   * @default 1000
   */
  readonly queueSize?: number;
  /**
   * Events sent at once, each over a keep-alive connection of its own. KServe's logger runs 5
   * workers, but a server saturated with requests answers its sink connections only between them
   * (a millisecond or more apart under load), and two events per request then need more in flight:
   * with 5 the bench's saturated server dropped about one event in eight from a healthy sink, with
   * 16 none.
   * @default 16
   */
  readonly concurrency?: number;
  /** Tries per event before it is dropped. @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay, doubled on each later try. @default 100 */
  readonly retryBackoffMs?: number;
  /** Time limit of one POST to the sink. @default 5000 */
  readonly sendTimeoutMs?: number;
}
