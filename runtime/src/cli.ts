import { parseControllerArgs } from './cli/controller-args';
import { parseServeArgs } from './cli/serve-args';
import { CONTROLLER_USAGE, MAIN_USAGE, SERVE_USAGE, UsageError } from './cli/usage';

/** Exit statuses of the kfs-runtime executable. */
export enum ExitCode {
  OK = 0,
  /** Startup failed (e.g. the port is taken). */
  FAILURE = 1,
  /** Bad command line, like most Unix tools. */
  USAGE = 2,
}

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs the kfs-runtime command line (`argv` without node and the script path) and resolves with
 * the exit status; `serve` resolves only after a shutdown signal has closed the server.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(args, env);
      case 'controller':
        return await controller(args, env);
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(MAIN_USAGE);
        return ExitCode.OK;
      case undefined:
        throw new UsageError('missing command');
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const helpCommand = command === 'serve' || command === 'controller' ? `kfs-runtime ${command} --help` : 'kfs-runtime --help';
      process.stderr.write(`kfs-runtime: ${error.message}\nRun '${helpCommand}' for usage.\n`);
      return ExitCode.USAGE;
    }
    process.stderr.write(`kfs-runtime: ${(error as Error).message}\n`);
    return ExitCode.FAILURE;
  }
}

async function serve(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseServeArgs(args, env);
  if (command.help) {
    process.stdout.write(SERVE_USAGE);
    return ExitCode.OK;
  }
  // Listening before startup, so a SIGTERM during model loading still means a clean shutdown.
  const shutdownSignal = nextShutdownSignal();
  // Loaded only now so --help and usage errors answer without loading fastify and onnxruntime.
  const { startServer } = await import('./start-server');
  const server = await startServer(command.options);
  const signal = await shutdownSignal;
  const { drainMs, timeoutMs } = command.shutdown;
  server.app.log.info({ signal, drainMs, timeoutMs }, 'shutting down');
  // A second signal while draining means "now": Kubernetes sends SIGKILL later anyway.
  const forceExit = () => process.exit(ExitCode.FAILURE);
  for (const name of SHUTDOWN_SIGNALS) process.once(name, forceExit);
  const clean = await server.shutdown(command.shutdown);
  for (const name of SHUTDOWN_SIGNALS) process.off(name, forceExit);
  if (!clean) server.app.log.warn({ timeoutMs }, 'shutdown timeout reached: open connections were cut off');
  server.app.log.info('stopped');
  return ExitCode.OK;
}

async function controller(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseControllerArgs(args, env);
  if (command.help) {
    process.stdout.write(CONTROLLER_USAGE);
    return ExitCode.OK;
  }
  if (command.leaseNamespace === undefined) {
    throw new UsageError('--lease-namespace is required outside a cluster (or set POD_NAMESPACE)');
  }
  const shutdownSignal = nextShutdownSignal();
  // Loaded only now: @kubernetes/client-node is large, and --help or a usage error should not wait for it.
  const { KubeConfig, startController, createLogger } = await import('./controller/controller-modules');
  const kubeConfig = new KubeConfig();
  if (command.kubeconfigFile !== undefined) kubeConfig.loadFromFile(command.kubeconfigFile);
  else kubeConfig.loadFromCluster();
  const log = createLogger(command.logLevel);
  const running = await startController({
    config: command.config!,
    kubeConfig,
    leaseNamespace: command.leaseNamespace,
    leaseName: command.leaseName,
    identity: command.identity,
    leaseDurationMs: command.leaseDurationMs,
    renewDeadlineMs: command.renewDeadlineMs,
    retryPeriodMs: command.retryPeriodMs,
    resyncPeriodMs: command.resyncPeriodMs,
    workers: command.workers,
    healthPort: command.healthPort,
    healthHost: command.healthHost,
    log,
  });
  const signal = await shutdownSignal;
  log.info('shutting down', { signal });
  const forceExit = () => process.exit(ExitCode.FAILURE);
  for (const name of SHUTDOWN_SIGNALS) process.once(name, forceExit);
  await running.stop();
  for (const name of SHUTDOWN_SIGNALS) process.off(name, forceExit);
  return ExitCode.OK;
}

function nextShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) process.on(name, onSignal);
  });
}
