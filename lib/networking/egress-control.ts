import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as se from '../../imports/istio-serviceentry-networking.istio.io';
import * as sidecar from '../../imports/istio-sidecar-networking.istio.io';
import { EgressInput, renderNetworkPolicy, renderServiceEntries, renderSidecar } from './_egress';

/**
 * The egress (and ingress) allow-list of one InferenceService: an Istio `Sidecar` and `ServiceEntry`s in
 * mesh mode, and a Kubernetes `NetworkPolicy`. Created by `InferenceService` from `egress`; each object
 * is a public field.
 */
export class EgressControl extends Construct {
  /** Every host the pods may call beyond the fixed set (DNS, Knative, Istio, own namespace). */
  public readonly hosts: string[];
  /** Registry-only egress for the pods' sidecars, in mesh mode. */
  public readonly sidecar?: sidecar.Sidecar;
  /** External hosts, one entry per port and protocol, in mesh mode. */
  public readonly serviceEntries: se.ServiceEntry[];
  /** The Kubernetes NetworkPolicy, unless `egress.networkPolicy` is false. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;

  /** @internal created by InferenceService */
  constructor(scope: Construct, id: string, input: EgressInput) {
    super(scope, id);
    this.hosts = input.hosts.map(host => host.toString());
    this.serviceEntries = [];
    if (input.meshSidecar) {
      this.sidecar = new sidecar.Sidecar(this, 'Sidecar', renderSidecar(input));
      for (const entry of renderServiceEntries(input)) this.serviceEntries.push(new se.ServiceEntry(this, entry.id, entry.props));
    }
    if (input.networkPolicy) this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', renderNetworkPolicy(input));
  }
}
