import { LoggedProcess } from './logged-process';

export interface ControllerProcessOptions {
  /** The controller container's args from the synthesized Deployment. */
  readonly deploymentArgs: readonly string[];
  /** Where the test wrote the controller ConfigMap's config.json. */
  readonly configFile: string;
  /** A kubeconfig with the controller ServiceAccount's token. */
  readonly kubeconfig: string;
  /** The pod's namespace and name, which the Deployment passes through the downward API. */
  readonly namespace: string;
  readonly identity: string;
  /** Appended; a later flag wins (e.g. a shorter --resync-period for tests). */
  readonly extraArgs?: readonly string[];
}

/**
 * `kfs-runtime controller` started with exactly the arguments the ModelController's Deployment
 * gives it, except the configuration path (the test's copy of the ConfigMap) and the kubeconfig
 * (in a pod it would use the mounted ServiceAccount token; here it is a real token of that
 * ServiceAccount from the TokenRequest API, so RBAC is the synthesized RBAC).
 */
export function startControllerProcess(options: ControllerProcessOptions): LoggedProcess {
  const args = options.deploymentArgs.map((arg) => (arg.startsWith('--config=') ? `--config=${options.configFile}` : arg));
  return LoggedProcess.start(options.identity, [...args, `--kubeconfig=${options.kubeconfig}`, ...(options.extraArgs ?? [])], {
    POD_NAME: options.identity,
    POD_NAMESPACE: options.namespace,
  });
}
