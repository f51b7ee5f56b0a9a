import { performance } from 'node:perf_hooks';
import type { StorageLogger } from './storage-options';

/**
 * Counts the bytes of one pull and logs where it stands every `intervalMs` (bytes, total, rate),
 * so a multi-gigabyte pull shows it is alive; pulls shorter than one interval log only `finish()`.
 */
export class PullProgress {
  #bytes = 0;
  #files = 0;
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly logger: StorageLogger,
    private readonly uri: string,
    intervalMs: number,
    private readonly totalBytes?: number,
    private readonly totalFiles?: number,
  ) {
    this.#timer = setInterval(() => this.#report(), intervalMs);
    this.#timer.unref();
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  add(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Takes back bytes of a failed attempt that will be downloaded again. */
  discard(bytes: number): void {
    this.#bytes -= bytes;
  }

  fileDone(): void {
    this.#files++;
  }

  /** Stops the periodic lines and logs the summary. */
  finish(): { bytes: number; files: number; elapsedMs: number } {
    clearInterval(this.#timer);
    const elapsedMs = performance.now() - this.#started;
    const summary = { bytes: this.#bytes, files: this.#files, elapsedMs: Math.round(elapsedMs) };
    this.logger.info(
      { uri: this.uri, ...summary, bytesPerSecond: rate(this.#bytes, elapsedMs) },
      `pulled ${this.uri}: ${formatBytes(this.#bytes)} in ${this.#files} file${this.#files === 1 ? '' : 's'} at ${formatBytes(rate(this.#bytes, elapsedMs))}/s`,
    );
    return summary;
  }

  /** Stops the periodic lines without a summary (the pull failed). */
  cancel(): void {
    clearInterval(this.#timer);
  }

  #report(): void {
    const elapsedMs = performance.now() - this.#started;
    const bytesPerSecond = rate(this.#bytes, elapsedMs);
    const of = this.totalBytes === undefined ? '' : ` of ${formatBytes(this.totalBytes)} (${Math.floor((100 * this.#bytes) / Math.max(1, this.totalBytes))}%)`;
    this.logger.info(
      { uri: this.uri, bytes: this.#bytes, totalBytes: this.totalBytes, files: this.#files, totalFiles: this.totalFiles, bytesPerSecond },
      `pulling ${this.uri}: ${formatBytes(this.#bytes)}${of} at ${formatBytes(bytesPerSecond)}/s`,
    );
  }
}

function rate(bytes: number, elapsedMs: number): number {
  return Math.round(bytes / Math.max(elapsedMs / 1000, 0.001));
}

/** 1536 → '1.5 KiB'; binary units, as `kubectl` and `du -h` show sizes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
