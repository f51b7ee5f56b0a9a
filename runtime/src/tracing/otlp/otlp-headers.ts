/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the exporter sets itself. */
const RESERVED = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

/**
 * Headers for every OTLP export, from the OpenTelemetry environment variables: the general
 * `OTEL_EXPORTER_OTLP_HEADERS`, overridden per name by `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. Both
 * are `name=value` pairs separated by commas, values percent-encoded (the W3C Baggage format), as
 * the OpenTelemetry specification defines them. A malformed entry stops the server with a message
 * naming it: exporting without the header a collector needs would only fail later, on every batch.
 */
export function otlpHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  return { ...parseHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...parseHeaders(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') };
}

function parseHeaders(env: NodeJS.ProcessEnv, variable: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const value = env[variable];
  if (value === undefined || value.trim() === '') return headers;
  for (const entry of value.split(',')) {
    if (entry.trim() === '') continue;
    const equals = entry.indexOf('=');
    const name = entry.slice(0, Math.max(0, equals)).trim().toLowerCase();
    const fix = 'use name=value pairs separated by commas, with values percent-encoded';
    if (equals <= 0 || !TOKEN.test(name)) throw new Error(`${variable}: '${entry.trim()}' is not a header (${fix})`);
    if (RESERVED.has(name)) throw new Error(`${variable}: the exporter sets '${name}' itself; remove it`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      throw new Error(`${variable}: the value of '${name}' is not valid percent-encoding (${fix})`);
    }
    if (/[\r\n\0]/.test(decoded)) throw new Error(`${variable}: the value of '${name}' contains a line break or NUL`);
    headers[name] = decoded;
  }
  return headers;
}
