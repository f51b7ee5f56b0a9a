import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as yaml from 'yaml';
import { Autoscaler, DeploymentMode, InferenceService, ModelController, ModelFormat } from '../../../../lib';
import { type KubeCluster, startKubeCluster } from '../../../harness/kube-cluster';
import { pollUntil } from '../../../harness/poll-until';
import { REPO_ROOT } from '../../helpers/paths';
import { startControllerProcess } from './controller-process';
import type { LoggedProcess } from './logged-process';
import { S3ModelStore } from './model-store';
import { ModelServerProcess } from './model-server-process';
import { createPredictorPod, reportPodStatus } from './predictor-pods';
import { testApp } from '../../../lib/test-app';

export const NAMESPACE = 'models';
export const ISVC = 'mms';
/** The predictor's memory limit, which TrainedModels are admitted against. */
export const MEMORY_LIMIT = '1Gi';

/** A predictor replica: its kfs-runtime process and its Pod. */
export interface PredictorReplica {
  readonly pod: string;
  readonly server: ModelServerProcess;
}

/**
 * Everything the multi-model tests and the benchmark share: a real control plane with the chart's
 * manifests applied (our TrainedModel CRD, the multi-model InferenceService's Deployment and
 * model-config ConfigMap, the ModelController's RBAC, Lease and ServiceAccount), real kfs-runtime
 * replicas, and controllers started with the ServiceAccount's own token.
 */
export class MultiModelCluster {
  readonly replicas: PredictorReplica[] = [];
  readonly controllers: LoggedProcess[] = [];
  #replicaCount = 0;

  private constructor(
    readonly cluster: KubeCluster,
    readonly store: S3ModelStore,
    readonly manifests: any[],
    readonly controllerKubeconfig: string,
    readonly controllerConfigFile: string,
  ) {}

  /** Builds kfs-runtime (the processes run the compiled package) while the control plane starts. */
  static async start(): Promise<MultiModelCluster> {
    const [cluster, store] = await Promise.all([
      startKubeCluster(),
      S3ModelStore.start(),
      promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'runtime', 'tsconfig.json')], { cwd: REPO_ROOT }),
    ]);
    try {
      const manifests = synthMultiModelChart();
      await cluster.createNamespace(NAMESPACE, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const crdFile = path.join(cluster.dir, 'trainedmodel-crd.yaml');
      writeFileSync(crdFile, yaml.stringify(manifests.find((m) => m.kind === 'CustomResourceDefinition')));
      await cluster.installCrds([crdFile]);
      // Istio's VirtualService and the Ingress need CRDs and controllers this test does not run.
      const applicable = manifests.filter((m) => m.kind !== 'CustomResourceDefinition' && m.kind !== 'VirtualService' && m.kind !== 'Ingress');
      await cluster.applyManifests(applicable, { fieldManager: 'kubectl' });
      const token = await cluster.serviceAccountToken(NAMESPACE, 'kfs-model-controller');
      const controllerKubeconfig = cluster.writeKubeconfig(token, { userName: 'kfs-model-controller' });
      const controllerConfigFile = path.join(cluster.dir, 'controller-config.json');
      writeFileSync(controllerConfigFile, manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'kfs-model-controller').data['config.json']);
      return new MultiModelCluster(cluster, store, manifests, controllerKubeconfig, controllerConfigFile);
    } catch (error) {
      await cluster.stop();
      await store.stop();
      throw error;
    }
  }

  get predictorDeployment(): any {
    return this.manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `${ISVC}-predictor`);
  }

  /** The model-config ConfigMap's `models.json` as the API server has it now. */
  async modelConfig(): Promise<string | undefined> {
    return (await this.cluster.admin.get(`/api/v1/namespaces/${NAMESPACE}/configmaps/modelconfig-${ISVC}-0`)).data?.['models.json'];
  }

  /**
   * Starts a replica the way its Pod would: the kubelet projects the ConfigMap (its current content)
   * into the model-config file, the ReplicaSet controller creates the Pod, which gets its IP while
   * kfs-runtime starts; the "kubelet" reports it Ready once `/v2/health/ready` answers 200 unless
   * `reportReady` is false.
   */
  async addReplica(options: { reportReady?: boolean; port?: number } = {}): Promise<PredictorReplica> {
    const index = this.#replicaCount++;
    const pod = `${ISVC}-predictor-7d9f8-${String.fromCharCode(97 + index)}${index}`;
    const server = await ModelServerProcess.start(pod, path.join(this.cluster.dir, `${pod}-models.json`), (await this.modelConfig()) ?? '', this.store.env(), options.port);
    await createPredictorPod(this.cluster, this.predictorDeployment, pod, server.port);
    await reportPodStatus(this.cluster, NAMESPACE, pod, false);
    const replica = { pod, server };
    this.replicas.push(replica);
    if (options.reportReady ?? true) {
      await pollUntil(`${pod} ready`, async () => ((await server.ready()) ? true : undefined), { timeoutMs: 120_000, intervalMs: 100 });
      await reportPodStatus(this.cluster, NAMESPACE, pod, true);
    }
    return replica;
  }

  /**
   * The container of replica `index` restarts in place (same Pod, IP and port), as the kubelet does
   * after a crash; the model-config file keeps what was projected before. Returns the new process.
   */
  async restartReplicaProcess(index: number): Promise<ModelServerProcess> {
    const replica = this.replicas[index];
    await replica.server.stop();
    const server = await ModelServerProcess.start(replica.pod, path.join(this.cluster.dir, `${replica.pod}-models.json`), undefined, this.store.env(), replica.server.port);
    this.replicas[index] = { pod: replica.pod, server };
    return server;
  }

  startController(identity: string): LoggedProcess {
    const container = this.manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'kfs-model-controller').spec.template.spec.containers[0];
    const controller = startControllerProcess({
      deploymentArgs: container.args,
      configFile: this.controllerConfigFile,
      kubeconfig: this.controllerKubeconfig,
      namespace: NAMESPACE,
      identity,
      // Loopback only, on a free port; a short resync keeps the tests quick.
      extraArgs: ['--health-host=127.0.0.1', '--health-port=0', '--resync-period=5s'],
    });
    this.controllers.push(controller);
    return controller;
  }

  async applyTrainedModel(name: string, storageUri: string, options: { memory?: string; framework?: string } = {}): Promise<void> {
    await this.cluster.applyManifest({
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'TrainedModel',
      metadata: { name, namespace: NAMESPACE },
      spec: { inferenceService: ISVC, model: { storageUri, framework: options.framework ?? 'onnx', memory: options.memory ?? '32Mi' } },
    }, { fieldManager: 'kubectl' });
  }

  async deleteTrainedModel(name: string): Promise<void> {
    await this.cluster.admin.delete(`/apis/serving.kserve.io/v1alpha1/namespaces/${NAMESPACE}/trainedmodels/${name}`);
  }

  async trainedModel(name: string): Promise<any> {
    return this.cluster.admin.get(`/apis/serving.kserve.io/v1alpha1/namespaces/${NAMESPACE}/trainedmodels/${name}`);
  }

  async trainedModels(): Promise<any[]> {
    return (await this.cluster.admin.get(`/apis/serving.kserve.io/v1alpha1/namespaces/${NAMESPACE}/trainedmodels`)).items;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.controllers.map((c) => c.stop('SIGKILL')), ...this.replicas.map((r) => r.server.stop())]);
    await this.cluster.stop();
    await this.store.stop();
  }
}

/**
 * The chart under test: a raw-mode multi-model InferenceService with three fixed replicas and a 1Gi
 * memory limit, and its ModelController: our CRD included, and an 8 s Lease, so failover tests stay
 * quick while a leader starved of CPU on a loaded machine still renews within its 5 s deadline.
 */
export function synthMultiModelChart(): any[] {
  const chart = new Chart(testApp(), 'multi-model', { namespace: NAMESPACE });
  const mms = new InferenceService(chart, ISVC, {
    deploymentMode: DeploymentMode.RAW,
    predictor: {
      multiModel: { format: ModelFormat.ONNX },
      minReplicas: 3,
      autoscaler: Autoscaler.none(),
      resources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } },
    },
  });
  new ModelController(chart, 'controller', { inferenceServices: [mms], installCrd: true, leaseDuration: Duration.seconds(8) });
  return Testing.synth(chart);
}

/** Polls until `check` returns a value; the failure message includes the controllers' last log lines. */
export function eventually<T>(cluster: MultiModelCluster, what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  return pollUntil(what, check, { timeoutMs, intervalMs: 200 }).catch((error: Error) => {
    throw new Error(`${error.message}\n${cluster.controllers.filter((c) => c.running).map((c) => c.tail(20)).join('\n')}`);
  });
}
