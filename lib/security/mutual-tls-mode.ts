/** Istio's peer-authentication (mTLS) modes, for the InferenceService's pods. */
export enum MutualTlsMode {
  /** Only mTLS from mesh workloads is accepted on the serving ports. */
  STRICT = 'STRICT',
  /** mTLS and plaintext are both accepted (for migrations). */
  PERMISSIVE = 'PERMISSIVE',
  /** Plaintext only; mesh clients must not send mTLS. */
  DISABLE = 'DISABLE',
}
