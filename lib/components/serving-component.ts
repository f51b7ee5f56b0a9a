import { ApiObjectMetadataDefinition } from 'cdk8s';
import { Construct } from 'constructs';
import * as knative from '../../imports/knative-serving.knative.dev';
import { renderKnativeService } from './_knative-service';
import { ComponentKind, ResolvedComponent } from './_resolved';

export { ComponentKind } from './_resolved';

/**
 * One component of an InferenceService, synthesized as its own Knative Service
 * (`<isvc>-predictor`, `<isvc>-transformer`, `<isvc>-explainer`, as KServe names them).
 *
 * The generated Knative Service is public (`knativeService`) so you can reach in with the typed API
 * instead of JSON patches, which the generated converters may silently drop.
 */
export abstract class ServingComponent extends Construct {
  /** Which component this is. */
  public readonly kind: ComponentKind;
  /** Name of the Knative Service, e.g. `iris-predictor`. */
  public readonly serviceName: string;
  /** Namespace of the Knative Service. */
  public readonly namespace: string;
  /** The Knative Service. */
  public readonly knativeService: knative.Service;
  /** Resolved values the manifest was built from. @internal */
  public readonly _resolved: ResolvedComponent;

  protected constructor(scope: Construct, id: string, resolved: ResolvedComponent) {
    super(scope, id);
    this._resolved = resolved;
    this.kind = resolved.kind;
    this.serviceName = resolved.serviceName;
    this.namespace = resolved.namespace;
    this.knativeService = new knative.Service(this, 'Resource', renderKnativeService(resolved));
  }

  /** Metadata of the Knative Service, to add labels or annotations. */
  public get metadata(): ApiObjectMetadataDefinition {
    return this.knativeService.metadata;
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
