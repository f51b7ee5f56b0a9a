import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';
import { VENV_PYTHON } from './python-peer';

/** A span as opentelemetry-proto decoded it in the receiver (ids in hex). */
export interface ReceivedSpan {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  name: string;
  /** OTLP SpanKind: 2 = SERVER, 1 = INTERNAL. */
  kind: number;
  start_ns: number;
  end_ns: number;
  attributes: Record<string, unknown>;
  links: { trace_id: string; span_id: string; flags: number }[];
  events: { name: string; time_ns: number; attributes: Record<string, unknown> }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: number;
  status_message: string;
  /** OTLP SpanFlags: W3C trace flags in the low byte, 0x100 "is-remote known", 0x200 "parent is remote". */
  flags: number;
  resource: Record<string, unknown>;
  scope: string;
  scope_version: string;
}

/** test/python/otlp_receiver.py as a real process on loopback. */
export class OtlpReceiver {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const child = spawn(VENV_PYTHON, [path.join(REPO_ROOT, 'test', 'python', 'otlp_receiver.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    return new OtlpReceiver(child, `http://127.0.0.1:${chunk.toString().trim()}`);
  }

  async spans(): Promise<ReceivedSpan[]> {
    return (await (await fetch(`${this.endpoint}/spans`)).json()) as ReceivedSpan[];
  }

  /** The HTTP headers of each export received (names in lower case). */
  async exportHeaders(): Promise<Record<string, string>[]> {
    return (await (await fetch(`${this.endpoint}/headers`)).json()) as Record<string, string>[];
  }

  /** Polls until the trace has `count` spans (export is batched and asynchronous). */
  async trace(traceId: string, count: number, timeoutMs = 20_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = (await this.spans()).filter((span) => span.trace_id === traceId);
      if (spans.length >= count || Date.now() > deadline) return spans;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
