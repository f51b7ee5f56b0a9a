/**
 * The OpenTelemetry environment variables kfs-runtime honours besides the endpoint, as the
 * OpenTelemetry specification defines them: lists of `key=value` pairs separated by commas, values
 * percent-encoded (the W3C Baggage format). A malformed entry stops the server with a message naming
 * the variable and the entry: exporting without the header a collector needs, or under the wrong
 * service, would only fail later, and quietly.
 */

/** An HTTP header name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the exporter sets itself. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'host', 'transfer-encoding', 'connection']);
/** A resource attribute key: printable ASCII without separators. */
const ATTRIBUTE_KEY = /^[\x21-\x2b\x2d-\x3c\x3e-\x7e]+$/;
const FIX = 'use key=value pairs separated by commas, with values percent-encoded';

/**
 * Headers for every OTLP export: `OTEL_EXPORTER_OTLP_HEADERS`, overridden per name by
 * `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. Names in lower case.
 */
export function otlpHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    for (const [key, value] of keyValueList(env, variable)) {
      const name = key.toLowerCase();
      if (!TOKEN.test(name)) throw new Error(`${variable}: '${key}' is not a header name (${FIX})`);
      if (RESERVED_HEADERS.has(name)) throw new Error(`${variable}: the exporter sets '${name}' itself; remove it`);
      if (/[\r\n\0]/.test(value)) throw new Error(`${variable}: the value of '${name}' contains a line break or NUL`);
      headers[name] = value;
    }
  }
  return headers;
}

/** `OTEL_RESOURCE_ATTRIBUTES`: attributes of every span's resource (`deployment.environment.name=prod`, say). */
export function resourceAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of keyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES')) {
    if (!ATTRIBUTE_KEY.test(key)) throw new Error(`OTEL_RESOURCE_ATTRIBUTES: '${key}' is not an attribute key (${FIX})`);
    attributes[key] = value;
  }
  return attributes;
}

function keyValueList(env: NodeJS.ProcessEnv, variable: string): [string, string][] {
  const list = env[variable];
  if (list === undefined || list.trim() === '') return [];
  const pairs: [string, string][] = [];
  for (const entry of list.split(',')) {
    if (entry.trim() === '') continue;
    const equals = entry.indexOf('=');
    const key = entry.slice(0, Math.max(0, equals)).trim();
    if (equals <= 0 || key === '') throw new Error(`${variable}: '${entry.trim()}' is not key=value (${FIX})`);
    try {
      pairs.push([key, decodeURIComponent(entry.slice(equals + 1).trim())]);
    } catch {
      throw new Error(`${variable}: the value of '${key}' is not valid percent-encoding (${FIX})`);
    }
  }
  return pairs;
}

/** How export bodies are compressed. */
export type OtlpCompression = 'gzip' | 'none';

/**
 * `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`, else `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`;
 * undefined when neither is set.
 */
export function otlpCompression(env: NodeJS.ProcessEnv): OtlpCompression | undefined {
  const [variable, value] = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
  if (value === undefined) return undefined;
  const compression = value.trim().toLowerCase();
  if (compression !== 'gzip' && compression !== 'none') throw new Error(`${variable} must be gzip or none, got '${value}'`);
  return compression;
}

/** `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`: one export's time limit, ms. */
export function otlpTimeoutMs(env: NodeJS.ProcessEnv): number | undefined {
  const [variable, value] = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new Error(`${variable} must be a whole number of milliseconds (1 or more), got '${value}'`);
  return Number(value);
}

/** The first of the variables that is set and not empty, with its name. */
function firstSet(env: NodeJS.ProcessEnv, ...variables: string[]): [string, string | undefined] {
  for (const variable of variables) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== '') return [variable, value];
  }
  return [variables[variables.length - 1]!, undefined];
}
