import { otlpCompression, otlpHeaders, otlpTimeoutMs, resourceAttributes } from '../../../runtime/src/tracing/otel-environment';

describe('otlpHeaders', () => {
  test('reads name=value pairs, percent-decoded, the traces variable overriding the general one per name', () => {
    expect(
      otlpHeaders({
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20one, x-tenant=a%2Cb ,',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20two',
      }),
    ).toEqual({ authorization: 'Bearer two', 'x-tenant': 'a,b' });
    expect(otlpHeaders({})).toEqual({});
  });

  test.each([
    ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue', /^OTEL_EXPORTER_OTLP_HEADERS: 'novalue' is not key=value \(use key=value pairs/],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'bad name=1', /'bad name' is not a header name/],
    ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'x=%E0%A4%A', /^OTEL_EXPORTER_OTLP_TRACES_HEADERS: the value of 'x' is not valid percent-encoding/],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'x=a%0D%0Ab', /the value of 'x' contains a line break/],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'content-type=text/plain', /the exporter sets 'content-type' itself; remove it/],
  ])('%s=%s is refused, naming the variable and the fix', (variable, value, message) => {
    expect(() => otlpHeaders({ [variable]: value })).toThrow(message);
  });
});

describe('resourceAttributes', () => {
  test('reads key=value pairs, percent-decoded', () => {
    expect(resourceAttributes({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod, team=ml%20platform' })).toEqual({ 'deployment.environment.name': 'prod', team: 'ml platform' });
    expect(resourceAttributes({})).toEqual({});
  });

  test('a malformed entry is refused, naming the variable', () => {
    expect(() => resourceAttributes({ OTEL_RESOURCE_ATTRIBUTES: 'team' })).toThrow(/^OTEL_RESOURCE_ATTRIBUTES: 'team' is not key=value/);
    expect(() => resourceAttributes({ OTEL_RESOURCE_ATTRIBUTES: 'my key=1' })).toThrow(/^OTEL_RESOURCE_ATTRIBUTES: 'my key' is not an attribute key/);
  });
});

describe('otlpCompression and otlpTimeoutMs', () => {
  test('the traces variable wins over the general one; neither set means the default', () => {
    expect(otlpCompression({ OTEL_EXPORTER_OTLP_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'GZIP' })).toBe('gzip');
    expect(otlpCompression({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' })).toBe('gzip');
    expect(otlpCompression({})).toBeUndefined();
    expect(otlpTimeoutMs({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500' })).toBe(2500);
    expect(otlpTimeoutMs({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000' })).toBe(3000);
    expect(otlpTimeoutMs({})).toBeUndefined();
  });

  test('other values are refused, naming the variable', () => {
    expect(() => otlpCompression({ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' })).toThrow("OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none, got 'zstd'");
    expect(() => otlpTimeoutMs({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '10s' })).toThrow("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT must be a whole number of milliseconds (1 or more), got '10s'");
    expect(() => otlpTimeoutMs({ OTEL_EXPORTER_OTLP_TIMEOUT: '0' })).toThrow(/must be a whole number of milliseconds/);
  });
});
