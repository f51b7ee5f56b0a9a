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
   * How the components run.
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
    const ingress = resolveIngress(owner, props.ingress);
    this.domain = ingress.domain;

    const context: ComponentContext = {
      owner,
      isvcName: this.name,
      namespace: this.namespace,
      labels: props.labels ?? {},
      warn: message => Warnings.of(this).add(message),
    };
    this.predictor = new Predictor(this, 'Predictor', props.predictor, context);
    const predictorWiring = { host: this.predictor.shortHost, protocolVersion: this.predictor.protocolVersion };
    if (props.transformer) this.transformer = new Transformer(this, 'Transformer', props.transformer, context, predictorWiring);
    if (props.explainer) this.explainer = new Explainer(this, 'Explainer', props.explainer, context, predictorWiring);

    const route: TopLevelRouteInput = {
      ...ingress,
      isvcName: this.name,
      namespace: this.namespace,
      labels: { ...props.labels, [kserve.LABEL_INFERENCE_SERVICE]: this.name },
      defaultBackendHost: (this.transformer ?? this.predictor).clusterLocalHost,
      explainerHost: this.explainer?.clusterLocalHost,
    };
    this.virtualService = new istio.VirtualService(this, 'VirtualService', renderTopLevelVirtualService(route));
    this.externalNameService = new k8s.KubeService(this, 'ExternalName', renderExternalNameService(route));

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

  /** External URL, `http://<name>.<namespace>.<domain>`. */
  public get url(): string {
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

function resolveIngress(owner: string, ingress: IngressOptions | undefined): Required<IngressOptions> {
  const resolved = {
    domain: ingress?.domain ?? kserve.DEFAULT_DOMAIN,
    ingressGateway: ingress?.ingressGateway ?? kserve.KNATIVE_INGRESS_GATEWAY,
    localGateway: ingress?.localGateway ?? kserve.KNATIVE_LOCAL_GATEWAY,
    localGatewayService: ingress?.localGatewayService ?? kserve.KNATIVE_LOCAL_GATEWAY_SERVICE,
  };
  if (!DNS_SUBDOMAIN.test(resolved.domain) || resolved.domain.length > 253) {
    throw propError(owner, 'ingress.domain', resolved.domain, 'is not a DNS domain', "use the cluster's Knative domain, e.g. 'models.example.com'");
  }
  for (const prop of ['ingressGateway', 'localGateway'] as const) {
    if (!GATEWAY_REFERENCE.test(resolved[prop])) {
      throw propError(owner, `ingress.${prop}`, resolved[prop], 'is not a gateway reference', "write it as '<namespace>/<gateway-name>', e.g. 'istio-system/public-gateway'");
    }
  }
  if (!DNS_SUBDOMAIN.test(resolved.localGatewayService)) {
    throw propError(owner, 'ingress.localGatewayService', resolved.localGatewayService, 'is not a Service host name', "use '<service>.<namespace>.svc.cluster.local'");
  }
  return resolved;
}

function printWarnings(isvc: InferenceService): void {
  for (const warning of Warnings.of(isvc).all) process.stderr.write(`[cdk8s-kfserving] WARNING ${warning}\n`);
}

