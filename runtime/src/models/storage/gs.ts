import type { OutgoingHttpHeaders } from 'node:http';
import { trustedCertificates } from './ca-bundle';
import { type GcsTokenSource, MetadataServerTokens, ServiceAccountTokens } from './gcs-credentials';
import { type HttpClientOptions, connectionError, readBody, sendRequest, statusError } from './http-get';
import { type ObjectListing, type ObjectStore, type RemoteObject, selectObjects } from './object-store-pull';
import { StorageError, StorageErrorKind } from './storage-error';
import type { StorageSettings } from './storage-options';
import { writeDownload } from './write-download';

const GCS_ENDPOINT = 'https://storage.googleapis.com';

/**
 * `gs://bucket/prefix` over the GCS JSON API with plain HTTP requests (listing, then `alt=media`
 * downloads). Endpoint: `STORAGE_EMULATOR_HOST` when set (what Google's client libraries and so
 * KServe's storage initializer honour), else storage.googleapis.com. Credentials: the service-account
 * key file in `GOOGLE_APPLICATION_CREDENTIALS`, else the metadata server named by `GCE_METADATA_HOST`
 * (GKE Workload Identity), else anonymous (public buckets).
 */
export class GcsObjectStore implements ObjectStore {
  readonly concurrency: number;
  readonly #endpoint: string;
  readonly #http: HttpClientOptions;
  readonly #tokens: GcsTokenSource | undefined;

  constructor(
    readonly uri: string,
    private readonly bucket: string,
    private readonly prefix: string,
    settings: StorageSettings,
  ) {
    this.concurrency = settings.concurrency;
    const emulator = settings.env.STORAGE_EMULATOR_HOST?.trim();
    this.#endpoint = emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`).replace(/\/+$/, '') : GCS_ENDPOINT;
    this.#http = { idleTimeoutMs: settings.readTimeoutMs, ...(settings.caBundleFile === undefined ? {} : { ca: trustedCertificates(settings.caBundleFile) }) };
    const keyFile = settings.env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
    const metadataHost = settings.env.GCE_METADATA_HOST?.trim();
    this.#tokens = keyFile ? new ServiceAccountTokens(keyFile, this.#http) : metadataHost ? new MetadataServerTokens(metadataHost, this.#http) : undefined;
  }

  async list(): Promise<ObjectListing> {
    const objects: { key: string; version: string; expected: { size?: number; md5Hex?: string } }[] = [];
    let pageToken: string | undefined;
    do {
      const url = new URL(`${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o`);
      if (this.prefix !== '') url.searchParams.set('prefix', this.prefix);
      url.searchParams.set('fields', 'items(name,size,md5Hash,generation),nextPageToken');
      if (pageToken !== undefined) url.searchParams.set('pageToken', pageToken);
      const response = await this.#get(url, this.uri);
      if (response.statusCode === 404) {
        response.resume();
        throw new StorageError(StorageErrorKind.NOT_FOUND, `bucket '${this.bucket}' does not exist (model URI ${this.uri})`);
      }
      if (response.statusCode !== 200) throw statusError(response, this.uri);
      const page = JSON.parse(await readBody(response)) as { items?: { name: string; size?: string; md5Hash?: string; generation?: string }[]; nextPageToken?: string };
      for (const item of page.items ?? []) {
        const md5Hex = item.md5Hash === undefined ? undefined : Buffer.from(item.md5Hash, 'base64').toString('hex');
        objects.push({
          key: item.name,
          version: item.generation ?? '',
          expected: { ...(item.size === undefined ? {} : { size: Number(item.size) }), ...(md5Hex === undefined ? {} : { md5Hex }) },
        });
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return selectObjects(this.prefix, objects);
  }

  async download(object: RemoteObject, file: string, onBytes: (bytes: number) => void): Promise<void> {
    const source = `${this.uri} object '${object.key}'`;
    const url = new URL(`${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(object.key)}`);
    url.searchParams.set('alt', 'media');
    // Pin the generation we listed, so the bytes match the listing the cache fingerprint came from.
    if (object.version !== '') url.searchParams.set('generation', object.version);
    const response = await this.#get(url, source);
    if (response.statusCode !== 200) throw statusError(response, source);
    try {
      await writeDownload(response, file, object.expected, source, onBytes);
    } catch (error) {
      throw connectionError(error, source);
    }
  }

  async #get(url: URL, source: string) {
    const headers: OutgoingHttpHeaders = { 'accept-encoding': 'identity' };
    if (this.#tokens !== undefined) headers.authorization = `Bearer ${await this.#tokens.token()}`;
    try {
      return await sendRequest(url, this.#http, { headers });
    } catch (error) {
      throw connectionError(error, source);
    }
  }
}
