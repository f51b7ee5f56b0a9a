/**
 * Small checks shared by the constructs. Every error message follows one shape so users can act on it:
 * `<Kind> '<name>': <prop> (<value>) <what is wrong>; <how to fix it>`.
 * @internal
 */

/** RFC 1035 label: what Knative requires of Service and revision names. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 label: what Kubernetes requires of namespaces and container names. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Thrown for invalid construct props; the message names the construct, the prop, the value and the fix. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Renders a value the way messages quote it: strings in single quotes, everything else as JSON. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** Builds the message for one invalid prop. */
export function propError(owner: string, prop: string, value: unknown, problem: string, fix: string): ValidationError {
  return new ValidationError(`${owner}: ${prop} (${quote(value)}) ${problem}; ${fix}`);
}

export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS_1035_LABEL.test(value);
}

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS_1123_LABEL.test(value);
}

/** Checks a non-negative integer prop. */
export function requireNonNegativeInteger(owner: string, prop: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0) {
    throw propError(owner, prop, value, 'is not a non-negative integer', `use a whole number of 0 or more`);
  }
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Label and taint keys: an optional DNS-subdomain prefix and a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
  const name = key.split('/').pop() ?? '';
  return QUALIFIED_NAME.test(key) && name.length <= 63 && key.length <= 317;
}

/** Label values: empty, or at most 63 letters, digits, "-", "_" and "." starting and ending alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value));
}
