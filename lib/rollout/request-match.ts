import { ValidationError, quote } from '../_validation';

/**
 * A condition on a request, for routing by header or cookie at the InferenceService's top-level
 * Istio VirtualService (`CanaryOptions.canaryWhen`, `CanaryOptions.stableWhen`).
 *
 * @example
 * RequestMatch.header('x-canary', 'always')
 * RequestMatch.cookie('model-variant', 'b')
 */
export class RequestMatch {
  /**
   * The request carries header `name` with exactly `value`.
   * @param name header name in lowercase, as Istio matches it (e.g. `x-canary`)
   * @param value the exact value
   */
  public static header(name: string, value: string): RequestMatch {
    checkHeaderName('RequestMatch.header', name);
    if (value === '') {
      throw new ValidationError(`RequestMatch.header: value ('') is empty; give the exact value to match, e.g. 'always'`);
    }
    return new RequestMatch(name, { exact: value }, `header ${name}: ${value}`);
  }

  /**
   * The request carries header `name` with a value that matches `regex` as a whole (Istio uses RE2).
   * @param name header name in lowercase (e.g. `x-user-group`)
   * @param regex an RE2 regular expression, e.g. `beta|internal`
   */
  public static headerRegex(name: string, regex: string): RequestMatch {
    checkHeaderName('RequestMatch.headerRegex', name);
    checkRe2('RequestMatch.headerRegex', regex);
    return new RequestMatch(name, { regex }, `header ${name} ~ ${regex}`);
  }

  /**
   * The request carries cookie `name` with exactly `value`. Istio has no cookie match of its own, so this
   * matches the `cookie` header with a regular expression that finds the pair among the others.
   * @param name the cookie's name
   * @param value the cookie's exact value
   */
  public static cookie(name: string, value: string): RequestMatch {
    if (!COOKIE_NAME.test(name)) {
      throw new ValidationError(`RequestMatch.cookie: name (${quote(name)}) is not a cookie name; use letters, digits and !#$%&'*+-.^_\`|~ (RFC 6265)`);
    }
    if (!COOKIE_VALUE.test(value)) {
      throw new ValidationError(`RequestMatch.cookie: value (${quote(value)}) is not a cookie value; use at least one printable ASCII character other than space, '"', ',', ';' and '\\' (RFC 6265)`);
    }
    // The pair is the whole header, or preceded by "; " and followed by ";" (or the end).
    const regex = `^(.*;\\s*)?${escapeRegex(name)}=${escapeRegex(value)}(;.*)?$`;
    return new RequestMatch('cookie', { regex }, `cookie ${name}=${value}`);
  }

  private constructor(
    /** The header the condition reads (`cookie` for cookie matches). */
    public readonly headerName: string,
    private readonly condition: { readonly exact?: string; readonly regex?: string },
    private readonly description: string,
  ) {}

  /** The condition as Istio's `match[].headers` entry. @internal */
  public _toIstioHeaders(): { [header: string]: { exact?: string; regex?: string } } {
    return { [this.headerName]: { ...this.condition } };
  }

  /** A short description, e.g. `header x-canary: always`. */
  public toString(): string {
    return this.description;
  }
}

/** Lowercase HTTP token characters: Istio expects header names in lowercase. */
const HEADER_NAME = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;
/** RFC 6265 cookie-name (an RFC 7230 token) and cookie-value characters. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

function checkHeaderName(method: string, name: string): void {
  if (!HEADER_NAME.test(name)) {
    throw new ValidationError(`${method}: name (${quote(name)}) is not a lowercase HTTP header name; write it in lowercase letters, digits, "-", "_" and ".", e.g. 'x-canary' (Istio matches header names in lowercase)`);
  }
  if (name === 'host') {
    throw new ValidationError(`${method}: name ('host') cannot be matched here: the route already matches the request's host; match another header`);
  }
  if (name === 'cookie') {
    throw new ValidationError(`${method}: name ('cookie') holds every cookie of the request; use RequestMatch.cookie(name, value) to match one cookie`);
  }
  // Istio reads these keys of a header match as request properties and ignores them as headers.
  if (['uri', 'scheme', 'method', 'authority'].includes(name)) {
    throw new ValidationError(`${method}: name (${quote(name)}) is a request property that Istio ignores in header matches; match a real header`);
  }
}

function checkRe2(method: string, regex: string): void {
  if (regex === '') {
    throw new ValidationError(`${method}: regex ('') is empty; give a regular expression the whole header value must match, e.g. 'beta|internal'`);
  }
  try {
    new RegExp(regex);
  } catch {
    throw new ValidationError(`${method}: regex (${quote(regex)}) is not a valid regular expression; fix its syntax`);
  }
  // RE2 (Istio, Envoy) has no lookaround and no backreferences; JavaScript accepts both.
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(regex)) {
    throw new ValidationError(`${method}: regex (${quote(regex)}) uses lookaround or a backreference, which Istio's RE2 engine does not support; rewrite it without them`);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
