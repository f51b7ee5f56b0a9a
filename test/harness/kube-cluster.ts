import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreeLoopbackPort } from './free-port';
import { GuardedProcess } from './guarded-process';
import { KubeIdentity, StaticTokenIdentity, renderTokenAuthFile, withNewToken } from './identities';
import { KubeApiError } from './kube-api-error';
import { KubeRestClient } from './kube-rest-client';
import { KubeToolVersions, findKubeTools } from './kube-tools';
import { renderKubeconfig } from './kubeconfig';
import { pollUntil } from './poll-until';
import { readManifestFiles } from './read-manifests';
import { ResourcePaths } from './resource-paths';

/**
 * A real control plane for tests: etcd and kube-apiserver (self-built, see scripts/kube-tools/) on
 * 127.0.0.1 with free ports and a temp folder. Static-token authentication, RBAC authorization and
 * the default admission plugins (PodSecurity included). There is no kubelet, controller-manager or
 * scheduler: objects are stored and validated, never run. See test/harness/README.md.
 *
 *   const cluster = await startKubeCluster({ users: [{ user: 'alice' }] });
 *   afterAll(() => cluster.stop());
 */

export interface StartKubeClusterOptions {
  /**
   * Identities that get a static bearer token (`tokenFor`), besides the admin. The API server reads
   * its token file once at start, so they are declared here; ServiceAccounts can also get real
   * tokens later through `serviceAccountToken`.
   * @default - only the admin
   */
  readonly users?: readonly KubeIdentity[];
  /** @default 120_000 (kube-apiserver needs 10-40 s on two busy cores) */
  readonly readyTimeoutMs?: number;
  /** Appended to the kube-apiserver flags (a later flag wins), e.g. `--feature-gates=...`. */
  readonly extraApiServerArgs?: readonly string[];
}

export interface ApplyOptions {
  /** Server-side apply's field manager: who owns the fields. */
  readonly fieldManager: string;
  /** `dryRun=All`: admission and validation run, nothing is stored. @default false */
  readonly dryRun?: boolean;
  /**
   * The `fieldValidation` query parameter, as `kubectl --validate=strict` sends it: Strict makes
   * problems the server would otherwise only warn about (e.g. duplicate fields) fail the request.
   * Unknown fields fail server-side apply under every setting: the typed patch cannot be built
   * (a 500 on 1.35, kubernetes/kubernetes#139253), so nothing is silently dropped.
   * @default 'Strict'
   */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Take over fields owned by other managers instead of failing with a conflict. @default true */
  readonly force?: boolean;
  /** For namespaced objects whose manifest names no namespace. @default - they must name one */
  readonly namespace?: string;
  /** Apply as this identity's bearer token. @default - the admin */
  readonly token?: string;
}

export interface AppliedObject {
  /** The object as the server stored it (or would have, on a dry run). */
  readonly object: any;
  /** The server's warning headers, e.g. deprecations or a PodSecurity `warn`-mode violation. */
  readonly warnings: readonly string[];
}

/** kubectl-style: `pods`, `pods/log`, `leases.coordination.k8s.io`, `trainedmodels.serving.kserve.io/status`. */
export type ResourceName = string;

export const ADMIN_IDENTITY: KubeIdentity = { user: 'kfs-test-admin', groups: ['system:masters'] };
const HARNESS_FIELD_MANAGER = 'kfs-test-harness';

export async function startKubeCluster(options: StartKubeClusterOptions = {}): Promise<KubeCluster> {
  const tools = findKubeTools();
  const dir = mkdtempSync(join(tmpdir(), 'kfs-kube-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const [etcdClientPort, etcdPeerPort, apiServerPort] = await distinctFreePorts(3);

  const admin = withNewToken(ADMIN_IDENTITY);
  const users = (options.users ?? []).map(withNewToken);
  writeFileSync(join(dir, 'tokens.csv'), renderTokenAuthFile([admin, ...users]), { mode: 0o600 });
  // Any RSA key works for signing ServiceAccount tokens; the same key verifies them (as k8s's own StartTestServer does).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcdArgs = [
    '--name=kfs-test', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=kfs-test=${peerUrl}`,
    // Test data needs no durability across power loss; fsync would dominate apply latency on shared disks.
    '--unsafe-no-fsync', '--log-level=warn',
  ];
  const server = `https://127.0.0.1:${apiServerPort}`;
  const apiServerArgs = [
    `--etcd-servers=${etcdUrl}`,
    // Loopback only; without --advertise-address it derives one from the default route and fails in sandboxes.
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiServerPort}`,
    // It writes a self-signed CA and serving certificate (apiserver.crt) here at first start, and reuses them on restart.
    `--cert-dir=${join(dir, 'pki')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${join(dir, 'sa.key')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    // No ServiceAccount controller creates `default` ServiceAccounts, so the ServiceAccount admission plugin would reject every Pod.
    '--disable-admission-plugins=ServiceAccount',
    // Endpoints may not hold loopback addresses; the reconciler would log errors forever.
    '--endpoint-reconciler-type=none',
    // Let privileged Pods reach admission, so that PodSecurity (not this cluster-wide switch) is what rejects them.
    '--allow-privileged=true',
    ...(options.extraApiServerArgs ?? []),
  ];

  return KubeCluster.start({
    dir, server, admin, users, versions: tools.versions, readyTimeoutMs,
    etcd: { binary: tools.etcd, args: etcdArgs, url: etcdUrl },
    kubeApiServer: { binary: tools.kubeApiServer, args: apiServerArgs },
  });
}

interface KubeClusterLayout {
  readonly dir: string;
  readonly server: string;
  readonly admin: StaticTokenIdentity;
  readonly users: readonly StaticTokenIdentity[];
  readonly versions: KubeToolVersions;
  readonly etcd: { readonly binary: string; readonly args: readonly string[]; readonly url: string };
  readonly kubeApiServer: { readonly binary: string; readonly args: readonly string[] };
  readonly readyTimeoutMs: number;
}

export class KubeCluster {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** Temp folder with etcd's data, certificates, tokens, kubeconfigs and logs; removed by stop(). */
  readonly dir: string;
  readonly versions: KubeToolVersions;
  readonly etcdLogFile: string;
  readonly apiServerLogFile: string;
  /** The serving certificate chains to this file's CA, so clients verify TLS (never skip it). */
  readonly caFile: string;
  readonly insecureSkipTlsVerify = false;
  private etcdProcess: GuardedProcess | undefined;
  private apiServerProcess: GuardedProcess | undefined;
  private adminKubeconfig: string | undefined;
  private adminClient: KubeRestClient | undefined;
  private paths: ResourcePaths | undefined;
  private stopped = false;

  /** Starts etcd, then kube-apiserver; on failure stops what started and keeps the logs. Use startKubeCluster(). */
  static async start(layout: KubeClusterLayout): Promise<KubeCluster> {
    const cluster = new KubeCluster(layout);
    try {
      const etcd = GuardedProcess.start({ name: 'etcd', binary: layout.etcd.binary, args: layout.etcd.args, logFile: cluster.etcdLogFile });
      cluster.etcdProcess = etcd;
      await pollUntil(`etcd on ${layout.etcd.url}`, () => etcdHealthy(layout.etcd.url), {
        timeoutMs: layout.readyTimeoutMs,
        giveUpIf: () => exitedMessage(etcd),
      });
      await cluster.startApiServer();
    } catch (error) {
      await cluster.stop({ keepDir: true });
      throw new Error(`${(error as Error).message}\n(logs kept in ${layout.dir})`);
    }
    return cluster;
  }

  private constructor(private readonly layout: KubeClusterLayout) {
    this.url = layout.server;
    this.dir = layout.dir;
    this.versions = layout.versions;
    this.etcdLogFile = join(layout.dir, 'etcd.log');
    this.apiServerLogFile = join(layout.dir, 'kube-apiserver.log');
    this.caFile = join(layout.dir, 'pki', 'apiserver.crt');
  }

  get caPem(): string {
    return readFileSync(this.caFile, 'utf-8');
  }

  /** A client with the admin token (`system:masters`: RBAC allows it everything). */
  get admin(): KubeRestClient {
    this.adminClient ??= this.clientFor(this.layout.admin.token);
    return this.adminClient;
  }

  get adminToken(): string {
    return this.layout.admin.token;
  }

  /** Kubeconfig of the admin, for @kubernetes/client-node (`kc.loadFromFile`) or kubectl. */
  get kubeconfigPath(): string {
    this.adminKubeconfig ??= this.writeKubeconfig(this.layout.admin.token, { userName: ADMIN_IDENTITY.user });
    return this.adminKubeconfig;
  }

  /** The static token of an identity declared in `startKubeCluster({ users })`. */
  tokenFor(user: string): string {
    const found = this.layout.users.find(identity => identity.user === user);
    if (!found) {
      throw new Error(`no static token for user '${user}': declare it in startKubeCluster({ users: [{ user: '${user}', groups: [...] }] }) `
        + `(declared: ${this.layout.users.map(identity => identity.user).join(', ') || 'none'}), or use serviceAccountToken() for a ServiceAccount`);
    }
    return found.token;
  }

  clientFor(token?: string): KubeRestClient {
    return new KubeRestClient({ server: this.url, caPem: this.caPem, token });
  }

  /** Writes a kubeconfig for `token` into the cluster's folder and returns its path. */
  writeKubeconfig(token: string, options: { userName: string; namespace?: string }): string {
    const file = join(this.dir, `kubeconfig-${options.userName.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`);
    writeFileSync(file, renderKubeconfig({ server: this.url, caPem: this.caPem, token, ...options }), { mode: 0o600 });
    return file;
  }

  /**
   * A real bound token for a ServiceAccount (created if missing) from the TokenRequest API, so a
   * process authenticates as `system:serviceaccount:<namespace>:<name>` exactly as in a cluster.
   * (No controller-manager runs, so no token Secrets and no `default` ServiceAccounts appear by themselves.)
   */
  async serviceAccountToken(namespace: string, name: string, options: { expirationSeconds?: number } = {}): Promise<string> {
    await this.applyManifest({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }, { fieldManager: HARNESS_FIELD_MANAGER });
    const request = await this.admin.post(`/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: options.expirationSeconds ?? 3600 },
    });
    return request.status.token;
  }

  /**
   * Server-side apply (PATCH, application/apply-patch+yaml) of each object in order, as
   * `kubectl apply --server-side [--dry-run=server] --validate=strict` would. Throws KubeApiError,
   * naming the object, at the first one the server rejects.
   */
  async applyManifests(objects: readonly any[], options: ApplyOptions): Promise<AppliedObject[]> {
    const applied: AppliedObject[] = [];
    for (const object of objects) applied.push(await this.applyManifest(object, options));
    return applied;
  }

  async applyManifest(object: any, options: ApplyOptions): Promise<AppliedObject> {
    const path = await this.resourcePaths().pathOf(object, options.namespace);
    const body = options.namespace && !object.metadata.namespace && path.includes('/namespaces/')
      ? { ...object, metadata: { ...object.metadata, namespace: options.namespace } }
      : object;
    const client = options.token ? this.clientFor(options.token) : this.admin;
    try {
      const response = await client.request({
        method: 'PATCH',
        path,
        body,
        contentType: 'application/apply-patch+yaml',
        query: {
          fieldManager: options.fieldManager,
          force: options.force ?? true,
          fieldValidation: options.fieldValidation ?? 'Strict',
          dryRun: options.dryRun ? 'All' : undefined,
        },
      });
      return { object: response.body, warnings: response.warnings };
    } catch (error) {
      if (error instanceof KubeApiError) {
        error.message = `${object.kind} '${object.metadata?.name}': ${error.message}`;
      }
      throw error;
    }
  }

  /** Installs the CustomResourceDefinitions in these YAML files and waits until each is Established and served. */
  async installCrds(files: readonly string[]): Promise<string[]> {
    const crds = readManifestFiles(files).filter(object => object.kind === 'CustomResourceDefinition');
    if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${files.join(', ')}`);
    await this.applyManifests(crds, { fieldManager: HARNESS_FIELD_MANAGER });
    for (const crd of crds) {
      const name: string = crd.metadata.name;
      await pollUntil(`CRD ${name} Established`, async () => {
        const current = await this.admin.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        const established = (current.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
        return established ? true : undefined;
      }, { timeoutMs: 30_000 });
      // Established means the API server accepts the kind; discovery (which applyManifests uses) can lag a moment behind.
      const version = crd.spec.versions.find((v: any) => v.served !== false)?.name;
      await pollUntil(`CRD ${name} in discovery`, async () => {
        const list = await this.admin.get(`/apis/${crd.spec.group}/${version}`);
        return list.resources.some((r: any) => r.name === crd.spec.names.plural) ? true : undefined;
      }, { timeoutMs: 30_000 });
    }
    return crds.map(crd => crd.metadata.name);
  }

  /** Creates (or updates) a namespace, e.g. with `pod-security.kubernetes.io/enforce: restricted`. */
  async createNamespace(name: string, labels: Readonly<Record<string, string>> = {}): Promise<any> {
    const applied = await this.applyManifest({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, { fieldManager: HARNESS_FIELD_MANAGER });
    return applied.object;
  }

  /**
   * Whether RBAC lets `identity` do `verb` on `resource` (kubectl style: `pods`, `pods/log`,
   * `leases.coordination.k8s.io`), asked through a SubjectAccessReview, as `kubectl auth can-i --as` does.
   * Cluster-wide when `namespace` is omitted.
   */
  async canI(identity: KubeIdentity, verb: string, resource: ResourceName, namespace?: string, name?: string): Promise<boolean> {
    return (await this.accessReview(identity, verb, resource, namespace, name)).allowed === true;
  }

  /** The SubjectAccessReview's whole status (`allowed`, `denied`, `reason`); `name` checks one object (RBAC `resourceNames`). */
  async accessReview(identity: KubeIdentity, verb: string, resource: ResourceName, namespace?: string, name?: string): Promise<{ allowed: boolean; denied?: boolean; reason?: string }> {
    const [typeAndGroup, subresource] = resource.split('/', 2);
    const dot = typeAndGroup.indexOf('.');
    const review = await this.admin.post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: identity.user,
        groups: identity.groups ?? [],
        resourceAttributes: {
          verb,
          resource: dot < 0 ? typeAndGroup : typeAndGroup.slice(0, dot),
          group: dot < 0 ? '' : typeAndGroup.slice(dot + 1),
          subresource,
          namespace,
          name,
        },
      },
    });
    return review.status;
  }

  /**
   * Stops kube-apiserver and starts it again on the same port, etcd and certificates, as a control
   * plane upgrade or crash would: watches break, clients see refused connections, then the same
   * data. `crash: true` kills it with SIGKILL instead of a graceful SIGTERM.
   */
  async restartApiServer(options: { crash?: boolean } = {}): Promise<void> {
    await this.apiServerProcess?.stop(options.crash ? 'SIGKILL' : 'SIGTERM');
    await this.startApiServer();
  }

  /** Stops kube-apiserver and etcd and removes the temp folder (kept when KFS_KEEP_KUBE_CLUSTER=1). Safe to call twice. */
  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.apiServerProcess?.stop();
    await this.etcdProcess?.stop();
    if (options.keepDir || process.env.KFS_KEEP_KUBE_CLUSTER === '1') return;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startApiServer(): Promise<void> {
    const apiServer = GuardedProcess.start({
      name: 'kube-apiserver',
      binary: this.layout.kubeApiServer.binary,
      args: this.layout.kubeApiServer.args,
      logFile: this.apiServerLogFile,
    });
    this.apiServerProcess = apiServer;
    // The admin client holds the CA; it is read again once the server is up (the first start writes it).
    this.adminClient = undefined;
    try {
      await pollUntil(`kube-apiserver on ${this.url}/readyz`, async () => {
        // The certificate appears a moment after start; until then there is nothing to verify TLS against.
        if (!existsSync(this.caFile)) return undefined;
        const response = await this.clientFor().request({ method: 'GET', path: '/readyz' });
        return response.statusCode === 200 ? true : undefined;
      }, { timeoutMs: this.layout.readyTimeoutMs, giveUpIf: () => exitedMessage(apiServer) });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- last lines of ${this.apiServerLogFile}:\n${apiServer.logTail()}`);
    }
  }

  private resourcePaths(): ResourcePaths {
    this.paths ??= new ResourcePaths(path => this.admin.get(path));
    return this.paths;
  }
}

function exitedMessage(guarded: GuardedProcess | undefined): string | undefined {
  const exit = guarded?.exitStatusIfExited;
  if (!guarded || !exit) return undefined;
  return `${guarded.options.name} exited (code ${exit.code}, signal ${exit.signal}) before it was ready:\n${guarded.logTail()}`;
}

function etcdHealthy(url: string): Promise<true | undefined> {
  return new Promise((resolveHealth, reject) => {
    httpGet(`${url}/health`, { agent: false, timeout: 2000 }, response => {
      let text = '';
      response.on('data', chunk => { text += chunk; });
      response.on('end', () => resolveHealth(response.statusCode === 200 && text.includes('"health":"true"') ? true : undefined));
    }).on('error', reject).on('timeout', function (this: { destroy(error: Error): void }) { this.destroy(new Error('etcd /health timed out')); });
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreeLoopbackPort());
  return [...ports];
}
