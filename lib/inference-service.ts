import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as istioGateway from '../imports/istio-gateway-networking.istio.io';
import * as istioTelemetry from '../imports/istio-telemetry-telemetry.istio.io';
import * as istio from '../imports/istio-virtualservice-networking.istio.io';
import * as kserve from './_kserve';
import { isDns1123Label, propError } from './_validation';
import { Explainer, ExplainerProps } from './components/explainer';
import { Predictor, PredictorProps } from './components/predictor';
import { ServingComponent } from './components/serving-component';
import { Transformer, TransformerProps } from './components/transformer';
import { ComponentContext } from './components/_resolve';
import { DeploymentMode } from './deployment-mode';
import { RuntimeImage } from './model/runtime-image';
import { EgressControl } from './networking/egress-control';
import { EgressOptions } from './networking/egress-options';
import { IngressOptions } from './networking/ingress-options';
import { Visibility } from './networking/visibility';
import { egressInput } from './networking/_egress';
import { RawRouteInput, renderRawExternalNameService, renderRawIngress, renderRawVirtualService } from './networking/_raw-route';
import { resolveIngress } from './networking/_resolve-ingress';
import { renderTlsGateway } from './networking/_tls-gateway';
import { TopLevelRouteInput, internalHost, renderExternalNameService, renderTopLevelVirtualService } from './networking/_top-level-route';
import { ObservabilityOptions } from './observability/observability-options';
import { resolveObservability } from './observability/_resolve-observability';
import { renderTelemetry } from './observability/_telemetry';
import { MeshMode } from './security/mesh-mode';
import { MeshSecurity } from './security/mesh-security';
import { SecurityOptions } from './security/security-options';
import { resolveSecurity } from './security/_resolve-security';
import { CanaryRollout } from './rollout/canary-rollout';
import { Endpoint } from './rollout/endpoint';
import { canaryRoute, checkCanary, checkCanaryWiring } from './rollout/_canary-plan';
import { ComponentRolloutInput } from './rollout/_component-revisions';
import { Warnings } from './warnings';

/** An InferenceService: a predictor, optionally behind a transformer and beside an explainer. */
export interface InferenceServiceProps {
  /**
   * The InferenceService's name; components are named `<name>-predictor` etc.
   * @default - the construct id
   */
  readonly name?: string;

  /**
   * Namespace of every object.
   * @default - the chart's namespace, or `default`
   */
  readonly namespace?: string;

  /** The predictor (required): a stored model or your own model server. */
  readonly predictor: PredictorProps;

  /**
   * A transformer in front of the predictor; predict traffic goes to it first.
   * @default - none: traffic goes straight to the predictor
   */
  readonly transformer?: TransformerProps;

  /**
   * An explainer for `:explain` requests.
   * @default - none
   */
  readonly explainer?: ExplainerProps;

  /**
   * How the components run: Knative Services, or (`DeploymentMode.RAW`) Deployments, Services and a
   * HorizontalPodAutoscaler or KEDA ScaledObject, with the same props.
   * @default DeploymentMode.KNATIVE
   */
  readonly deploymentMode?: DeploymentMode;

  /**
   * Ingress: domain and gateways of the top-level route.
   * @default - a default Knative + Istio install (`example.com`, Knative's gateways)
   */
  readonly ingress?: IngressOptions;

  /**
   * Labels for every object of this InferenceService.
   * @default - KServe's labels only
   */
  readonly labels?: { [key: string]: string };

  /**
   * Mesh security: Istio sidecar, mTLS, JWT authentication and authorization.
   * @default - no sidecar requested and no mesh policies
   */
  readonly security?: SecurityOptions;

  /**
   * Egress (and ingress) allow-list for the pods, derived from the storage URIs.
   * @default - no egress restriction
   */
  readonly egress?: EgressOptions;

  /**
   * Prometheus scraping, tracing and access logs.
   * @default - none beyond the mesh's defaults
   */
  readonly observability?: ObservabilityOptions;

  /**
   * A canary rollout: new predictor, transformer or explainer revisions taking a share of the requests
   * beside the stable ones described above (see `CanaryRollout`, `ProgressiveRollout`). In raw mode the
   * canary runs as a second Deployment and Service per component and needs `ingress.kubernetesIngress: false`
   * (the Ingress would bypass the weights) unless the InferenceService is cluster-local.
   * @default - no canary: each component's latest revision takes all requests
   */
  readonly canary?: CanaryRollout;
}

/**
 * KServe's InferenceService as plain manifests: one Knative Service per component
 * (`<name>-predictor`, `-transformer`, `-explainer`) and a top-level Istio VirtualService plus an
 * ExternalName Service for `<name>.<namespace>`, which route predict traffic to the transformer when
 * there is one and to the predictor otherwise, and `:explain` to the explainer.
 *
 * @example
 * new InferenceService(chart, 'iris', {
 *   predictor: { model: { format: ModelFormat.ONNX, storageUri: StorageUri.s3('models', 'iris/1') } },
 * });
 */
export class InferenceService extends Construct {
  /** The InferenceService's name. */
  public readonly name: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The deployment mode in use. */
  public readonly deploymentMode: DeploymentMode;
  /** The predictor. */
  public readonly predictor: Predictor;
  /** The transformer, if any. */
  public readonly transformer?: Transformer;
  /** The explainer, if any. */
  public readonly explainer?: Explainer;
  /** The top-level Istio VirtualService named after the InferenceService. */
  public readonly virtualService: istio.VirtualService;
  /** The ExternalName Service that makes `<name>.<namespace>.svc.cluster.local` resolve in the cluster. */
  public readonly externalNameService: k8s.KubeService;
  /** Raw mode: the Kubernetes Ingress named after the InferenceService (unless `ingress.kubernetesIngress` is false). */
  public readonly kubernetesIngress?: k8s.KubeIngress;
  /** The cluster's Knative domain used for the external URL. */
  public readonly domain: string;
  /** Who can reach the InferenceService. */
  public readonly visibility: Visibility;
  /** The external hosts of the top-level route (none when cluster-local). */
  public readonly externalHosts: string[];
  /** The Istio Gateway terminating TLS, when `ingress.tls` is set. */
  public readonly tlsGateway?: istioGateway.Gateway;
  /** The mesh policies (mTLS, JWT, authorization), in mesh mode. */
  public readonly meshSecurity?: MeshSecurity;
  /** The egress allow-list, when `egress` is set. */
  public readonly egressControl?: EgressControl;
  /** Istio tracing and access logs, when `observability.tracing` or `accessLogging` is set. */
  public readonly telemetry?: istioTelemetry.Telemetry;
  /** The canary rollout, if any. */
  public readonly canary?: CanaryRollout;
  /**
   * The canary revision's own address, while a canary is rolled out: the `latest` tag of the component
   * that takes predict traffic (the transformer if there is one, else the predictor).
   */
  public readonly canaryEndpoint?: Endpoint;
  /** The stable revision's own address (`prev` tag of the same component), while a canary is rolled out. */
  public readonly stableEndpoint?: Endpoint;
  /**
   * Multi-model predictor: the ConfigMap `modelconfig-<name>-0` its pods mount. It is emitted without
   * data: the `ModelController` owns `models.json` (server-side apply), and an apply of this chart,
   * client- or server-side, never touches a field it does not set.
   */
  public readonly modelConfigMap?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    this.name = props.name ?? id;
    const owner = `InferenceService '${this.name}'`;
    validateName(owner, this.name);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'default';
    if (!isDns1123Label(this.namespace)) {
      throw propError(owner, 'namespace', this.namespace, 'is not a valid namespace name', 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
    }
    this.deploymentMode = props.deploymentMode ?? DeploymentMode.KNATIVE;
    const ingress = resolveIngress(owner, { name: this.name, namespace: this.namespace, labels: props.labels }, props.ingress, this.deploymentMode);
    this.domain = ingress.domain;
    this.visibility = ingress.visibility;
    this.externalHosts = ingress.externalHosts;
    const warn = (message: string) => Warnings.of(this).add(message);
    const knative = this.deploymentMode === DeploymentMode.KNATIVE;
    const security = resolveSecurity({ owner, forwardsToPredictor: props.transformer !== undefined || props.explainer !== undefined, warn }, props.security);
    const meshSidecar = security.mesh === MeshMode.ISTIO_SIDECAR;
    const observability = resolveObservability(owner, props.observability, security.mesh, props.egress !== undefined);

    const context: ComponentContext = {
      owner,
      isvcName: this.name,
      namespace: this.namespace,
      // KServe keeps the visibility label on the Knative Services (Knative reads it there) and strips it from revision templates.
      labels: knative && ingress.visibility === Visibility.CLUSTER_LOCAL
        ? { ...props.labels, [kserve.LABEL_KNATIVE_VISIBILITY]: kserve.VISIBILITY_CLUSTER_LOCAL }
        : props.labels ?? {},
      warn,
      deploymentMode: this.deploymentMode,
      podWiring: { istioSidecar: meshSidecar, prometheus: observability.prometheus },
      runtimeTracing: props.observability?.runtimeTracing,
      kfsRuntimeImage: RuntimeImage.kfsRuntimeDefaultAt(this),
    };
    this.canary = props.canary;
    if (this.canary) {
      checkCanary({ owner, deploymentMode: this.deploymentMode, hasTransformer: !!props.transformer, hasExplainer: !!props.explainer, kubernetesIngress: ingress.kubernetesIngress }, this.canary);
    }
    const rollout: ComponentRolloutInput = {
      domain: this.domain, rollout: this.canary, componentIngress: ingress.kubernetesIngress,
      tagIngress: this.deploymentMode === DeploymentMode.RAW && ingress.ingressGateway !== undefined,
    };
    this.predictor = new Predictor(this, 'Predictor', props.predictor, context, rollout);
    const predictorWiring = { host: this.predictor.shortHost, protocolVersion: this.predictor.protocolVersion };
    if (props.transformer) this.transformer = new Transformer(this, 'Transformer', props.transformer, context, predictorWiring, rollout);
    if (props.explainer) this.explainer = new Explainer(this, 'Explainer', props.explainer, context, predictorWiring, rollout);
    checkCanaryWiring(owner, this.predictor, [this.transformer, this.explainer].filter(c => c !== undefined).map(c => c.kind));
    const entry = this.transformer ?? this.predictor;
    this.canaryEndpoint = entry.canaryEndpoint;
    this.stableEndpoint = entry.stableEndpoint;

    const labels = { ...props.labels, [kserve.LABEL_INFERENCE_SERVICE]: this.name };
    if (this.predictor.multiModel) {
      this.modelConfigMap = new k8s.KubeConfigMap(this, 'ModelConfig', {
        metadata: { name: kserve.modelConfigMapName(this.name), namespace: this.namespace, labels },
      });
    }
    if (this.deploymentMode === DeploymentMode.RAW) {
      const backend = (c: ServingComponent, mirror = false) => ({ serviceName: c.serviceName, timeoutSeconds: c._resolved.scaling.timeoutSeconds, canary: canaryRoute(c, this.canary, mirror) });
      const route: RawRouteInput = {
        isvcName: this.name,
        namespace: this.namespace,
        domain: ingress.domain,
        ingressGateway: ingress.ingressGateway,
        ingressClassName: ingress.ingressClassName,
        labels,
        defaultBackend: backend(entry, true),
        explainer: this.explainer ? backend(this.explainer) : undefined,
        components: this.components.map(c => backend(c)),
        tagBackends: this.components.flatMap(c => c.tagServices.map(service => ({ serviceName: service.name, timeoutSeconds: c._resolved.scaling.timeoutSeconds }))),
      };
      this.virtualService = new istio.VirtualService(this, 'VirtualService', renderRawVirtualService(route));
      this.externalNameService = new k8s.KubeService(this, 'ExternalName', renderRawExternalNameService(route));
      if (ingress.kubernetesIngress) this.kubernetesIngress = new k8s.KubeIngress(this, 'Ingress', renderRawIngress(route));
    } else {
      const route: TopLevelRouteInput = {
        domain: ingress.domain,
        ingressGateway: ingress.ingressGateway!,
        localGateway: ingress.localGateway!,
        localGatewayService: ingress.localGatewayService!,
        isvcName: this.name,
        namespace: this.namespace,
        labels,
        defaultBackendHost: (this.transformer ?? this.predictor).clusterLocalHost,
        explainerHost: this.explainer?.clusterLocalHost,
        externalHosts: ingress.externalHosts,
        externalGateway: ingress.tls ? `${this.namespace}/${this.name}` : ingress.ingressGateway!,
        pathRouting: ingress.pathRouting,
        defaultBackendCanary: canaryRoute(entry, this.canary, true),
        explainerCanary: canaryRoute(this.explainer, this.canary, false),
      };
      this.virtualService = new istio.VirtualService(this, 'VirtualService', renderTopLevelVirtualService(route));
      this.externalNameService = new k8s.KubeService(this, 'ExternalName', renderExternalNameService(route));
      if (ingress.tls) {
        this.tlsGateway = new istioGateway.Gateway(this, 'TlsGateway', renderTlsGateway({
          ...ingress.tls, isvcName: this.name, namespace: this.namespace, labels,
          hosts: [...ingress.externalHosts, ...(ingress.pathRouting ? [ingress.pathRouting.host] : [])],
        }));
      }
    }

    // Ports that serve only metrics: queue-proxy's (Knative mode), and the application's when Prometheus
    // scrapes them directly rather than through Istio's merged endpoint.
    const directScrape = observability.prometheus !== undefined && !(meshSidecar && observability.prometheus.mergeWithIstio);
    // A canary may run another runtime, with its own metrics port.
    const appMetricsPorts = directScrape
      ? [...new Set(this.components.flatMap(c => [c._resolved, c._canaryResolved]).filter(r => r !== undefined).map(r => r.metrics.port))]
      : [];
    const queueProxyPorts = knative ? [kserve.QUEUE_PROXY_AUTOSCALER_METRICS_PORT, kserve.QUEUE_PROXY_USER_METRICS_PORT] : [];
    const metricsPorts = [...new Set([...queueProxyPorts, ...appMetricsPorts])].sort((a, b) => a - b);
    if (meshSidecar) {
      this.meshSecurity = new MeshSecurity(this, 'Security', { isvcName: this.name, namespace: this.namespace, labels, security, metricsPorts, knative });
    }
    if (observability.telemetry) {
      this.telemetry = new istioTelemetry.Telemetry(this, 'Telemetry', renderTelemetry({
        isvcName: this.name, namespace: this.namespace, labels,
        tracing: props.observability?.tracing, accessLogging: props.observability?.accessLogging,
      }));
    }
    if (props.egress) {
      this.egressControl = new EgressControl(this, 'Egress', egressInput(owner, {
        isvcName: this.name, namespace: this.namespace, labels, options: props.egress, meshSidecar, security, knative,
        // The canary predictor pulls its own model, possibly from another store.
        storageUris: [props.predictor.model, props.canary?.predictor?.model].filter(m => m !== undefined).map(m => m.storageUri),
        tracingCollector: props.observability?.tracing?.collector,
        // The runtime's own outbound calls: the CloudEvents sink and the OTLP endpoint.
        runtimeEndpoints: [props.predictor.logger?.url, props.observability?.runtimeTracing?.otlpEndpoint].filter((url): url is string => url !== undefined),
        scrapePorts: observability.prometheus
          ? [...(directScrape ? appMetricsPorts : [kserve.ISTIO_AGENT_METRICS_PORT]), ...(knative ? [kserve.QUEUE_PROXY_USER_METRICS_PORT] : [])]
          : undefined,
      }));
    }

    // Validations run at synth; print the warnings there (once, though cdk8s may validate twice).
    let printed = false;
    this.node.addValidation({
      validate: () => {
        if (!printed) printWarnings(this);
        printed = true;
        return [];
      },
    });
  }

  /** Every component, predictor first. */
  public get components(): ServingComponent[] {
    return [this.predictor, this.transformer, this.explainer].filter((c): c is ServingComponent => c !== undefined);
  }

  /**
   * External URL: `http(s)://<name>.<namespace>.<domain>` in Knative mode, `http://<name>-<namespace>.<domain>`
   * in raw mode (KServe's hosts); the cluster-local URL when the InferenceService is cluster-local, as KServe reports it.
   */
  public get url(): string {
    if (this.externalHosts.length === 0) return this.clusterLocalUrl;
    return `${this.tlsGateway ? 'https' : 'http'}://${this.externalHosts[0]}`;
  }

  /** In-cluster URL, `http://<name>.<namespace>.svc.cluster.local`. */
  public get clusterLocalUrl(): string {
    return `http://${internalHost({ isvcName: this.name, namespace: this.namespace })}`;
  }
}

/** The longest component suffix, which bounds the InferenceService name. */
const LONGEST_COMPONENT_SUFFIX = '-transformer';
const MAX_NAME_LENGTH = kserve.DNS_LABEL_MAX_LENGTH - LONGEST_COMPONENT_SUFFIX.length - kserve.KNATIVE_REVISION_SUFFIX_LENGTH;

function validateName(owner: string, name: string): void {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw propError(owner, 'name', name, 'is not a DNS-1035 label', 'use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit');
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw propError(owner, 'name', name, `is ${name.length} characters, longer than ${MAX_NAME_LENGTH}`,
      `shorten it: Knative revision names such as '<name>${LONGEST_COMPONENT_SUFFIX}-00001' must fit in ${kserve.DNS_LABEL_MAX_LENGTH} characters`);
  }
}

function printWarnings(isvc: InferenceService): void {
  for (const warning of Warnings.of(isvc).all) process.stderr.write(`[cdk8s-kfserving] WARNING ${warning}\n`);
}

