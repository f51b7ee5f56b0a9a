/** Binary and decimal suffixes of Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource`). */
const SUFFIX_MULTIPLIER: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/;

/**
 * A memory quantity (`256Mi`, `1G`, `1e9`, or a plain number of bytes) in bytes.
 *
 * @throws Error naming the value when it is not a quantity.
 */
export function parseMemoryQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`memory ${value} is not a non-negative quantity`);
    return value;
  }
  const match = QUANTITY.exec(value.trim());
  const multiplier = match?.[2] !== undefined ? 10 ** Number(match[2].slice(1)) : SUFFIX_MULTIPLIER[match?.[3] ?? 'x'];
  if (match === null || multiplier === undefined) {
    throw new Error(`memory '${value}' is not a Kubernetes quantity; write it like 256Mi, 2Gi or 500M`);
  }
  const bytes = Number(match[1]) * multiplier;
  if (bytes < 0) throw new Error(`memory '${value}' is negative`);
  return bytes;
}

/** Bytes as the shortest exact binary quantity (`1536Mi`, `2Gi`), or plain bytes. */
export function formatMemoryQuantity(bytes: number): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = SUFFIX_MULTIPLIER[suffix];
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(Math.ceil(bytes));
}
