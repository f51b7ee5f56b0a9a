import { eventSource, REQUEST_EVENT_TYPE, RESPONSE_EVENT_TYPE } from '../../../runtime/src/logging/cloud-event';
import { CloudEventRequestHead } from '../../../runtime/src/logging/cloud-event-request-head';

const SOURCE = eventSource(
  { url: 'http://sink.example:8080/events', inferenceService: 'iris', namespace: 'ml', endpoint: 'default', sourceUri: 'iris-predictor-abc', metadataAnnotations: { team: 'vision' } },
  {},
  'unused-hostname',
);

describe('CloudEventRequestHead', () => {
  it('writes the binary-mode head of an event: shared attributes once, then the event\'s own', () => {
    const head = new CloudEventRequestHead(new URL('http://sink.example:8080/events?tenant=a'), SOURCE);
    const text = head.build(
      {
        id: 'req-1',
        type: REQUEST_EVENT_TYPE,
        time: new Date('2026-01-02T03:04:05.678Z'),
        contentType: 'application/json',
        body: Buffer.from('{"inputs":[]}'),
        metadata: { 'x-user': ['alice'] },
      },
      '2026-01-02T03:04:06.000Z',
    );
    expect(text).toBe(
      'POST /events?tenant=a HTTP/1.1\r\n'
        + 'host: sink.example:8080\r\n'
        + 'ce-specversion: 1.0\r\n'
        + 'ce-source: iris-predictor-abc\r\n'
        + 'ce-inferenceservicename: iris\r\n'
        + 'ce-namespace: ml\r\n'
        + 'ce-component: predictor\r\n'
        + 'ce-endpoint: default\r\n'
        + 'ce-annotations: {"team":"vision"}\r\n'
        + 'ce-id: req-1\r\n'
        + 'ce-type: org.kubeflow.serving.inference.request\r\n'
        + 'ce-time: 2026-01-02T03:04:05.678Z\r\n'
        + 'ce-recordedtime: 2026-01-02T03:04:06.000Z\r\n'
        + 'content-type: application/json\r\n'
        + 'ce-metadata: {"x-user":["alice"]}\r\n'
        + 'content-length: 13\r\n'
        + '\r\n',
    );
  });

  it('leaves out content-type and metadata when the event has none', () => {
    const head = new CloudEventRequestHead(new URL('https://sink.example/'), { ...SOURCE, annotations: undefined });
    const text = head.build({ id: 'a', type: RESPONSE_EVENT_TYPE, time: new Date(0), contentType: undefined, body: Buffer.alloc(0), metadata: {} }, new Date(0).toISOString());
    expect(text).not.toMatch(/content-type|ce-metadata|ce-annotations/);
    expect(text).toMatch(/^POST \/ HTTP\/1\.1\r\nhost: sink\.example\r\n/);
    expect(text.endsWith('content-length: 0\r\n\r\n')).toBe(true);
  });

  it('refuses an event whose id would break out of its header line', () => {
    const head = new CloudEventRequestHead(new URL('http://sink/'), SOURCE);
    const event = { id: 'x\r\nce-type: forged', type: REQUEST_EVENT_TYPE, time: new Date(0), contentType: undefined, body: Buffer.alloc(0), metadata: undefined } as const;
    expect(() => head.build(event, new Date(0).toISOString())).toThrow(
      "the event's id, content type or metadata holds a character an HTTP header cannot carry (a control character, or one past latin1)",
    );
  });

  it('refuses, once and up front, a shared attribute no header can carry', () => {
    expect(() => new CloudEventRequestHead(new URL('http://sink/'), { ...SOURCE, namespace: 'ml\n' })).toThrow(
      'request logging: the ce-namespace value "ml\\n" holds a character an HTTP header cannot carry; give one of printable ASCII',
    );
  });
});
