import { ApiObjectMetadataDefinition } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as istio from '../../imports/istio-virtualservice-networking.istio.io';
import * as keda from '../../imports/keda-scaledobject-keda.sh';
import * as kedaAuth from '../../imports/keda-triggerauthentication-keda.sh';
import * as knative from '../../imports/knative-serving.knative.dev';
import { DeploymentMode } from '../deployment-mode';
import { AutoscalerClass } from '../scaling/autoscaler';
import { renderHorizontalPodAutoscaler } from '../scaling/_hpa';
import { renderScaledObject, renderTriggerAuthentications } from '../scaling/_keda';
import { Endpoint } from '../rollout/endpoint';
import { ComponentRevisions } from '../rollout/_component-revisions';
import { renderComponentSplit } from '../rollout/_raw-canary';
import { renderDeployment, renderRawService } from './_deployment';
import { renderKnativeService } from './_knative-service';
import { ComponentKind, ResolvedComponent } from './_resolved';

export { ComponentKind } from './_resolved';

/**
 * One component of an InferenceService, named as KServe names it (`<isvc>-predictor`,
 * `<isvc>-transformer`, `<isvc>-explainer`): a Knative Service in Knative mode; in raw deployment mode
 * a Deployment, a Service and its autoscaler (HorizontalPodAutoscaler or KEDA ScaledObject).
 *
 * The generated objects are public so you can reach in with the typed API instead of JSON patches,
 * which the generated converters may silently drop. In Knative mode the revision is named in code
 * (`revisionName`); changes made through `knativeService` do not rename it, so give the component a
 * `revision` id when you make them.
 */
export abstract class ServingComponent extends Construct {
  /** Which component this is. */
  public readonly kind: ComponentKind;
  /** Name of the Knative Service (or raw-mode Deployment and Service), e.g. `iris-predictor`. */
  public readonly serviceName: string;
  /** Namespace of the component's objects. */
  public readonly namespace: string;
  /** The deployment mode the component was rendered in. */
  public readonly deploymentMode: DeploymentMode;
  /** The Knative Service (Knative mode). */
  public readonly knativeService?: knative.Service;
  /** The Deployment (raw mode). */
  public readonly deployment?: k8s.KubeDeployment;
  /** The ClusterIP Service in front of the Deployment, port 80 (raw mode). */
  public readonly service?: k8s.KubeService;
  /** The HorizontalPodAutoscaler (raw mode with `Autoscaler.hpa()`). */
  public readonly horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The KEDA ScaledObject (raw mode with `Autoscaler.keda(...)`). */
  public readonly scaledObject?: keda.ScaledObject;
  /** KEDA TriggerAuthentications the library created for triggers with credentials. */
  public readonly triggerAuthentications: kedaAuth.TriggerAuthentication[] = [];
  /** Raw mode, while a canary is rolled out: the canary's Deployment, named `canaryRevisionName`. */
  public readonly canaryDeployment?: k8s.KubeDeployment;
  /** Raw mode, while a canary is rolled out: the canary's ClusterIP Service, named like its Deployment. */
  public readonly canaryService?: k8s.KubeService;
  /** Raw mode, while a canary is rolled out: the canary Deployment's HorizontalPodAutoscaler (`Autoscaler.hpa()`). */
  public readonly canaryHorizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** Raw mode, while a canary is rolled out: the canary Deployment's KEDA ScaledObject (`Autoscaler.keda(...)`). */
  public readonly canaryScaledObject?: keda.ScaledObject;
  /** Raw mode, while a canary is rolled out: KEDA TriggerAuthentications of the canary's triggers. */
  public readonly canaryTriggerAuthentications: kedaAuth.TriggerAuthentication[] = [];
  /**
   * Raw mode, while a canary is rolled out: one Service per tag, `<tag>-<isvc>-<component>`, selecting the
   * pods of the track the tag names (`latest` and canary tags: the canary; `prev` and stable tags: the stable one).
   */
  public readonly tagServices: k8s.KubeService[] = [];
  /**
   * Raw mode, while a canary is rolled out: the mesh VirtualService on the component's own host that splits
   * calls from inside the mesh (the transformer's and explainer's to the predictor) by the canary's percent.
   */
  public readonly canaryVirtualService?: istio.VirtualService;
  /** Resolved values the manifests were built from (the stable component's). @internal */
  public readonly _resolved: ResolvedComponent;
  /** Resolved values of the canary, while one is rolled out (its pods need the same network access). @internal */
  public readonly _canaryResolved?: ResolvedComponent;

  /**
   * Knative mode: name of the revision the Knative Service's template creates
   * (`spec.template.metadata.name`), the canary's while one is rolled out, else the stable one's;
   * `<service>-<revision id>`, or `<service>-<template hash>` when no id is given. Raw mode has no revisions.
   */
  public readonly revisionName?: string;
  /** Knative mode: name of the stable revision, the one the component's own props describe. */
  public readonly stableRevisionName?: string;
  /** Name of the canary revision, while one is rolled out; in raw mode, of the canary's Deployment and Service. */
  public readonly canaryRevisionName?: string;
  /**
   * The component's own address, where requests are split between the stable and canary revisions: by
   * Knative in Knative mode, by a mesh VirtualService in raw mode (for callers with an Istio sidecar).
   */
  public readonly endpoint: Endpoint;
  /** The canary revision's own address (its `latest` tag; in raw mode a Service of that name), while one is rolled out. */
  public readonly canaryEndpoint?: Endpoint;
  /** The stable revision's own address (its `prev` tag; in raw mode a Service of that name), while a canary is rolled out. */
  public readonly stableEndpoint?: Endpoint;
  private readonly _tagEndpoints: { [tag: string]: Endpoint };

  protected constructor(scope: Construct, id: string, resolved: ResolvedComponent, deploymentMode: DeploymentMode, revisions: ComponentRevisions) {
    super(scope, id);
    this._resolved = resolved;
    this._canaryResolved = revisions.canary;
    this.kind = resolved.kind;
    this.serviceName = resolved.serviceName;
    this.namespace = resolved.namespace;
    this.deploymentMode = deploymentMode;
    this.revisionName = revisions.routing?.revisionName;
    this.stableRevisionName = revisions.stableRevisionName;
    this.canaryRevisionName = revisions.canaryRevisionName;
    this.endpoint = revisions.endpoint;
    this.canaryEndpoint = revisions.canaryEndpoint;
    this.stableEndpoint = revisions.stableEndpoint;
    this._tagEndpoints = revisions.tagEndpoints;
    if (deploymentMode === DeploymentMode.KNATIVE) {
      this.knativeService = new knative.Service(this, 'Resource', renderKnativeService(revisions.template, revisions.routing));
      return;
    }
    this.deployment = new k8s.KubeDeployment(this, 'Resource', renderDeployment(resolved));
    this.service = new k8s.KubeService(this, 'Service', renderRawService(resolved));
    const stableScaling = this.addAutoscaler('', resolved);
    this.horizontalPodAutoscaler = stableScaling.horizontalPodAutoscaler;
    this.scaledObject = stableScaling.scaledObject;
    this.triggerAuthentications = stableScaling.triggerAuthentications;
    const plan = revisions.rawCanary;
    if (!plan) return;
    // Each track scales on its own: its autoscaler targets its own Deployment.
    this.canaryDeployment = new k8s.KubeDeployment(this, 'CanaryDeployment', renderDeployment(plan.canary));
    this.canaryService = new k8s.KubeService(this, 'CanaryService', renderRawService(plan.canary));
    const canaryScaling = this.addAutoscaler('Canary', plan.canary);
    this.canaryHorizontalPodAutoscaler = canaryScaling.horizontalPodAutoscaler;
    this.canaryScaledObject = canaryScaling.scaledObject;
    this.canaryTriggerAuthentications = canaryScaling.triggerAuthentications;
    this.tagServices = plan.tagServices.map(tag => new k8s.KubeService(this, `TagService-${tag.tag}`, renderRawService(tag.track, tag.name)));
    this.canaryVirtualService = new istio.VirtualService(this, 'CanarySplit', renderComponentSplit(resolved, plan));
  }

  /** Raw mode: the autoscaler of one Deployment, named after it. */
  private addAutoscaler(idPrefix: string, track: ResolvedComponent): {
    horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2; scaledObject?: keda.ScaledObject; triggerAuthentications: kedaAuth.TriggerAuthentication[];
  } {
    const target = { name: track.serviceName, namespace: track.namespace, labels: track.labels };
    if (track.scaling.autoscalerClass === AutoscalerClass.HPA) {
      return { horizontalPodAutoscaler: new k8s.KubeHorizontalPodAutoscalerV2(this, `${idPrefix}HorizontalPodAutoscaler`, renderHorizontalPodAutoscaler(target, track.scaling)), triggerAuthentications: [] };
    }
    if (track.scaling.autoscalerClass === AutoscalerClass.KEDA) {
      const triggerAuthentications = renderTriggerAuthentications(target, track.scaling.keda!)
        .map((props, index) => new kedaAuth.TriggerAuthentication(this, `${idPrefix}TriggerAuthentication${index}`, props));
      return { triggerAuthentications, scaledObject: new keda.ScaledObject(this, `${idPrefix}ScaledObject`, renderScaledObject(target, track.scaling)) };
    }
    return { triggerAuthentications: [] };
  }

  /** Every tagged address, by tag (a copy): `latest`, `prev` and custom tags while a canary is rolled out. */
  public get tagEndpoints(): { [tag: string]: Endpoint } {
    return { ...this._tagEndpoints };
  }

  /** Metadata of the Knative Service (Knative mode) or the Deployment (raw mode), to add labels or annotations. */
  public get metadata(): ApiObjectMetadataDefinition {
    return (this.knativeService ?? this.deployment)!.metadata;
  }

  /** Host other workloads in the cluster call, e.g. `iris-predictor.models.svc.cluster.local`. */
  public get clusterLocalHost(): string {
    return `${this.serviceName}.${this.namespace}.svc.cluster.local`;
  }

  /** Short host KServe wires transformers and explainers to, e.g. `iris-predictor.models`. */
  public get shortHost(): string {
    return `${this.serviceName}.${this.namespace}`;
  }

  /** Cluster-local URL, e.g. `http://iris-predictor.models.svc.cluster.local`. */
  public get clusterLocalUrl(): string {
    return `http://${this.clusterLocalHost}`;
  }
}
