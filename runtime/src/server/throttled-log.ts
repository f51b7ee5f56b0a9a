/**
 * Log lines about something that can happen on every request (a sink down, a collector slow):
 * written at most once per interval, so a failing dependency cannot flood the log, with what was
 * held back counted into the next line. Metrics carry the exact counts.
 */

/** A warning written at most once per interval; the ones held back are counted into the next. */
export class ThrottledWarning {
  #lastWritten = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  /**
   * @param write writes one line: the message, and how many were held back since the last line.
   * @param intervalMs at most one line per this many ms.
   */
  constructor(
    private readonly write: (message: string, suppressed: number) => void,
    private readonly intervalMs = 1000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.#lastWritten < this.intervalMs) {
      this.#suppressed++;
      return;
    }
    this.write(message, this.#suppressed);
    this.#lastWritten = now;
    this.#suppressed = 0;
  }
}

/** Counts summed by key, written as one line at most once per interval (when a count comes in). */
export class ThrottledTally<Key extends string> {
  #lastWritten = Number.NEGATIVE_INFINITY;
  #unwritten: Partial<Record<Key, number>> = {};

  /**
   * @param write writes one line with the sums since the last line.
   * @param intervalMs at most one line per this many ms.
   */
  constructor(
    private readonly write: (counts: Partial<Record<Key, number>>) => void,
    private readonly intervalMs = 1000,
  ) {}

  add(key: Key, count: number): void {
    this.#unwritten[key] = (this.#unwritten[key] ?? 0) + count;
    const now = Date.now();
    if (now - this.#lastWritten < this.intervalMs) return;
    this.write(this.#unwritten);
    this.#unwritten = {};
    this.#lastWritten = now;
  }
}
