import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as istio from '../imports/istio-virtualservice-networking.istio.io';
import * as kserve from './_kserve';
import { isDns1123Label, propError } from './_validation';
import { Explainer, ExplainerProps } from './components/explainer';
import { Predictor, PredictorProps } from './components/predictor';
import { ServingComponent } from './components/serving-component';
import { Transformer, TransformerProps } from './components/transformer';
import { ComponentContext } from './components/_resolve';
import { DeploymentMode } from './deployment-mode';
import { IngressOptions } from './networking/ingress-options';
import { RawRouteInput, rawExternalHost, renderRawExternalNameService, renderRawIngress, renderRawVirtualService } from './networking/_raw-route';
import { TopLevelRouteInput, externalHost, internalHost, renderExternalNameService, renderTopLevelVirtualService } from './networking/_top-level-route';
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
    const ingress = resolveIngress(owner, props.ingress, this.deploymentMode);
    this.domain = ingress.domain;

    const context: ComponentContext = {
      owner,
      isvcName: this.name,
      namespace: this.namespace,
      labels: props.labels ?? {},
      warn: message => Warnings.of(this).add(message),
      deploymentMode: this.deploymentMode,
    };
    this.predictor = new Predictor(this, 'Predictor', props.predictor, context);
    const predictorWiring = { host: this.predictor.shortHost, protocolVersion: this.predictor.protocolVersion };
    if (props.transformer) this.transformer = new Transformer(this, 'Transformer', props.transformer, context, predictorWiring);
    if (props.explainer) this.explainer = new Explainer(this, 'Explainer', props.explainer, context, predictorWiring);

    const labels = { ...props.labels, [kserve.LABEL_INFERENCE_SERVICE]: this.name };
    if (this.deploymentMode === DeploymentMode.RAW) {
      const backend = (c: ServingComponent) => ({ serviceName: c.serviceName, timeoutSeconds: c._resolved.scaling.timeoutSeconds });
      const route: RawRouteInput = {
        isvcName: this.name,
        namespace: this.namespace,
        domain: ingress.domain,
        ingressGateway: ingress.ingressGateway,
        ingressClassName: ingress.ingressClassName,
        labels,
        defaultBackend: backend(this.transformer ?? this.predictor),
        explainer: this.explainer ? backend(this.explainer) : undefined,
        components: this.components.map(backend),
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
      };
      this.virtualService = new istio.VirtualService(this, 'VirtualService', renderTopLevelVirtualService(route));
      this.externalNameService = new k8s.KubeService(this, 'ExternalName', renderExternalNameService(route));
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

  /** External URL: `http://<name>.<namespace>.<domain>` in Knative mode, `http://<name>-<namespace>.<domain>` in raw mode (KServe's hosts). */
  public get url(): string {
    if (this.deploymentMode === DeploymentMode.RAW) return `http://${rawExternalHost({ name: this.name, namespace: this.namespace, domain: this.domain })}`;
    return `http://${externalHost({ isvcName: this.name, namespace: this.namespace, domain: this.domain })}`;
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

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GATEWAY_REFERENCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

interface ResolvedIngress {
  readonly domain: string;
  readonly ingressGateway?: string;
  readonly localGateway?: string;
  readonly localGatewayService?: string;
  readonly kubernetesIngress: boolean;
  readonly ingressClassName?: string;
}

function resolveIngress(owner: string, ingress: IngressOptions | undefined, mode: DeploymentMode): ResolvedIngress {
  const raw = mode === DeploymentMode.RAW;
  const onlyIn = (prop: keyof IngressOptions, inRaw: boolean) => {
    const value = ingress?.[prop];
    if (value !== undefined && raw !== inRaw) {
      throw inRaw
        ? propError(owner, `ingress.${prop}`, value, 'is used only in raw deployment mode', 'remove it; in Knative mode requests reach the components through Knative\'s gateways')
        : propError(owner, `ingress.${prop}`, value, 'is used only in Knative mode', 'remove it; raw deployment mode routes straight to the components\' Services');
    }
  };
  onlyIn('localGateway', false);
  onlyIn('localGatewayService', false);
  onlyIn('kubernetesIngress', true);
  onlyIn('ingressClassName', true);
  const resolved: ResolvedIngress = {
    domain: ingress?.domain ?? kserve.DEFAULT_DOMAIN,
    ingressGateway: ingress?.ingressGateway ?? (raw ? undefined : kserve.KNATIVE_INGRESS_GATEWAY),
    localGateway: raw ? undefined : ingress?.localGateway ?? kserve.KNATIVE_LOCAL_GATEWAY,
    localGatewayService: raw ? undefined : ingress?.localGatewayService ?? kserve.KNATIVE_LOCAL_GATEWAY_SERVICE,
    kubernetesIngress: raw && (ingress?.kubernetesIngress ?? true),
    ingressClassName: raw && (ingress?.kubernetesIngress ?? true) ? ingress?.ingressClassName ?? kserve.DEFAULT_INGRESS_CLASS : undefined,
  };
  if (!DNS_SUBDOMAIN.test(resolved.domain) || resolved.domain.length > 253) {
    throw propError(owner, 'ingress.domain', resolved.domain, 'is not a DNS domain', "use the cluster's Knative domain, e.g. 'models.example.com'");
  }
  for (const prop of ['ingressGateway', 'localGateway'] as const) {
    const value = resolved[prop];
    if (value !== undefined && !GATEWAY_REFERENCE.test(value)) {
      throw propError(owner, `ingress.${prop}`, value, 'is not a gateway reference', "write it as '<namespace>/<gateway-name>', e.g. 'istio-system/public-gateway'");
    }
  }
  if (resolved.localGatewayService !== undefined && !DNS_SUBDOMAIN.test(resolved.localGatewayService)) {
    throw propError(owner, 'ingress.localGatewayService', resolved.localGatewayService, 'is not a Service host name', "use '<service>.<namespace>.svc.cluster.local'");
  }
  if (resolved.ingressClassName !== undefined && !isDns1123Subdomain(resolved.ingressClassName)) {
    throw propError(owner, 'ingress.ingressClassName', resolved.ingressClassName, 'is not an IngressClass name', "use the name of an IngressClass in the cluster, e.g. 'istio' or 'nginx'");
  }
  if (raw && ingress?.kubernetesIngress === false && ingress?.ingressClassName !== undefined) {
    throw propError(owner, 'ingress.ingressClassName', ingress.ingressClassName, 'means nothing with kubernetesIngress false', 'remove ingressClassName, or let the library emit the Ingress');
  }
  return resolved;
}

function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

function printWarnings(isvc: InferenceService): void {
  for (const warning of Warnings.of(isvc).all) process.stderr.write(`[cdk8s-kfserving] WARNING ${warning}\n`);
}

