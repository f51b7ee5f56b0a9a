import { ErrorKind, InferenceServerError } from '../errors';

/** An answer relayed from the explainer: its status, content type and body bytes. */
export interface RelayedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * Forwards a v1 `:explain` request to the configured explainer, which is how KServe splits the
 * work: the explainer is its own server (an Alibi or custom explainer, often calling back into this
 * predictor), and KServe's ingress routes `…:explain` to it. A standalone kfs-runtime given
 * `--explainer-url` relays the call itself, so clients see the same URL either way.
 */
export class ExplainerProxy {
  readonly #baseUrl: string;

  constructor(
    explainerUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.#baseUrl = explainerUrl.replace(/\/+$/, '');
  }

  /**
   * POSTs `body` to `<explainer>/v1/models/<model>:explain` and relays the answer unchanged.
   *
   * @throws InferenceServerError INTERNAL (502 on HTTP, see the route) when the explainer cannot be reached.
   */
  async explain(model: string, body: Buffer, contentType: string | undefined): Promise<RelayedResponse> {
    const url = `${this.#baseUrl}/v1/models/${encodeURIComponent(model)}:explain`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': contentType ?? 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? 'application/octet-stream',
        body: Buffer.from(await response.arrayBuffer()),
      };
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ExplainerUnreachableError(`explainer at ${this.#baseUrl} did not answer: ${cause}`);
    }
  }
}

/** The explainer could not be reached or timed out: HTTP 502, the gateway answer. */
export class ExplainerUnreachableError extends InferenceServerError {
  constructor(message: string) {
    super(ErrorKind.INTERNAL, message);
    this.name = 'ExplainerUnreachableError';
  }
}
