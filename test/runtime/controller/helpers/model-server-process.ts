import { writeFileSync } from 'node:fs';
import { pollUntil } from '../../../harness/poll-until';
import { LoggedProcess } from './logged-process';

/** A real `kfs-runtime serve --model-config` process on 127.0.0.1, as one predictor replica runs. */
export class ModelServerProcess {
  private constructor(readonly process: LoggedProcess, readonly url: string, readonly port: number) {}

  /**
   * Writes `modelsJson` (the model-config ConfigMap's `models.json`) where the kubelet would project
   * it, then starts the server (on `port`, or a free one) and waits until it listens (not until it is ready).
   */
  static async start(name: string, modelConfigFile: string, modelsJson: string | undefined, env: NodeJS.ProcessEnv = {}, port = 0): Promise<ModelServerProcess> {
    if (modelsJson !== undefined) writeFileSync(modelConfigFile, modelsJson);
    // Each replica has its own model cache, as each pod has its own /tmp.
    const cacheDir = `${modelConfigFile.replace(/\.json$/, '')}-cache`;
    // Free ports for gRPC and metrics too (several replicas share 127.0.0.1); no drain on SIGTERM,
    // since no load balancer has to notice the replica leave.
    const process = LoggedProcess.start(name, [
      'serve', `--model-config=${modelConfigFile}`, `--model-cache-dir=${cacheDir}`,
      `--http-port=${port}`, '--grpc-port=0', '--metrics-port=0', '--drain-seconds=0', '--host=127.0.0.1',
    ], env);
    const listening = await pollUntil(`${name} listening`, async () => process.lines().find((line) => line.msg.startsWith('Server listening at ')), {
      timeoutMs: 60_000,
      intervalMs: 50,
      giveUpIf: () => (process.running ? undefined : `exited: ${process.tail()}`),
    });
    const url = listening.msg.slice('Server listening at '.length);
    return new ModelServerProcess(process, url, Number(new URL(url).port));
  }

  get name(): string {
    return this.process.name;
  }

  async ready(): Promise<boolean> {
    return (await fetch(`${this.url}/v2/health/ready`)).status === 200;
  }

  /** The repository index, as the controller sees it. */
  async index(): Promise<{ name: string; state: string; reason: string; storage_uri?: string; version?: string }[]> {
    const response = await fetch(`${this.url}/v2/repository/index`, { method: 'POST', body: '{}' });
    return (await response.json()) as { name: string; state: string; reason: string; storage_uri?: string }[];
  }

  /** Names of the models this replica serves (READY). */
  async readyModels(): Promise<string[]> {
    return (await this.index()).filter((row) => row.state === 'READY').map((row) => row.name).sort();
  }

  /** How many times the server logged that it unloaded `model` (or any model). */
  unloads(model?: string): number {
    const message = model === undefined ? /^model '.*' unloaded$/ : new RegExp(`^model '${model}' unloaded$`);
    return this.process.lines().filter((line) => message.test(line.msg)).length;
  }

  /** How many times the server logged that `model` finished loading. */
  loads(model: string): number {
    return this.process.linesWith(`model '${model}' loaded`).length;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
