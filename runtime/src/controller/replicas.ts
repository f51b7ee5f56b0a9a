import { MODEL_CONTAINER_NAME, type PodObject } from './kube-objects';

/** One predictor replica the controller can talk to. */
export interface Replica {
  /** Pod name, for logs and status messages. */
  readonly name: string;
  /** Base URL of its model server, `http://<pod IP>:<container port>`. */
  readonly url: string;
  /** The pod's Ready condition: only ready replicas serve traffic, so only they count for status. */
  readonly ready: boolean;
}

/**
 * The replicas of an InferenceService's predictor, from its pods: every pod that has an IP and is not
 * terminating, ready or not. Not-ready pods are included on purpose: a starting replica gets every
 * model pushed to it before its readiness probe passes (its readiness waits for them), so it never
 * joins the Service missing a model. Terminating pods are left alone: they are draining.
 *
 * The URL uses the model server container's own port (`kserve-container`), not a Service: in Knative
 * mode the pod IP and container port bypass the queue-proxy, whose concurrency limit is for inference.
 */
export function replicasOf(pods: readonly PodObject[]): Replica[] {
  const replicas: Replica[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    const ip = pod.status?.podIP;
    if (!ip) continue;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const container = pod.spec?.containers?.find((c) => c.name === MODEL_CONTAINER_NAME);
    const port = container?.ports?.[0]?.containerPort;
    if (port === undefined) continue;
    const host = ip.includes(':') ? `[${ip}]` : ip;
    replicas.push({
      name: pod.metadata.name,
      url: `http://${host}:${port}`,
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    });
  }
  return replicas.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
