import type { KubeCluster } from '../../../harness/kube-cluster';

/**
 * What the ReplicaSet controller and the kubelet would do for a predictor Deployment, done by hand
 * because the test cluster runs neither: create a Pod from the synthesized pod template, then
 * report it running at 127.0.0.1 and (not) ready. All replicas share 127.0.0.1, so each Pod's
 * `kserve-container` port is rewritten to its own kfs-runtime process's port.
 */
export async function createPredictorPod(cluster: KubeCluster, deployment: any, name: string, port: number): Promise<void> {
  const template = structuredClone(deployment.spec.template);
  const container = template.spec.containers.find((c: { name: string }) => c.name === 'kserve-container');
  container.ports = [{ ...container.ports[0], containerPort: port }];
  if (container.readinessProbe?.httpGet) container.readinessProbe.httpGet.port = port;
  await cluster.applyManifest({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: deployment.metadata.namespace, labels: template.metadata.labels, annotations: template.metadata.annotations },
    spec: template.spec,
  }, { fieldManager: 'kube-controller-manager' });
}

/** The kubelet's status report: running on 127.0.0.1, with the Ready condition its probe decided. */
export async function reportPodStatus(cluster: KubeCluster, namespace: string, name: string, ready: boolean): Promise<void> {
  await cluster.admin.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${name}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, { type: 'ContainersReady', status: ready ? 'True' : 'False' }],
      },
    },
  });
}

/** Deleting a Pod with no kubelet: it is gone at once (grace period 0). */
export async function deletePod(cluster: KubeCluster, namespace: string, name: string): Promise<void> {
  await cluster.admin.delete(`/api/v1/namespaces/${namespace}/pods/${name}`, { gracePeriodSeconds: 0 });
}
