import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/**
 * Random trace and span ids, cut from a pool filled by the CSPRNG 4 KB at a time: a traced request
 * takes four or five ids, and one generator call per id would cost more than the span itself.
 * Ids are views of the pool; a used-up pool is replaced, never refilled, so ids never change.
 */
export class RandomIds {
  #pool = Buffer.alloc(0);
  #offset = 0;

  /** A 16-byte trace id. */
  traceId(): Buffer {
    return this.#take(16);
  }

  /** An 8-byte span id. */
  spanId(): Buffer {
    return this.#take(8);
  }

  #take(bytes: number): Buffer {
    for (;;) {
      if (this.#offset + bytes > this.#pool.length) {
        this.#pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
        this.#offset = 0;
      }
      const id = this.#pool.subarray(this.#offset, this.#offset + bytes);
      this.#offset += bytes;
      // All zeros means "no id" in both W3C and OTLP; at 2^-64 odds, take the next one.
      if (id.some((byte) => byte !== 0)) return id;
    }
  }
}
