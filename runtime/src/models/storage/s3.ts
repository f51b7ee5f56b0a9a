import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { trustedCertificates } from './ca-bundle';
import type { ObjectListing, ObjectStore, RemoteObject } from './object-store-pull';
import { selectObjects } from './object-store-pull';
import { StorageError, StorageErrorKind, describeCause, isTransientHttpStatus, isTransientNetworkError, tlsTrustProblem } from './storage-error';
import { type StorageSettings, booleanFromEnv, positiveIntegerFromEnv } from './storage-options';
import { writeDownload } from './write-download';

/** KServe's default for the storage initializer's boto3 client (seconds). */
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 15;

/**
 * The S3 client configuration from KServe's environment variables:
 * - endpoint: `AWS_ENDPOINT_URL`, or the older `S3_ENDPOINT` (host[:port], scheme from `S3_USE_HTTPS`, default 1);
 * - region: `AWS_DEFAULT_REGION` / `AWS_REGION` (default us-east-1);
 * - TLS: `S3_VERIFY_SSL` (default 1), `AWS_CA_BUNDLE` (else the storage CA bundle);
 * - addressing: path-style for custom endpoints unless `S3_USER_VIRTUAL_BUCKET`=1; `S3_USE_ACCELERATE`;
 * - credentials: `awsAnonymousCredential`=true (unsigned), `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
 *   (+`AWS_SESSION_TOKEN`), a mounted `AWS_SHARED_CREDENTIALS_FILE` (+`AWS_PROFILE`), else the SDK's
 *   chain (web identity for IRSA, container and instance roles);
 * - timeouts: `S3_CONNECT_TIMEOUT`, `S3_READ_TIMEOUT` (seconds).
 * Retries are ours (whole objects, including a body cut off midway), so the SDK makes one attempt.
 */
export function s3ClientConfig(settings: StorageSettings): S3ClientConfig {
  const { env } = settings;
  const useHttps = booleanFromEnv(env, 'S3_USE_HTTPS') ?? true;
  const legacyEndpoint = env.S3_ENDPOINT?.trim();
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || (legacyEndpoint ? (/^https?:\/\//.test(legacyEndpoint) ? legacyEndpoint : `${useHttps ? 'https' : 'http'}://${legacyEndpoint}`) : undefined);
  const verifySsl = booleanFromEnv(env, 'S3_VERIFY_SSL') ?? true;
  const caFile = env.AWS_CA_BUNDLE?.trim() || settings.caBundleFile;
  const maxSockets = Math.max(50, concurrencyFrom(settings) * 2);
  const config: S3ClientConfig = {
    region: env.AWS_DEFAULT_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: endpoint !== undefined && !(booleanFromEnv(env, 'S3_USER_VIRTUAL_BUCKET') ?? false),
    useAccelerateEndpoint: booleanFromEnv(env, 'S3_USE_ACCELERATE') ?? false,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1000 * (positiveIntegerFromEnv(env, 'S3_CONNECT_TIMEOUT') ?? DEFAULT_CONNECT_TIMEOUT_SECONDS),
      requestTimeout: (positiveIntegerFromEnv(env, 'S3_READ_TIMEOUT') ?? 0) * 1000 || settings.readTimeoutMs,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets, rejectUnauthorized: verifySsl, ...(caFile ? { ca: trustedCertificates(caFile) } : {}) }),
    }),
  };
  if (booleanFromEnv(env, 'awsAnonymousCredential') ?? false) {
    // Public buckets: send requests unsigned, as KServe's `awsAnonymousCredential` does with botocore's UNSIGNED.
    return { ...config, credentials: { accessKeyId: '', secretAccessKey: '' }, signer: { sign: async (request) => request } };
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    return { ...config, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
  }
  const sharedFile = env.AWS_SHARED_CREDENTIALS_FILE?.trim();
  if (sharedFile) {
    return { ...config, credentials: fromIni({ filepath: sharedFile, configFilepath: env.AWS_CONFIG_FILE?.trim() || sharedFile, profile: env.AWS_PROFILE?.trim() || 'default' }) };
  }
  return config;
}

function concurrencyFrom(settings: StorageSettings): number {
  return positiveIntegerFromEnv(settings.env, 'S3_MAX_FILE_CONCURRENCY') ?? settings.concurrency;
}

/** `s3://bucket/prefix` as an ObjectStore over AWS SDK v3. */
export class S3ObjectStore implements ObjectStore {
  readonly concurrency: number;
  readonly #client: S3Client;

  constructor(
    readonly uri: string,
    private readonly bucket: string,
    private readonly prefix: string,
    settings: StorageSettings,
  ) {
    this.concurrency = concurrencyFrom(settings);
    this.#client = new S3Client(s3ClientConfig(settings));
  }

  async list(): Promise<ObjectListing> {
    const keys: { key: string; version: string; expected: { size?: number; md5Hex?: string } }[] = [];
    let continuationToken: string | undefined;
    do {
      const token = continuationToken;
      const page = await this.#call(undefined, () => this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix === '' ? undefined : this.prefix, ContinuationToken: token })));
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const etag = object.ETag ?? '';
        keys.push({ key: object.Key, version: etag, expected: { ...(object.Size === undefined ? {} : { size: object.Size }), ...md5FromEtag(etag) } });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    return selectObjects(this.prefix, keys);
  }

  async download(object: RemoteObject, file: string, onBytes: (bytes: number) => void): Promise<void> {
    const response = await this.#call(object.key, () => this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.key })));
    // KMS- and customer-key-encrypted objects have ETags that are not MD5s of the content.
    const encrypted = response.ServerSideEncryption === 'aws:kms' || response.ServerSideEncryption === 'aws:kms:dsse' || response.SSECustomerAlgorithm !== undefined;
    const expected = {
      ...(response.ContentLength === undefined ? object.expected.size === undefined ? {} : { size: object.expected.size } : { size: response.ContentLength }),
      ...(encrypted ? {} : md5FromEtag(response.ETag ?? '')),
    };
    try {
      await writeDownload(response.Body as Readable, file, expected, `${this.uri} object '${object.key}'`, onBytes);
    } catch (error) {
      throw this.#classify(error, object.key);
    }
  }

  async #call<T>(key: string | undefined, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#classify(error, key);
    }
  }

  /** Maps SDK and stream errors to StorageErrors whose messages name the URI, never a credential. */
  #classify(error: unknown, key: string | undefined): StorageError {
    if (error instanceof StorageError) return error;
    const code = (error as { name?: string }).name ?? 'Error';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const what = key === undefined ? this.uri : `${this.uri} object '${key}'`;
    switch (code) {
      case 'NoSuchBucket':
        return new StorageError(StorageErrorKind.NOT_FOUND, `bucket '${this.bucket}' does not exist (model URI ${this.uri})`);
      case 'NoSuchKey':
        return new StorageError(StorageErrorKind.NOT_FOUND, `${what} does not exist`);
      case 'InvalidAccessKeyId':
        return new StorageError(StorageErrorKind.ACCESS_DENIED, `S3 rejected the access key ID for ${this.uri} (InvalidAccessKeyId): the key does not exist on that server; check AWS_ACCESS_KEY_ID in the credentials Secret`);
      case 'SignatureDoesNotMatch':
        return new StorageError(StorageErrorKind.ACCESS_DENIED, `S3 rejected the signature for ${this.uri} (SignatureDoesNotMatch): the secret access key does not belong to the access key ID; check AWS_SECRET_ACCESS_KEY in the credentials Secret`);
      case 'ExpiredToken':
      case 'InvalidToken':
      case 'TokenRefreshRequired':
        return new StorageError(StorageErrorKind.ACCESS_DENIED, `S3 rejected the session token for ${this.uri} (${code}); renew the credentials`);
      case 'CredentialsProviderError':
        return new StorageError(
          StorageErrorKind.ACCESS_DENIED,
          `no S3 credentials found for ${this.uri}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from a Secret, run under a ServiceAccount bound to a role, or set awsAnonymousCredential=true for a public bucket`,
        );
      default:
        break;
    }
    if (status === 403 || code === 'AccessDenied') {
      return new StorageError(StorageErrorKind.ACCESS_DENIED, `access to ${what} was denied (${code}, HTTP 403): the credentials lack s3:ListBucket or s3:GetObject on it`);
    }
    if (status === 404) return new StorageError(StorageErrorKind.NOT_FOUND, `${what} does not exist (${code}, HTTP 404)`);
    if (status === 401) return new StorageError(StorageErrorKind.ACCESS_DENIED, `S3 refused the credentials for ${what} (${code}, HTTP 401)`);
    if ((status !== undefined && isTransientHttpStatus(status)) || code === 'SlowDown' || code === 'InternalError' || code === 'RequestTimeout') {
      return new StorageError(StorageErrorKind.TRANSIENT, `S3 answered ${code}${status === undefined ? '' : ` (HTTP ${status})`} for ${what}`);
    }
    const tlsProblem = tlsTrustProblem(error);
    if (tlsProblem !== undefined) {
      return new StorageError(
        StorageErrorKind.ACCESS_DENIED,
        `the TLS certificate of the S3 endpoint for ${this.uri} is not trusted (${tlsProblem}); pass its certificate authority with AWS_CA_BUNDLE or --storage-ca-bundle, or set S3_VERIFY_SSL=0 for a test store`,
      );
    }
    if (isTransientNetworkError(error)) return new StorageError(StorageErrorKind.TRANSIENT, `connection to S3 failed for ${what}: ${describeCause(error)}`);
    if (status !== undefined) return new StorageError(StorageErrorKind.INVALID, `S3 answered ${code} (HTTP ${status}) for ${what}`);
    // A programming error is not worth five attempts; anything else from the SDK without a status
    // (an unparsable or truncated response) may be.
    const kind = error instanceof TypeError || error instanceof RangeError ? StorageErrorKind.INVALID : StorageErrorKind.TRANSIENT;
    return new StorageError(kind, `request to S3 failed for ${what}: ${describeCause(error)}`);
  }
}

/** A single-part upload's ETag is the hex MD5 of the content; multipart ETags (`…-N`) are not. */
function md5FromEtag(etag: string): { md5Hex?: string } {
  const bare = etag.replace(/"/g, '');
  return /^[0-9a-f]{32}$/i.test(bare) ? { md5Hex: bare.toLowerCase() } : {};
}
