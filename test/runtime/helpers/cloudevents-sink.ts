import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';
import { VENV_PYTHON } from './python-peer';

/** An event as the sink's CloudEvents SDK parsed it. */
export interface ReceivedEvent {
  attributes: Record<string, string>;
  content_type: string | null;
  /** The body, base64. */
  data: string;
}

/** test/python/cloudevents_sink.py as a real process on loopback. */
export class CloudEventsSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly base: string,
  ) {}

  static async start(): Promise<CloudEventsSink> {
    const child = spawn(VENV_PYTHON, [path.join(REPO_ROOT, 'test', 'python', 'cloudevents_sink.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    return new CloudEventsSink(child, `http://127.0.0.1:${chunk.toString().trim()}`);
  }

  async events(): Promise<ReceivedEvent[]> {
    return (await (await fetch(`${this.base}/events`)).json()) as ReceivedEvent[];
  }

  /** POSTs received and answered, and connections accepted (the stats requests' own included). */
  async stats(): Promise<{ received: number; answered: number; connections: number }> {
    return (await (await fetch(`${this.base}/stats`)).json()) as { received: number; answered: number; connections: number };
  }

  /** Lets every POST held by /hold answer. */
  async release(): Promise<void> {
    await fetch(`${this.base}/release`, { method: 'POST' });
  }

  /** Polls until `count` events were accepted (the logger sends asynchronously). */
  async waitForEvents(count: number, timeoutMs = 20_000): Promise<ReceivedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.events();
      if (events.length >= count || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
