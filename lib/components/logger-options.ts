/** Which inference payloads are logged (KServe's `logger.mode`). */
export enum LoggerMode {
  /** Requests and their responses. */
  ALL = 'all',
  /** Requests only. */
  REQUEST = 'request',
  /** Responses only. */
  RESPONSE = 'response',
}

/**
 * Request/response logging by kfs-runtime (KServe's `logger` fields): every inference request and
 * its 200 response is posted asynchronously to `url` as a CloudEvent in binary mode, with
 * KServe's event types (`org.kubeflow.serving.inference.request` / `.response`) and attributes
 * (`inferenceservicename`, `namespace`, `component`, `endpoint`, `metadata`). A slow or unreachable
 * sink never slows serving: events beyond the in-memory queue are dropped and counted in the
 * `kfs_logger_dropped_events_total` metric. Events wait up to 5 ms for others and go out together,
 * pipelined over keep-alive HTTP/1.1 connections; delivery is at least once (an event sent again
 * after a broken connection keeps its `ce-id`, by which a sink can tell a repeat).
 */
export interface LoggerOptions {
  /** The sink, e.g. a Knative Broker: `http://broker-ingress.knative-eventing.svc.cluster.local/ml/default`. */
  readonly url: string;

  /**
   * What to log.
   * @default LoggerMode.ALL
   */
  readonly mode?: LoggerMode;

  /**
   * Request headers copied into each event's `metadata` attribute (KServe's `metadataHeaders`).
   * @default - none
   */
  readonly metadataHeaders?: string[];

  /**
   * Annotations, name → value, sent with every event as its `annotations` extension attribute (a
   * JSON object in the `ce-annotations` header), as KServe's logger does for the InferenceService
   * annotations named in `logger.metadataAnnotations`. A construct has no InferenceService object
   * to read them from at run time, so names and values are given here. Names and values must not
   * contain a comma (the runtime flag's separator).
   * @default - none: events carry no annotations attribute
   */
  readonly metadataAnnotations?: { [name: string]: string };

  /**
   * Whether events are pipelined: written on a connection without waiting for the answers to
   * those before them (HTTP/1.1 pipelining, which every mainstream server, Envoy and Knative's
   * queue-proxy handle). Turn it off only for a sink that mishandles pipelined requests: each
   * event then waits for the one before it on its connection, and costs the server its own
   * socket write.
   * @default true
   */
  readonly pipelining?: boolean;
}
