import { KubeApiError } from './kube-api-error';

/**
 * Turns a manifest (apiVersion, kind, metadata) into its REST path, using the API server's discovery
 * documents, so that any kind the server serves (built-in or from a CRD installed a moment ago)
 * can be applied without a table of plurals here.
 */

export interface KubeObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

interface DiscoveredResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export class ResourcePaths {
  private readonly byGroupVersion = new Map<string, readonly DiscoveredResource[]>();

  /** `getJson` fetches a discovery document as the admin (through whatever client is current after a restart). */
  constructor(private readonly getJson: (path: string) => Promise<any>) {}

  /**
   * The object's path, e.g. `/apis/serving.knative.dev/v1/namespaces/ns/services/iris`.
   * `defaultNamespace` applies to namespaced kinds whose manifest names none.
   */
  async pathOf(object: KubeObjectRef, defaultNamespace?: string): Promise<string> {
    const resource = await this.resourceOf(object.apiVersion, object.kind);
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    if (!resource.namespaced) return `${base}/${resource.name}/${object.metadata.name}`;
    const namespace = object.metadata.namespace ?? defaultNamespace;
    if (!namespace) {
      throw new Error(`${object.kind} '${object.metadata.name}' is namespaced but names no namespace; set metadata.namespace or pass a namespace`);
    }
    return `${base}/namespaces/${namespace}/${resource.name}/${object.metadata.name}`;
  }

  private async resourceOf(apiVersion: string, kind: string): Promise<DiscoveredResource> {
    const cached = this.byGroupVersion.get(apiVersion)?.find(resource => resource.kind === kind);
    if (cached) return cached;
    // Not cached, or cached before its CRD was installed: ask again.
    const discovered = await this.discover(apiVersion);
    const resource = discovered.find(candidate => candidate.kind === kind);
    if (!resource) {
      throw new Error(`the API server serves no kind ${kind} in ${apiVersion} (it serves: ${discovered.map(r => r.kind).join(', ') || 'nothing'}); install its CRD first`);
    }
    return resource;
  }

  private async discover(apiVersion: string): Promise<readonly DiscoveredResource[]> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list: { resources: DiscoveredResource[] };
    try {
      list = await this.getJson(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) {
        throw new Error(`the API server serves no ${apiVersion} (GET ${path} → 404); install its CRD first`);
      }
      throw error;
    }
    // Subresources (`pods/status`) share the kind of their parent; only top-level resources have paths of their own here.
    const resources = list.resources.filter(resource => !resource.name.includes('/'));
    this.byGroupVersion.set(apiVersion, resources);
    return resources;
  }
}
