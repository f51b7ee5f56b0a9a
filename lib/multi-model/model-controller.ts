import { createHash } from 'node:crypto';
import { Chart, Duration } from 'cdk8s';
import { ContainerResources, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as kserve from '../_kserve';
import { ValidationError, isDns1123Label, propError, requireNonNegativeInteger } from '../_validation';
import { quantityValue } from '../components/_resolve';
import { InferenceService } from '../inference-service';
import { DEFAULT_KFS_RUNTIME_IMAGE, RuntimeImage } from '../model/runtime-image';
import { ControllerConfig, renderControllerConfig } from './_controller-config';
import { TrainedModelCrd } from './trained-model-crd';

/** The TrainedModel controller: which InferenceServices it serves and how it runs. */
export interface ModelControllerProps {
  /**
   * The multi-model InferenceServices whose TrainedModels it loads. Its RBAC covers exactly their
   * namespaces and their model-config ConfigMaps.
   */
  readonly inferenceServices: InferenceService[];

  /**
   * Name of the Deployment, ServiceAccount, Roles, RoleBindings, ConfigMap and leader-election Lease.
   * @default 'kfs-model-controller'
   */
  readonly name?: string;

  /**
   * Namespace the controller runs in (its Lease lives there too).
   * @default - the chart's namespace, or `default`
   */
  readonly namespace?: string;

  /**
   * Controller replicas. One leads (a Lease elects it); the others keep their caches warm and take
   * over within about `leaseDuration` when it stops.
   * @default 1
   */
  readonly replicas?: number;

  /**
   * The kfs-runtime image; the controller is `kfs-runtime controller`.
   * @default - the bundled kfs-runtime image
   */
  readonly image?: RuntimeImage;

  /**
   * Also emit the TrainedModel CustomResourceDefinition (`TrainedModelCrd`). Leave it off in a cluster
   * that runs KServe, which has its own.
   * @default false
   */
  readonly installCrd?: boolean;

  /**
   * CPU and memory of the controller container.
   * @default - request 100m CPU and 128 MiB, limit 500m CPU and 256 MiB
   */
  readonly resources?: ContainerResources;

  /**
   * How long a leader's Lease holds without renewal before another replica may take over.
   * @default Duration.seconds(15) (client-go's default)
   */
  readonly leaseDuration?: Duration;

  /**
   * How often every InferenceService is reconciled even without a change (repairs what a replica
   * lost without telling the API server, such as a restarted model server).
   * @default Duration.seconds(60)
   */
  readonly resyncPeriod?: Duration;

  /**
   * Labels for every object of the controller.
   * @default - the `app.kubernetes.io` labels only
   */
  readonly labels?: { [key: string]: string };
}

/** The port of the controller's `/healthz` and `/readyz`. */
export const MODEL_CONTROLLER_HEALTH_PORT = 8081;
const CONFIG_MOUNT_PATH = '/etc/kfs-model-controller';
const CONFIG_FILE_NAME = 'config.json';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * Runs `kfs-runtime controller`, which loads every TrainedModel of the given multi-model
 * InferenceServices into each of their predictor replicas (and unloads, and swaps on a new
 * `storageUri`), and reports status conditions on the TrainedModels.
 *
 * It emits a Deployment (Pod Security Standards "restricted"), a ServiceAccount, a ConfigMap with the
 * controller's configuration, the leader-election Lease, and least-privilege RBAC: per served
 * namespace a Role to list/watch TrainedModels and Pods, patch TrainedModel status and patch only the
 * InferenceServices' model-config ConfigMaps; in its own namespace a Role to get/update only its
 * Lease. Nothing cluster-wide, no create or delete of anything. Optionally the TrainedModel CRD.
 */
export class ModelController extends Construct {
  /** Name of the controller's objects. */
  public readonly name: string;
  /** The controller's namespace. */
  public readonly namespace: string;
  /** The configuration the controller reads (also in the ConfigMap). */
  public readonly config: ControllerConfig;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly lease: k8s.KubeLease;
  public readonly deployment: k8s.KubeDeployment;
  /** One Role per served namespace, by namespace. */
  public readonly roles: { [namespace: string]: k8s.KubeRole } = {};
  public readonly roleBindings: { [namespace: string]: k8s.KubeRoleBinding } = {};
  /** The Role for the Lease, in the controller's namespace. */
  public readonly leaderElectionRole: k8s.KubeRole;
  public readonly leaderElectionRoleBinding: k8s.KubeRoleBinding;
  /** The TrainedModel CRD, when `installCrd` is true. */
  public readonly crd?: TrainedModelCrd;
  /**
   * Per served InferenceService that has a NetworkPolicy (`egress`) in another namespace: a policy
   * that lets the controller's pods reach its predictor's HTTP port, by InferenceService name.
   */
  public readonly networkPolicies: { [isvcName: string]: k8s.KubeNetworkPolicy } = {};

  constructor(scope: Construct, id: string, props: ModelControllerProps) {
    super(scope, id);
    this.name = props.name ?? 'kfs-model-controller';
    const owner = `ModelController '${this.name}'`;
    if (!isDns1123Label(this.name) || this.name.length > 63 - '-leader-election'.length) {
      throw propError(owner, 'name', this.name, 'is not a valid name for its objects',
        `use at most ${63 - '-leader-election'.length} lowercase letters, digits and "-", starting and ending with a letter or digit`);
    }
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    if (!isDns1123Label(this.namespace)) {
      throw propError(owner, 'namespace', this.namespace, 'is not a valid namespace name', 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
    }
    const replicas = props.replicas ?? 1;
    requireNonNegativeInteger(owner, 'replicas', replicas);
    if (replicas < 1) {
      throw propError(owner, 'replicas', replicas, 'runs no controller', 'use 1, or more for a warm standby');
    }
    const leaseSeconds = wholeSeconds(owner, 'leaseDuration', props.leaseDuration ?? Duration.seconds(15), 3);
    const resyncSeconds = wholeSeconds(owner, 'resyncPeriod', props.resyncPeriod ?? Duration.seconds(60), 5);
    validateInferenceServices(owner, props.inferenceServices);

    this.config = {
      inferenceServices: props.inferenceServices.map(isvc => ({
        namespace: isvc.namespace,
        name: isvc.name,
        modelConfigMap: kserve.modelConfigMapName(isvc.name),
        memoryLimit: isvc.predictor.memoryLimit!,
        frameworks: isvc.predictor.runtime!.supportedFormats.map(format => format.name),
        url: isvc.url,
        clusterLocalUrl: isvc.clusterLocalUrl,
      })),
    };
    const configJson = renderControllerConfig(this.config);
    const labels = {
      'app.kubernetes.io/name': 'kfs-model-controller',
      'app.kubernetes.io/instance': this.name,
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/part-of': 'cdk8s-kfserving',
      ...props.labels,
    };
    const metadata = (namespace: string, name = this.name) => ({ name, namespace, labels });

    if (props.installCrd) this.crd = new TrainedModelCrd(this, 'Crd');
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(this.namespace),
      // The token is mounted explicitly in the pod spec, which is the only place that needs it.
      automountServiceAccountToken: false,
    });
    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(this.namespace), data: { [CONFIG_FILE_NAME]: configJson } });
    // Emitted here so the controller needs no `create` on leases; it only gets and updates this one.
    // No spec fields are set, so re-applying the chart never touches the holder or renew time.
    this.lease = new k8s.KubeLease(this, 'Lease', { metadata: metadata(this.namespace) });

    const subject = { kind: 'ServiceAccount', name: this.name, namespace: this.namespace };
    for (const [namespace, isvcs] of groupByNamespace(props.inferenceServices)) {
      this.roles[namespace] = new k8s.KubeRole(this, `Role-${namespace}`, {
        metadata: metadata(namespace),
        rules: [
          { apiGroups: [kserve.SERVING_API_GROUP], resources: [kserve.TRAINED_MODEL_PLURAL], verbs: ['list', 'watch'] },
          { apiGroups: [kserve.SERVING_API_GROUP], resources: [`${kserve.TRAINED_MODEL_PLURAL}/status`], verbs: ['patch'] },
          // Predictor replicas are found through their Pods (IP, port, readiness); read-only.
          { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
          // Only the model-config ConfigMaps of the served InferenceServices, which the charts emit empty.
          { apiGroups: [''], resources: ['configmaps'], verbs: ['patch'], resourceNames: isvcs.map(isvc => kserve.modelConfigMapName(isvc.name)).sort() },
        ],
      });
      this.roleBindings[namespace] = new k8s.KubeRoleBinding(this, `RoleBinding-${namespace}`, {
        metadata: metadata(namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: this.name },
        subjects: [subject],
      });
    }
    // An InferenceService's own NetworkPolicy admits only Knative, the gateways and its namespace;
    // policies add up, so one more lets the controller call the repository API of its replicas.
    for (const isvc of props.inferenceServices) {
      if (isvc.egressControl?.networkPolicy === undefined || isvc.namespace === this.namespace) continue;
      this.networkPolicies[isvc.name] = new k8s.KubeNetworkPolicy(this, `NetworkPolicy-${isvc.namespace}-${isvc.name}`, {
        metadata: metadata(isvc.namespace, `${this.name}-${isvc.name}`),
        spec: {
          podSelector: { matchLabels: { [kserve.LABEL_INFERENCE_SERVICE]: isvc.name, [kserve.LABEL_COMPONENT]: 'predictor' } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } }, podSelector: { matchLabels: selectorLabels(this.name) } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(isvc.predictor._resolved.container.port!.containerPort) }],
          }],
        },
      });
    }
    const leaderElectionName = `${this.name}-leader-election`;
    this.leaderElectionRole = new k8s.KubeRole(this, 'LeaderElectionRole', {
      metadata: metadata(this.namespace, leaderElectionName),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [this.name] }],
    });
    this.leaderElectionRoleBinding = new k8s.KubeRoleBinding(this, 'LeaderElectionRoleBinding', {
      metadata: metadata(this.namespace, leaderElectionName),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: leaderElectionName },
      subjects: [subject],
    });

    const resources = resolveControllerResources(owner, props.resources);
    const selector = selectorLabels(this.name);
    const health = k8s.IntOrString.fromNumber(MODEL_CONTROLLER_HEALTH_PORT);
    const quantities = (values: { [name: string]: string }) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, k8s.Quantity.fromString(value)]));
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: metadata(this.namespace),
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...labels, ...selector },
            // A changed configuration rolls the controller (it reads the file once, at start).
            annotations: { 'cdk8s-kfserving.io/config-sha256': createHash('sha256').update(configJson).digest('hex') },
          },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'controller',
              image: (props.image ?? DEFAULT_KFS_RUNTIME_IMAGE).reference,
              args: [
                'controller',
                `--config=${CONFIG_MOUNT_PATH}/${CONFIG_FILE_NAME}`,
                `--lease-name=${this.name}`,
                `--lease-duration=${leaseSeconds}s`,
                `--resync-period=${resyncSeconds}s`,
                `--health-port=${MODEL_CONTROLLER_HEALTH_PORT}`,
              ],
              env: [
                // The Lease holder identity and namespace.
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: [{ name: 'health', containerPort: MODEL_CONTROLLER_HEALTH_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: health }, periodSeconds: 10, failureThreshold: 3 },
              // Ready once its caches are synced; a standby replica is ready too.
              readinessProbe: { httpGet: { path: '/readyz', port: health }, periodSeconds: 5 },
              resources: { requests: quantities(resources.requests), limits: quantities(resources.limits) },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: this.name } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    });
  }
}

/** Node with client-node and a handful of informers idles at ~60 MiB; lists of thousands of Pods need more. */
const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

function resolveControllerResources(owner: string, resources: ContainerResources | undefined): { requests: { [name: string]: string }; limits: { [name: string]: string } } {
  if (resources === undefined) return DEFAULT_RESOURCES;
  const requests: { [name: string]: string } = {};
  const limits: { [name: string]: string } = {};
  if (resources.cpu?.request) requests.cpu = resources.cpu.request.amount;
  if (resources.cpu?.limit) limits.cpu = resources.cpu.limit.amount;
  if (resources.memory?.request) requests.memory = `${resources.memory.request.toMebibytes()}Mi`;
  if (resources.memory?.limit) limits.memory = `${resources.memory.limit.toMebibytes()}Mi`;
  for (const name of ['cpu', 'memory']) {
    if (requests[name] !== undefined && limits[name] !== undefined && quantityValue(requests[name]) > quantityValue(limits[name])) {
      throw propError(owner, `resources.${name}.request`, requests[name], `is greater than the limit (${limits[name]})`, 'lower the request or raise the limit');
    }
  }
  return { requests, limits };
}

function selectorLabels(name: string): { [key: string]: string } {
  return { 'app.kubernetes.io/name': 'kfs-model-controller', 'app.kubernetes.io/instance': name };
}

function validateInferenceServices(owner: string, isvcs: readonly InferenceService[]): void {
  if (isvcs.length === 0) {
    throw new ValidationError(`${owner}: inferenceServices is empty; list the multi-model InferenceServices whose TrainedModels it loads`);
  }
  const seen = new Set<string>();
  for (const isvc of isvcs) {
    if (!isvc.predictor.multiModel) {
      throw propError(owner, 'inferenceServices', isvc.name, 'is not a multi-model InferenceService', 'set predictor.multiModel on it, or leave it out');
    }
    const key = `${isvc.namespace}/${isvc.name}`;
    if (seen.has(key)) throw propError(owner, 'inferenceServices', key, 'is listed twice', 'list each InferenceService once');
    seen.add(key);
  }
}

function groupByNamespace(isvcs: readonly InferenceService[]): [string, InferenceService[]][] {
  const byNamespace = new Map<string, InferenceService[]>();
  for (const isvc of isvcs) byNamespace.set(isvc.namespace, [...(byNamespace.get(isvc.namespace) ?? []), isvc]);
  return [...byNamespace.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function wholeSeconds(owner: string, prop: string, duration: Duration, minimum: number): number {
  const seconds = duration.toSeconds();
  if (!Number.isInteger(seconds) || seconds < minimum) {
    throw propError(owner, prop, `${duration.toSeconds()}s`, `is not a whole number of seconds of at least ${minimum}`, `use e.g. Duration.seconds(${minimum * 5})`);
  }
  return seconds;
}
