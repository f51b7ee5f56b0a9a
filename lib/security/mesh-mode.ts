/**
 * Whether the InferenceService's pods join the Istio service mesh.
 *
 * Mesh mode is what makes mTLS, JWT authentication, authorization policies, sidecar egress control and
 * Istio telemetry apply to the pods: Istio enforces all of them in the pod's sidecar, so without one
 * they are silently ignored (kserve/kserve#1903: "RequestAuthentication ignored without sidecar").
 */
export enum MeshMode {
  /** No sidecar is requested; the pods are outside the mesh unless the namespace injects one. */
  NONE = 'none',
  /**
   * Each pod gets an Istio sidecar (`sidecar.istio.io/inject: "true"` on the revision template, as
   * KServe's service-mesh guide does), and the library emits the mesh policies for it.
   */
  ISTIO_SIDECAR = 'istio-sidecar',
}
