/** What the logger needs of a sink's answer: its status, and whether the connection stays open. */
export interface SinkResponse {
  readonly status: number;
  /** False when the sink said `Connection: close` (or spoke HTTP/1.0 without keep-alive). */
  readonly keepAlive: boolean;
}

/** Node's own limit on a response head (`--max-http-header-size`, 16 KiB). */
const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line: hex digits and chunk extensions, which we skip. */
const MAX_CHUNK_LINE_BYTES = 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

type State =
  | { readonly kind: 'head' }
  | { readonly kind: 'length-body'; remaining: number }
  | { readonly kind: 'chunk-size' }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'chunk-data-end' }
  | { readonly kind: 'trailers' }
  | { readonly kind: 'until-close' };

/** How the body of a response is delimited (RFC 9112 §6.3). */
type Framing = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' } | { readonly kind: 'until-close' };

/**
 * Reads HTTP/1.1 responses off a connection, as bytes arrive, for a client that only needs each
 * answer's status: bodies are skipped, never kept. Strict where leniency would let a broken or
 * hostile peer desynchronize the connection (a malformed status or header line, a conflicting
 * Content-Length, a head over 16 KiB, a bad chunk size): those throw, and the connection must be
 * closed. Interim 1xx answers are skipped, as a client that sent no `Expect` must (RFC 9110 §15.2);
 * 101 is refused since nothing asked for an upgrade.
 */
export class HttpResponseReader {
  #state: State = { kind: 'head' };
  #pending: Buffer | undefined;
  #status = 0;
  #keepAlive = true;
  /** The last response head read and what it said: a sink answers event after event with the same bytes. */
  #lastHead: { readonly text: string; readonly framing: Framing; readonly status: number; readonly keepAlive: boolean } | undefined;

  /** True between responses: nothing of a next response has arrived yet. */
  get idle(): boolean {
    return this.#state.kind === 'head' && this.#pending === undefined;
  }

  /**
   * Feeds the bytes that arrived; `onResponse` is called for each response they complete.
   * @throws on a response that is not valid HTTP/1.1.
   */
  push(chunk: Buffer, onResponse: (response: SinkResponse) => void): void {
    const data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let offset = 0;
    while (offset < data.length) {
      const state = this.#state;
      switch (state.kind) {
        case 'head': {
          const end = data.indexOf(HEAD_END, offset);
          if (end < 0) {
            if (data.length - offset > MAX_HEAD_BYTES) throw new Error(`the sink's response head is over ${MAX_HEAD_BYTES} bytes`);
            this.#pending = data.subarray(offset);
            return;
          }
          const framing = this.#readHeadOnce(data.toString('latin1', offset, end));
          offset = end + HEAD_END.length;
          if (this.#status < 200) continue;
          if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
            this.#complete(onResponse);
          } else if (framing.kind === 'length') {
            this.#state = { kind: 'length-body', remaining: framing.length };
          } else if (framing.kind === 'chunked') {
            this.#state = { kind: 'chunk-size' };
          } else {
            this.#state = { kind: 'until-close' };
          }
          break;
        }
        case 'length-body': {
          const taken = Math.min(state.remaining, data.length - offset);
          state.remaining -= taken;
          offset += taken;
          if (state.remaining === 0) this.#complete(onResponse);
          break;
        }
        case 'chunk-size':
        case 'chunk-data-end':
        case 'trailers': {
          const lineEnd = data.indexOf(CRLF, offset);
          if (lineEnd < 0) {
            if (data.length - offset > MAX_CHUNK_LINE_BYTES) throw new Error(`the sink sent a chunked body line over ${MAX_CHUNK_LINE_BYTES} bytes`);
            this.#pending = data.subarray(offset);
            return;
          }
          const line = data.toString('latin1', offset, lineEnd);
          offset = lineEnd + CRLF.length;
          this.#readLine(state.kind, line, onResponse);
          break;
        }
        case 'chunk-data': {
          const taken = Math.min(state.remaining, data.length - offset);
          state.remaining -= taken;
          offset += taken;
          if (state.remaining === 0) this.#state = { kind: 'chunk-data-end' };
          break;
        }
        case 'until-close':
          // The body runs to the end of the connection: nothing to count.
          offset = data.length;
          break;
      }
    }
  }

  /**
   * The sink closed the connection: completes a response whose body ran to the close.
   * @throws when a response was cut off, or none had started.
   */
  end(): SinkResponse {
    if (this.#state.kind === 'until-close') {
      this.#state = { kind: 'head' };
      return { status: this.#status, keepAlive: false };
    }
    throw new Error(this.idle ? 'the sink closed the connection before answering' : 'the sink closed the connection in the middle of its answer');
  }

  #readHeadOnce(head: string): Framing {
    const last = this.#lastHead;
    if (last !== undefined && head === last.text) {
      this.#status = last.status;
      this.#keepAlive = last.keepAlive;
      return last.framing;
    }
    const framing = this.#readHead(head);
    this.#lastHead = { text: head, framing, status: this.#status, keepAlive: this.#keepAlive };
    return framing;
  }

  #readHead(head: string): Framing {
    const lines = head.split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (status === null) throw new Error(`the sink answered with a malformed status line: ${JSON.stringify(lines[0]!.slice(0, 100))}`);
    const minorVersion = status[1];
    this.#status = Number(status[2]);
    if (this.#status === 101) throw new Error('the sink switched protocols (101) though no upgrade was asked for');
    let contentLength: number | undefined;
    let chunked = false;
    let transferEncoding = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const header = HEADER_LINE.exec(lines[i]!);
      if (header === null) throw new Error(`the sink answered with a malformed header line: ${JSON.stringify(lines[i]!.slice(0, 100))}`);
      const name = header[1]!.toLowerCase();
      const value = header[2]!;
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (contentLength !== undefined && contentLength !== Number(value))) {
          throw new Error(`the sink answered with an invalid Content-Length: ${JSON.stringify(value.slice(0, 100))}`);
        }
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        transferEncoding = true;
        // Only a final `chunked` coding frames the body; any other runs to the close (RFC 9112 §6.3).
        chunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(value);
      } else if (name === 'connection') {
        connection += `,${value.toLowerCase()}`;
      }
    }
    if (this.#status < 200) return { kind: 'none' };
    const tokens = connection.split(',').map((token) => token.trim());
    this.#keepAlive = minorVersion === '1' ? !tokens.includes('close') : tokens.includes('keep-alive');
    if (this.#status === 204 || this.#status === 304) return { kind: 'none' };
    if (transferEncoding) {
      // A sender must not send both; Transfer-Encoding wins, and the connection cannot be trusted after.
      if (contentLength !== undefined) this.#keepAlive = false;
      if (chunked) return { kind: 'chunked' };
      this.#keepAlive = false;
      return { kind: 'until-close' };
    }
    if (contentLength !== undefined) return { kind: 'length', length: contentLength };
    this.#keepAlive = false;
    return { kind: 'until-close' };
  }

  #readLine(kind: 'chunk-size' | 'chunk-data-end' | 'trailers', line: string, onResponse: (response: SinkResponse) => void): void {
    if (kind === 'chunk-data-end') {
      if (line !== '') throw new Error('the sink sent a chunk longer than its size');
      this.#state = { kind: 'chunk-size' };
    } else if (kind === 'chunk-size') {
      const size = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(line);
      if (size === null) throw new Error(`the sink sent a malformed chunk size: ${JSON.stringify(line.slice(0, 100))}`);
      const length = Number.parseInt(size[1]!, 16);
      this.#state = length === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: length };
    } else if (line === '') {
      this.#complete(onResponse);
    }
    // Any other line is a trailer field: skipped.
  }

  #complete(onResponse: (response: SinkResponse) => void): void {
    this.#state = { kind: 'head' };
    onResponse({ status: this.#status, keepAlive: this.#keepAlive });
  }
}
