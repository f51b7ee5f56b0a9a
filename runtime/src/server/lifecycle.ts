/**
 * Whether the server is draining: after SIGTERM readiness answers "not ready" (so Kubernetes and
 * Knative stop routing here) while requests are still served, each reply closing its connection
 * so that no client keeps one open to a server about to stop.
 */
export class ServerLifecycle {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  startDraining(): void {
    this.#draining = true;
  }
}
