// Names become one URL path segment and, via the constructs, Kubernetes-style labels; a
// conservative alphabet keeps them unambiguous in both without escaping rules.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** True when `name` is usable as a model name (letters, digits, `_`, `.`, `-`; starts alphanumeric). */
export function isValidModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}

/** Throws unless `name` is usable as a model name (letters, digits, `_`, `.`, `-`; starts alphanumeric). */
export function assertValidModelName(name: string): void {
  if (!isValidModelName(name)) {
    throw new Error(
      `invalid model name '${name}': use letters, digits, '_', '.' and '-', starting with a letter or digit`,
    );
  }
}
