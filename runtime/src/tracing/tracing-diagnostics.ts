import { format } from 'node:util';
import type { DiagLogger } from '@opentelemetry/api';

/** What the tracing SDK reports that operators must see: spans it dropped, and anything else going wrong. */
export interface TracingEvents {
  /** The span processor's queue was full (the collector slow or down): `count` spans were not exported. */
  spansDropped(count: number): void;
  /** A failed export, or another warning or error of the SDK, as one line. */
  problem(message: string): void;
}

/**
 * OpenTelemetry's diagnostics (its global `diag` logger) routed to {@link TracingEvents}. Without
 * a diag logger the SDK says nothing at all: an unreachable collector or a full span queue would
 * lose spans silently. The batch span processor reports drops only as a warning line
 * ("Dropped N spans because maxQueueSize reached"); that line is read for its count (a test holds
 * the SDK to it). Warnings and errors only: the SDK's info and debug lines are its own business.
 */
export class TracingDiagnostics implements DiagLogger {
  constructor(private readonly events: TracingEvents) {}

  error(message: string, ...args: unknown[]): void {
    this.events.problem(format(message, ...args));
  }

  warn(message: string, ...args: unknown[]): void {
    const dropped = DROPPED_SPANS.exec(message);
    if (dropped !== null) this.events.spansDropped(Number(dropped[1]));
    else this.events.problem(format(message, ...args));
  }

  info(_message: string, ..._args: unknown[]): void {}

  debug(_message: string, ..._args: unknown[]): void {}

  verbose(_message: string, ..._args: unknown[]): void {}
}

const DROPPED_SPANS = /^Dropped (\d+) spans because maxQueueSize reached/;
