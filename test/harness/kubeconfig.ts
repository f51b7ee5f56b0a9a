import * as yaml from 'yaml';

/**
 * A kubeconfig for one identity on one server, as @kubernetes/client-node (KubeConfig.loadFromFile)
 * and kubectl read it. The server certificate is verified against `caPem`, so no skip-TLS setting.
 */
export function renderKubeconfig(options: { server: string; caPem: string; token: string; userName: string; namespace?: string }): string {
  const context: Record<string, string> = { cluster: 'kfs-test', user: options.userName };
  if (options.namespace) context.namespace = options.namespace;
  return yaml.stringify({
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{ name: 'kfs-test', cluster: { 'server': options.server, 'certificate-authority-data': Buffer.from(options.caPem).toString('base64') } }],
    'users': [{ name: options.userName, user: { token: options.token } }],
    'contexts': [{ name: 'kfs-test', context }],
    'current-context': 'kfs-test',
  });
}
