import type { EventSource, PayloadEvent } from './cloud-event';

/** What an HTTP header value may hold (RFC 9110 §5.5, as node:http checks it): no control characters but tab, nothing past latin1. */
const NOT_A_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The head of the POST that carries one event in CloudEvents 1.0 HTTP binary mode: attributes as
 * `ce-` headers, the payload as the body with its own Content-Type, extension attributes as KServe's
 * logger sets them (`pkg/logger/worker.go`). Everything the server's events share (request line,
 * Host, source, service, namespace, component, endpoint, annotations) is written once, here; an
 * event adds its id, type, times, content type, metadata and length.
 */
export class CloudEventRequestHead {
  readonly #shared: string;

  /** @throws when an attribute every event carries cannot be sent as a header value. */
  constructor(sink: URL, source: EventSource) {
    const shared: [string, string][] = [
      ['host', sink.host],
      ['ce-specversion', '1.0'],
      ['ce-source', source.source],
      ['ce-inferenceservicename', source.inferenceService],
      ['ce-namespace', source.namespace],
      ['ce-component', source.component],
      ['ce-endpoint', source.endpoint],
      ...(source.annotations === undefined ? [] : [['ce-annotations', source.annotations] as [string, string]]),
    ];
    for (const [name, value] of shared) {
      if (NOT_A_HEADER_VALUE.test(value)) {
        throw new Error(`request logging: the ${name} value ${JSON.stringify(value)} holds a character an HTTP header cannot carry; give one of printable ASCII`);
      }
    }
    this.#shared = `POST ${sink.pathname}${sink.search} HTTP/1.1\r\n${shared.map(([name, value]) => `${name}: ${value}\r\n`).join('')}`;
  }

  /**
   * The head of one event's POST, latin1 text ending in the blank line. `recordedAt` is the send
   * time as ISO 8601 text (`ce-recordedtime`), made once for a batch of events.
   * @throws when the event's id, content type or metadata cannot be sent as a header value.
   */
  build(event: PayloadEvent, recordedAt: string): string {
    const metadata = event.metadata !== undefined && Object.keys(event.metadata).length > 0 ? JSON.stringify(event.metadata) : undefined;
    const contentType = event.contentType;
    if (NOT_A_HEADER_VALUE.test(event.id) || (contentType !== undefined && NOT_A_HEADER_VALUE.test(contentType)) || (metadata !== undefined && NOT_A_HEADER_VALUE.test(metadata))) {
      throw new Error("the event's id, content type or metadata holds a character an HTTP header cannot carry (a control character, or one past latin1)");
    }
    return (
      `${this.#shared}ce-id: ${event.id}\r\nce-type: ${event.type}\r\nce-time: ${event.time.toISOString()}\r\nce-recordedtime: ${recordedAt}\r\n`
      + (contentType === undefined ? '' : `content-type: ${contentType}\r\n`)
      + (metadata === undefined ? '' : `ce-metadata: ${metadata}\r\n`)
      + `content-length: ${event.body.length}\r\n\r\n`
    );
  }
}
