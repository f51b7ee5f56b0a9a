import { Construct } from 'constructs';
import * as authz from '../../imports/istio-authorizationpolicy-security.istio.io';
import * as dr from '../../imports/istio-destinationrule-networking.istio.io';
import * as pa from '../../imports/istio-peerauthentication-security.istio.io';
import * as ra from '../../imports/istio-requestauthentication-security.istio.io';
import {
  MeshPolicyInput, renderAllowPolicy, renderDestinationRule, renderJwtRequirement, renderPeerAuthentication, renderRequestAuthentication,
} from './_mesh-policies';

/**
 * The Istio policies of one InferenceService in mesh mode: `PeerAuthentication` (always), and when
 * asked for, `DestinationRule`, `RequestAuthentication`, a DENY policy that requires a token, and a
 * deny-by-default ALLOW policy. Created by `InferenceService`; each object is a public field so it can
 * be changed through the typed API.
 */
export class MeshSecurity extends Construct {
  /** mTLS for the InferenceService's pods. */
  public readonly peerAuthentication: pa.PeerAuthentication;
  /** The matching client-side TLS mode, when `security.destinationRule` is on. */
  public readonly destinationRule?: dr.DestinationRule;
  /** JWT validation, when `security.jwt` is set. */
  public readonly requestAuthentication?: ra.RequestAuthentication;
  /** Denies requests without a valid token, when `security.jwt.required` (the default). */
  public readonly jwtRequirement?: authz.AuthorizationPolicy;
  /** The deny-by-default ALLOW policy, when `security.authorization.denyByDefault`. */
  public readonly allowPolicy?: authz.AuthorizationPolicy;

  /** @internal created by InferenceService */
  constructor(scope: Construct, id: string, input: MeshPolicyInput) {
    super(scope, id);
    this.peerAuthentication = new pa.PeerAuthentication(this, 'PeerAuthentication', renderPeerAuthentication(input));
    if (input.security.destinationRule) this.destinationRule = new dr.DestinationRule(this, 'DestinationRule', renderDestinationRule(input));
    if (input.security.jwtRules.length > 0) this.requestAuthentication = new ra.RequestAuthentication(this, 'RequestAuthentication', renderRequestAuthentication(input));
    if (input.security.jwtRequired) this.jwtRequirement = new authz.AuthorizationPolicy(this, 'JwtRequirement', renderJwtRequirement(input));
    if (input.security.allowRules) this.allowPolicy = new authz.AuthorizationPolicy(this, 'AllowPolicy', renderAllowPolicy(input));
  }
}
