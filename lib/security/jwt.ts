/** Where a token is read from in a request header, e.g. `Authorization: Bearer <token>`. */
export interface JwtHeader {
  /** The header name, e.g. `Authorization` or `x-jwt-assertion`. */
  readonly name: string;

  /**
   * A prefix before the token in the header value, e.g. `Bearer ` (with the space).
   * @default - none: the whole header value is the token
   */
  readonly prefix?: string;
}

/**
 * An issuer whose JSON Web Tokens are accepted (one Istio `RequestAuthentication` JWT rule).
 * Give exactly one of `jwksUri` and `jwks`.
 */
export interface JwtIssuer {
  /** The `iss` claim the tokens carry, e.g. `https://accounts.example.com`. */
  readonly issuer: string;

  /**
   * Where Istio fetches the issuer's public keys; must be `https://` so the keys cannot be tampered with.
   * @default - none; set this or `jwks`
   */
  readonly jwksUri?: string;

  /**
   * The issuer's public keys inline, as a JSON Web Key Set document.
   * @default - none; set this or `jwksUri`
   */
  readonly jwks?: string;

  /**
   * Accepted `aud` claims; a token whose audience is not listed is rejected.
   * @default - any audience
   */
  readonly audiences?: string[];

  /**
   * Headers the token may be read from.
   * @default - Istio's default, `Authorization: Bearer <token>`
   */
  readonly fromHeaders?: JwtHeader[];

  /**
   * Cookies the token may be read from.
   * @default - none
   */
  readonly fromCookies?: string[];

  /**
   * Whether the token stays in the request after the sidecar validated it. A transformer or explainer
   * must pass the caller's token on to the predictor, which requires it too, so they need it.
   * @default - true when the InferenceService has a transformer or explainer, false otherwise (Istio's default)
   */
  readonly forwardOriginalToken?: boolean;
}

/** JWT authentication for an InferenceService. */
export interface JwtOptions {
  /** The accepted issuers (at least one). */
  readonly issuers: JwtIssuer[];

  /**
   * Whether every request must carry a valid token. Istio's `RequestAuthentication` alone only rejects
   * *invalid* tokens and lets requests without one through; with `required`, the library adds a DENY
   * policy for requests without a token, except Knative's own probes and metrics scrapes.
   * @default true
   */
  readonly required?: boolean;
}
