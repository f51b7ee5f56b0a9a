import { EgressHost } from './egress-host';

/**
 * Egress control for an InferenceService: its pods may only call what serving needs — DNS, Istio's
 * control plane, Knative's activator and gateways, their own namespace — plus the model store of every
 * `storageUri` (derived: `s3://` → the S3 endpoint, `gs://` → storage.googleapis.com, `https://` → the
 * host), the tracing collector, the predictor's `logger` sink and `observability.runtimeTracing`
 * endpoint, and the hosts listed here.
 *
 * In mesh mode this is an Istio `Sidecar` (registry-only egress, so unknown hosts fail) with a
 * `ServiceEntry` per external port; in every mode a Kubernetes `NetworkPolicy` (which can match
 * namespaces and ports but not host names, so external hosts are allowed by port and `externalCidrs`).
 */
export interface EgressOptions {
  /**
   * More hosts the pods may call (e.g. a feature store a transformer reads).
   * @default - none beyond the derived ones
   */
  readonly allowHosts?: EgressHost[];

  /**
   * The S3-compatible endpoint models are pulled from (the `S3_ENDPOINT` of KServe's storage
   * credentials), e.g. `https://minio.example.com` or `http://minio.storage.svc.cluster.local:9000`.
   * @default - AWS S3: `s3.amazonaws.com`, `<bucket>.s3.amazonaws.com` and STS for workload identity
   */
  readonly s3Endpoint?: string;

  /**
   * The AWS region of the buckets; adds the regional S3 and STS endpoints that AWS SDKs call.
   * @default - global endpoints only
   */
  readonly awsRegion?: string;

  /**
   * Whether to emit the Kubernetes `NetworkPolicy` (ingress and egress) as well.
   * @default true
   */
  readonly networkPolicy?: boolean;

  /**
   * IP ranges external hosts may be in, for the `NetworkPolicy` (which cannot match host names).
   * @default ['0.0.0.0/0'] (on the derived ports only)
   */
  readonly externalCidrs?: string[];

  /**
   * Namespace of the Prometheus that scrapes the pods; let in on the metrics port when
   * `observability.prometheus` is set.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}
