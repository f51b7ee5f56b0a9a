import { createSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type HttpClientOptions, connectionError, readBody, sendRequest } from './http-get';
import { StorageError, StorageErrorKind } from './storage-error';

/** Read-only access is all a model pull needs. */
const READ_ONLY_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Where a GCS puller gets bearer tokens. */
export interface GcsTokenSource {
  token(): Promise<string>;
}

/**
 * Tokens from the GCE/GKE metadata server, i.e. the node's or (with GKE Workload Identity) the
 * pod's Kubernetes ServiceAccount's Google identity. `GCE_METADATA_HOST` names the server, as in
 * Google's own client libraries; the constructs set it to `metadata.google.internal` for
 * `StorageCredentials.fromServiceAccount()`.
 */
export class MetadataServerTokens implements GcsTokenSource {
  #cached: { token: string; expiresAt: number } | undefined;

  constructor(
    private readonly host: string,
    private readonly http: HttpClientOptions,
  ) {}

  async token(): Promise<string> {
    if (this.#cached !== undefined && Date.now() < this.#cached.expiresAt) return this.#cached.token;
    const url = new URL(`http://${this.host}/computeMetadata/v1/instance/service-accounts/default/token`);
    const response = await sendRequest(url, this.http, { headers: { 'metadata-flavor': 'Google' } }).catch((error: unknown) => {
      throw connectionError(error, `the metadata server ${this.host}`);
    });
    const body = await readBody(response);
    if (response.statusCode !== 200) {
      throw new StorageError(
        (response.statusCode ?? 0) >= 500 ? StorageErrorKind.TRANSIENT : StorageErrorKind.ACCESS_DENIED,
        `the metadata server ${this.host} gave no token (HTTP ${response.statusCode}); is the pod's ServiceAccount bound to a Google service account (Workload Identity)?`,
      );
    }
    const answer = JSON.parse(body) as { access_token?: string; expires_in?: number };
    if (typeof answer.access_token !== 'string') {
      throw new StorageError(StorageErrorKind.ACCESS_DENIED, `the metadata server ${this.host} answered without an access_token`);
    }
    this.#cached = { token: answer.access_token, expiresAt: Date.now() + ((answer.expires_in ?? 3600) - 60) * 1000 };
    return answer.access_token;
  }
}

/** The fields of a Google service-account key file that the token exchange uses. */
interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly token_uri: string;
}

/**
 * OAuth access tokens for a service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`, which
 * KServe points at the mounted `gcloud-application-credentials.json`): a signed JWT exchanged at the
 * key's `token_uri` (RFC 7523), cached until a minute before it expires.
 */
export class ServiceAccountTokens implements GcsTokenSource {
  #cached: { token: string; expiresAt: number } | undefined;

  constructor(
    private readonly keyFile: string,
    private readonly http: HttpClientOptions,
  ) {}

  /** A valid bearer token. @throws StorageError ACCESS_DENIED (naming the key file, never its content). */
  async token(): Promise<string> {
    if (this.#cached !== undefined && Date.now() < this.#cached.expiresAt) return this.#cached.token;
    const key = await this.#readKey();
    const tokenUrl = new URL(key.token_uri);
    const response = await sendRequest(tokenUrl, this.http, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: signAssertion(key) }).toString(),
    }).catch((error: unknown) => {
      throw connectionError(error, `the token endpoint ${tokenUrl.origin}`);
    });
    const body = await readBody(response);
    if (response.statusCode !== 200) {
      throw new StorageError(
        (response.statusCode ?? 0) >= 500 ? StorageErrorKind.TRANSIENT : StorageErrorKind.ACCESS_DENIED,
        `the token endpoint ${tokenUrl.origin} refused the service account '${key.client_email}' (HTTP ${response.statusCode}); check the key in GOOGLE_APPLICATION_CREDENTIALS`,
      );
    }
    const answer = JSON.parse(body) as { access_token?: string; expires_in?: number };
    if (typeof answer.access_token !== 'string') {
      throw new StorageError(StorageErrorKind.ACCESS_DENIED, `the token endpoint ${tokenUrl.origin} answered without an access_token`);
    }
    this.#cached = { token: answer.access_token, expiresAt: Date.now() + ((answer.expires_in ?? 3600) - 60) * 1000 };
    return answer.access_token;
  }

  async #readKey(): Promise<ServiceAccountKey> {
    let parsed: Partial<ServiceAccountKey> & { type?: string };
    try {
      parsed = JSON.parse(await readFile(this.keyFile, 'utf8')) as typeof parsed;
    } catch (error) {
      throw new StorageError(StorageErrorKind.ACCESS_DENIED, `cannot read the service-account key '${this.keyFile}' (GOOGLE_APPLICATION_CREDENTIALS): ${(error as Error).name}`);
    }
    if (parsed.type !== 'service_account' || !parsed.client_email || !parsed.private_key || !parsed.token_uri) {
      throw new StorageError(StorageErrorKind.ACCESS_DENIED, `'${this.keyFile}' (GOOGLE_APPLICATION_CREDENTIALS) is not a service-account key file (type, client_email, private_key, token_uri)`);
    }
    if (!parsed.token_uri.startsWith('https://')) {
      throw new StorageError(StorageErrorKind.ACCESS_DENIED, `the service-account key '${this.keyFile}' has a token_uri that is not https://; refusing to send a signed assertion in clear text`);
    }
    return parsed as ServiceAccountKey;
  }
}

function signAssertion(key: ServiceAccountKey): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: key.client_email, scope: READ_ONLY_SCOPE, aud: key.token_uri, iat: now, exp: now + 3600 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key).toString('base64url');
  return `${unsigned}.${signature}`;
}
