/**
 * Orders strings by UTF-16 code units, the same on every machine and locale (localeCompare is not),
 * so file lists, SBOM components and tar entries come out in one order.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
